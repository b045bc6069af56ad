// Fixture: Composer's own composer.lock and composer.json (fixtures/catalog/README.md,
// "lockfiles/composer"). The expectation is an independent walk of the JSON.parse of both.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composerLockCataloger } from '../../../../src/sbom/catalog/php/composer-lock.js';
import { phpComposerCataloger } from '../../../../src/sbom/catalog/php-composer.js';
import { MemoryResolver, runCataloger, type CatalogRun } from '../memory-resolver.js';

const TREE = join(import.meta.dirname, '../../../../fixtures/catalog/lockfiles/composer/composer');
const LOCK_TEXT = readFileSync(join(TREE, 'composer.lock'), 'utf8');
const MANIFEST_TEXT = readFileSync(join(TREE, 'composer.json'), 'utf8');

interface LockPackage {
  name: string;
  version: string;
  require?: Record<string, string>;
  license?: string[];
  source?: { reference?: string; url?: string };
}
const lock = JSON.parse(LOCK_TEXT) as { packages: LockPackage[]; 'packages-dev': LockPackage[] };
const manifest = JSON.parse(MANIFEST_TEXT) as { name: string; require: Record<string, string>; 'require-dev': Record<string, string> };

function run(files: Record<string, string>): CatalogRun {
  return runCataloger(composerLockCataloger, new MemoryResolver(files));
}

function labelled(result: CatalogRun) {
  const labels = new Map<string, string>();
  for (const p of result.packages) labels.set(p.ref, `${p.name}@${p.version}`);
  for (const p of result.projects ?? []) labels.set(p.ref, `(${p.name})`);
  return result.relationships.map((r) => `${labels.get(r.from)} ${r.type} ${labels.get(r.to)}`).sort();
}

describe('php-composer-lock on Composer\'s own composer.lock', () => {
  const result = run({ '/app/composer.lock': LOCK_TEXT, '/app/composer.json': MANIFEST_TEXT });
  const all = [...lock.packages, ...lock['packages-dev']];
  const versionOf = new Map(all.map((p) => [p.name, p.version]));

  it('reports every locked package, those of packages-dev marked dev', () => {
    expect(result.packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual(all.map((p) => `${p.name}@${p.version}`).sort());
    expect(result.packages.filter((p) => p.dev === true).map((p) => p.name).sort()).toEqual(lock['packages-dev'].map((p) => p.name).sort());
    expect(lock['packages-dev'].length).toBeGreaterThan(0);
    expect(result.warnings).toEqual([]);
  });

  it('links require to the locked packages, and the project to its require and require-dev', () => {
    const expected: string[] = [];
    for (const pkg of all) {
      for (const name of Object.keys(pkg.require ?? {})) {
        if (versionOf.has(name)) expected.push(`${pkg.name}@${pkg.version} depends-on ${name}@${versionOf.get(name)}`);
      }
    }
    for (const [field, type] of [['require', 'depends-on'], ['require-dev', 'dev-depends-on']] as const) {
      for (const name of Object.keys(manifest[field])) {
        if (versionOf.has(name)) expected.push(`(${manifest.name}) ${type} ${name}@${versionOf.get(name)}`);
      }
    }
    expect(labelled(result)).toEqual(expected.sort());
    expect(expected.some((edge) => edge.includes('dev-depends-on phpspec/prophecy'))).toBe(true);
  });

  it('takes the root project from composer.json, never as a package', () => {
    expect(result.projects).toEqual([
      { ref: '/app/composer.lock#composer.json', name: 'composer/composer', purl: 'pkg:composer/composer/composer', locations: [{ path: '/app/composer.lock' }, { path: '/app/composer.json' }] },
    ]);
    expect(result.packages.some((p) => p.name === 'composer/composer')).toBe(false);
  });

  it('keeps the version as recorded, the license, and the source reference and URL', () => {
    for (const pkg of all) {
      const draft = result.packages.find((p) => p.name === pkg.name);
      const [vendor, name] = pkg.name.split('/');
      expect(draft?.purl).toBe(`pkg:composer/${vendor}/${name}@${pkg.version}`);
      expect(draft?.licenses).toEqual((pkg.license ?? []).map((expression) => ({ expression })));
      expect(draft?.metadata).toMatchObject({ reference: pkg.source?.reference, sourceUrl: pkg.source?.url });
    }
    expect(result.packages.find((p) => p.name === 'symfony/console')?.version).toBe('v2.8.52');
  });

  it('gives the same purls as the installed-package cataloger for the same entries', () => {
    // installed.json (Composer 2) holds the lock entries as they are; both catalogers must agree
    const installed = JSON.stringify({ packages: all, dev: true, 'dev-package-names': lock['packages-dev'].map((p) => p.name) });
    const other = runCataloger(phpComposerCataloger, new MemoryResolver({ '/app/vendor/composer/installed.json': installed }));
    expect(result.packages.map((p) => p.purl).sort()).toEqual(other.packages.map((p) => p.purl).sort());
    expect(result.packages.map((p) => p.licenses)).toEqual(result.packages.map((p) => other.packages.find((o) => o.purl === p.purl)?.licenses));
  });
});

describe('php-composer-lock: without or with a partial composer.json', () => {
  it('reports the packages and no project when composer.json is absent', () => {
    const result = run({ '/composer.lock': LOCK_TEXT });
    expect(result.packages).toHaveLength(lock.packages.length + lock['packages-dev'].length);
    expect(result.projects).toEqual([]);
    expect(result.relationships.every((r) => r.type === 'depends-on')).toBe(true);
  });

  it('names an application without a name after its folder', () => {
    const result = run({ '/srv/shop/composer.lock': LOCK_TEXT, '/srv/shop/composer.json': '{"require": {"psr/log": "^1.0"}}' });
    expect(result.projects).toMatchObject([{ name: 'shop' }]);
    expect(result.projects?.[0]).not.toHaveProperty('purl');
    expect(labelled(result)).toContain('(shop) depends-on psr/log@1.1.2');
  });

  it('follows replace and provide, and reads packages-dev: null as no dev packages', () => {
    const text = JSON.stringify({
      packages: [
        { name: 'a/app', version: '1.0.0', require: { 'psr/log-implementation': '^1', 'php': '>=8' } },
        { name: 'monolog/monolog', version: '2.2.0', provide: { 'psr/log-implementation': '1.0' } },
      ],
      'packages-dev': null,
    });
    const result = run({ '/composer.lock': text });
    expect(labelled(result)).toEqual(['a/app@1.0.0 depends-on monolog/monolog@2.2.0']);
    expect(result.packages.every((p) => p.dev === undefined)).toBe(true);
  });
});

describe('php-composer-lock: bad input', () => {
  it('warns for invalid JSON and for JSON that is not a lockfile', () => {
    for (const text of ['{', '[]', '{"packages": {}}']) {
      const result = run({ '/composer.lock': text });
      expect(result.packages, text).toEqual([]);
      expect(result.warnings, text).toEqual([expect.objectContaining({ code: 'METADATA_UNPARSABLE', path: '/composer.lock' })]);
    }
  });

  it('skips entries without a name or version, and warns for a composer.json it cannot read', () => {
    const text = JSON.stringify({ packages: [{ name: 'psr/log', version: '1.1.2' }, { name: 'x/y' }, 3] });
    const result = run({ '/composer.lock': text, '/composer.json': '{"name": ' });
    expect(result.packages.map((p) => p.name)).toEqual(['psr/log']);
    expect(result.warnings.map((w) => [w.path, w.code, w.message])).toEqual([
      ['/composer.lock', 'PACKAGE_SKIPPED', expect.stringMatching(/2 of 3/)],
      ['/composer.json', 'METADATA_UNPARSABLE', expect.stringMatching(/invalid composer.json/)],
    ]);
  });

  it('reads no lockfile under vendor', () => {
    const resolver = new MemoryResolver({ '/app/vendor/x/y/composer.lock': '{}', '/app/composer.lock': '{}' });
    expect(runCataloger(composerLockCataloger, resolver).files).toEqual(['/app/composer.lock']);
  });
});
