import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { phpComposerCataloger } from '../../../src/sbom/catalog/php-composer.js';
import { MemoryResolver, runCataloger, type CatalogRun } from './memory-resolver.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/catalog/php');

/** What Composer's own classes read from one installed.json (fixtures/catalog/php/oracle.php). */
interface ComposerOracle {
  dev: boolean | null;
  devPackageNames: string[];
  packages: Array<{ name: string; version: string; licenses: string[]; dependsOn: string[] }>;
}

const CASES = [
  { tree: 'composer1', file: '/usr/share/mediawiki/vendor/composer/installed.json', format: '1' },
  { tree: 'composer2', file: '/usr/share/mediawiki/vendor/composer/installed.json', format: '2' },
  { tree: 'composer2-dev', file: '/srv/app/vendor/composer/installed.json', format: '2' },
] as const;

const hasComposer = (() => {
  try {
    execFileSync('php', ['-r', 'require "/usr/share/php/Composer/autoload.php";'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function recorded(tree: string): ComposerOracle {
  return JSON.parse(readFileSync(join(FIXTURES, `${tree}.composer.json`), 'utf8')) as ComposerOracle;
}

async function catalog(tree: string): Promise<CatalogRun> {
  return runCataloger(phpComposerCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, tree)));
}

function edgesByName(run: CatalogRun): string[] {
  const names = new Map(run.packages.map((p) => [p.ref, p.name]));
  return run.relationships.map((r) => `${names.get(r.from)} -> ${names.get(r.to)} ${r.type}`).sort();
}

describe.each(CASES)('php-composer-installed on $tree', ({ tree, file, format }) => {
  it('finds exactly the packages Composer reads, with their versions', async () => {
    const run = await catalog(tree);
    const oracle = recorded(tree);
    expect(oracle.packages.length).toBeGreaterThanOrEqual(3);
    expect(run.packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual(oracle.packages.map((p) => `${p.name}@${p.version}`).sort());
    expect(run.warnings).toEqual([]);
    for (const pkg of run.packages) {
      expect(pkg.locations).toEqual([{ path: file }]);
      expect(pkg.metadata.composerFormat).toBe(format);
    }
  });

  it.runIf(hasComposer)('agrees with Composer run live on the fixture', () => {
    const live = JSON.parse(execFileSync('php', [join(FIXTURES, 'oracle.php'), join(FIXTURES, tree, file)], { encoding: 'utf8' })) as ComposerOracle;
    expect(live).toEqual(recorded(tree));
  });

  it('links requires the way Composer resolves them among installed packages', async () => {
    const oracle = recorded(tree);
    const expected = oracle.packages.flatMap((p) => p.dependsOn.map((to) => `${p.name} -> ${to} depends-on`)).sort();
    expect(edgesByName(await catalog(tree))).toEqual(expected);
  });

  it('marks exactly the development packages', async () => {
    const oracle = recorded(tree);
    const dev = (await catalog(tree)).packages.filter((p) => p.metadata.dev === 'true').map((p) => p.name);
    expect(dev.sort()).toEqual([...oracle.devPackageNames].sort());
  });

  it('builds composer purls with the version as Composer records it', async () => {
    for (const pkg of (await catalog(tree)).packages) {
      const [vendor, name] = pkg.name.split('/');
      expect(pkg.purl).toBe(`pkg:composer/${vendor}/${name}@${pkg.version}`);
    }
  });
});

describe('php-composer-installed details', () => {
  it('reads the Composer 1 file of MediaWiki in 2015: v-prefixed versions, licenses as a choice', async () => {
    const run = await catalog('composer1');
    const byName = new Map(run.packages.map((p) => [p.name, p]));
    expect(byName.get('ruflin/elastica')).toMatchObject({ purl: 'pkg:composer/ruflin/elastica@v1.3.0.0', licenses: [{ expression: 'Apache-2.0' }] });
    // ["MIT", "GPL-3.0"] is a choice between the two (Composer's schema: disjunctive)
    expect(byName.get('leafo/lessphp')?.licenses).toEqual([{ expression: 'MIT OR GPL-3.0-only' }]);
    expect(byName.get('wikimedia/cdb')?.licenses).toEqual([{ expression: 'GPL-2.0-only' }]);
    expect(byName.get('monolog/monolog')).toMatchObject({
      description: 'Sends your logs to files, sockets, inboxes, databases and various web services',
      homepage: 'http://github.com/Seldaek/monolog',
      supplier: 'Jordi Boggiano',
      metadata: { composerType: 'library', reference: expect.stringMatching(/^[0-9a-f]{40}$/) as unknown },
    });
  });

  it('keeps a license Composer names without an SPDX id as a name', async () => {
    const run = await catalog('composer2');
    expect(run.packages.find((p) => p.name === 'pear/net_socket')?.licenses).toEqual([{ name: 'PHP License' }]);
  });

  it('resolves replace and provide, skips platform packages, and never links a package to itself', () => {
    const file = '/app/vendor/composer/installed.json';
    const resolver = new MemoryResolver({
      [file]: JSON.stringify({
        packages: [
          { name: 'acme/app-lib', version: '1.0.0', require: { php: '>=8.1', 'ext-json': '*', 'psr/log-implementation': '^1', 'acme/old-name': '^2', 'acme/app-lib': '*', 'acme/missing': '^1' } },
          { name: 'acme/logger', version: '2.0.0', provide: { 'psr/log-implementation': '1.0.0' } },
          { name: 'acme/new-name', version: 'v2.1.0', replace: { 'acme/old-name': 'self.version' }, license: 'MIT' },
          { name: 'Acme/Mixed', version: 'dev-main', require: { 'ACME/LOGGER': '*' } },
        ],
        dev: true,
        'dev-package-names': ['acme/logger'],
      }),
    });
    const run = runCataloger(phpComposerCataloger, resolver);
    expect(edgesByName(run)).toEqual(['Acme/Mixed -> acme/logger depends-on', 'acme/app-lib -> acme/logger depends-on', 'acme/app-lib -> acme/new-name depends-on']);
    expect(run.packages.find((p) => p.name === 'acme/logger')?.metadata.dev).toBe('true');
    expect(run.packages.find((p) => p.name === 'Acme/Mixed')?.purl).toBe('pkg:composer/acme/mixed@dev-main');
    expect(run.packages.find((p) => p.name === 'acme/new-name')?.licenses).toEqual([{ expression: 'MIT' }]);
  });

  it('warns for files that are not installed.json, and for entries without a name or version', () => {
    const dir = '/app';
    const resolver = new MemoryResolver({
      [`${dir}/a/composer/installed.json`]: '{"packages": ',
      [`${dir}/b/composer/installed.json`]: '{"name": "not/installed"}',
      [`${dir}/c/composer/installed.json`]: JSON.stringify([{ name: 'ok/pkg', version: '1.0.0' }, { name: 'no/version' }, 'garbage', { version: '1' }]),
      [`${dir}/d/composer/installed.json`]: Buffer.from([0xff, 0xfe, 0x00]),
    });
    const run = runCataloger(phpComposerCataloger, resolver);
    expect(run.packages.map((p) => p.name)).toEqual(['ok/pkg']);
    expect(run.warnings.map((w) => w.path)).toEqual([
      `${dir}/a/composer/installed.json`,
      `${dir}/b/composer/installed.json`,
      `${dir}/c/composer/installed.json`,
      `${dir}/d/composer/installed.json`,
    ]);
    expect(run.warnings[2]?.message).toMatch(/3 of 4/);
  });

  it('wants composer/installed.json under any vendor dir, nothing else', () => {
    const resolver = new MemoryResolver({
      '/srv/app/vendor/composer/installed.json': '[]',
      '/usr/share/icinga-php/vendor/vendor/composer/installed.json': '[]',
      '/srv/app/installed.json': '[]',
      '/srv/app/vendor/composer/installed.php': '<?php return [];',
    });
    expect(runCataloger(phpComposerCataloger, resolver).files).toEqual([
      '/srv/app/vendor/composer/installed.json',
      '/usr/share/icinga-php/vendor/vendor/composer/installed.json',
    ]);
  });
});
