import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { npmCataloger } from '../../../src/sbom/catalog/npm.js';
import { MemoryResolver, runCataloger, type CatalogRun } from './memory-resolver.js';
import { describeResult, readNpmLs, without, type NpmOracle } from './npm-oracle.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/catalog');

describe('npm-installed on a real node_modules tree', () => {
  let run: CatalogRun;
  let oracle: NpmOracle;
  beforeAll(async () => {
    run = runCataloger(npmCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, 'npm')));
    oracle = readNpmLs(FIXTURES);
  });

  it('finds the packages npm ls reports (the linked workspace is not in node_modules)', () => {
    expect(oracle.packages.size).toBeGreaterThan(15);
    expect([...describeResult(run).packages].sort()).toEqual(without(oracle.packages, oracle.links));
    expect(run.warnings).toEqual([]);
  });

  it('resolves dependencies to the same copies npm ls shows, nested ones included', () => {
    const ours = describeResult(run).edges;
    expect([...ours].sort()).toEqual(without(oracle.edges, oracle.links));
    // debug@2.6.9 gets its own nested ms@2.0.0, not the hoisted ms@2.1.3
    expect(ours.has('debug@2.6.9 -> ms@2.0.0')).toBe(true);
    expect(ours.has('debug@2.6.9 -> ms@2.1.3')).toBe(false);
  });

  it('types peer dependencies and reads manifests', () => {
    const types = new Map(run.relationships.map((r) => [`${r.from} -> ${r.to}`, r.type]));
    expect(types.get('/node_modules/ajv-keywords -> /node_modules/ajv')).toBe('depends-on');
    expect(types.get('/node_modules/@hapi/topo -> /node_modules/@hapi/hoek')).toBe('depends-on');
    const byName = new Map(run.packages.map((p) => [`${p.name}@${p.version}`, p]));
    expect(byName.get('@hapi/topo@6.0.2')).toMatchObject({
      purl: 'pkg:npm/%40hapi/topo@6.0.2',
      licenses: [{ expression: 'BSD-3-Clause' }],
      locations: [{ path: '/node_modules/@hapi/topo/package.json' }],
      type: 'npm',
    });
    expect(byName.get('ms@2.0.0')?.locations).toEqual([{ path: '/node_modules/debug/node_modules/ms/package.json' }]);
    // author as a string, and as an object
    expect(byName.get('once@1.4.0')?.supplier).toBe('Isaac Z. Schlueter <i@izs.me> (http://blog.izs.me/)');
    expect(byName.get('has-flag@4.0.0')?.supplier).toMatch(/^Sindre Sorhus <sindresorhus@gmail\.com>/);
    // the legacy `licenses` array: "BSD" has no version and "AFLv2.1" is not an SPDX spelling
    expect(byName.get('json-schema@0.2.3')?.licenses).toEqual([{ name: 'AFLv2.1' }, { name: 'BSD' }]);
    expect(byName.get('chalk@4.1.2')?.description).toBeTruthy();
  });
});

describe('npm-installed on inline trees', () => {
  const manifest = (fields: Record<string, unknown>) => JSON.stringify(fields);

  it('walks up node_modules like Node and types optional dependencies', () => {
    const resolver = new MemoryResolver({
      '/app/node_modules/a/package.json': manifest({
        name: 'a',
        version: '1.0.0',
        dependencies: { b: '^1', c: '^1', missing: '1' },
        optionalDependencies: { c: '^1' },
        peerDependencies: { d: '*' },
        peerDependenciesMeta: { d: { optional: true } },
      }),
      '/app/node_modules/a/node_modules/b/package.json': manifest({ name: 'b', version: '1.1.0', dependencies: { c: '2' } }),
      '/app/node_modules/b/package.json': manifest({ name: 'b', version: '9.0.0' }),
      '/app/node_modules/c/package.json': manifest({ name: 'c', version: '1.0.0' }),
      '/app/node_modules/d/package.json': manifest({ name: 'd', version: '1.0.0' }),
      '/app/node_modules/a/node_modules/b/node_modules/c/package.json': manifest({ name: 'c', version: '2.0.0' }),
      // not packages: no version, or not a package folder
      '/app/node_modules/e/package.json': manifest({ name: 'e' }),
      '/app/node_modules/c/test/package.json': manifest({ name: 'fixture', version: '0.0.0' }),
    });
    const run = runCataloger(npmCataloger, resolver);
    expect(run.packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual(['a@1.0.0', 'b@1.1.0', 'b@9.0.0', 'c@1.0.0', 'c@2.0.0', 'd@1.0.0']);
    expect(describeEdges(run)).toEqual([
      'a@1.0.0 -> b@1.1.0 depends-on',
      'a@1.0.0 -> c@1.0.0 optional-depends-on',
      'a@1.0.0 -> d@1.0.0 optional-depends-on',
      'b@1.1.0 -> c@2.0.0 depends-on',
    ]);
  });

  it('follows links the way pnpm lays packages out', () => {
    const store = '/app/node_modules/.pnpm';
    const resolver = new MemoryResolver({
      [`${store}/debug@2.6.9/node_modules/debug/package.json`]: manifest({ name: 'debug', version: '2.6.9', dependencies: { ms: '2.0.0' } }),
      [`${store}/debug@2.6.9/node_modules/ms`]: { link: '../../ms@2.0.0/node_modules/ms' },
      [`${store}/ms@2.0.0/node_modules/ms/package.json`]: manifest({ name: 'ms', version: '2.0.0' }),
      '/app/node_modules/ms/package.json': manifest({ name: 'ms', version: '2.1.3' }),
    });
    const run = runCataloger(npmCataloger, resolver);
    expect(describeEdges(run)).toEqual(['debug@2.6.9 -> ms@2.0.0 depends-on']);
  });

  it('warns for invalid JSON and for a manifest that is not an object', () => {
    const resolver = new MemoryResolver({
      '/node_modules/bad/package.json': '{ "name": ',
      '/node_modules/arr/package.json': '[]',
      '/node_modules/ok/package.json': manifest({ name: 'ok', version: '1.0.0', license: { type: 'MIT', url: 'x' }, author: { name: 'A', email: 'a@x' } }),
    });
    const run = runCataloger(npmCataloger, resolver);
    expect(run.packages).toHaveLength(1);
    expect(run.packages[0]).toMatchObject({ licenses: [{ expression: 'MIT' }], supplier: 'A <a@x>', metadata: { author: 'A <a@x>' } });
    expect(runCataloger(npmCataloger, new MemoryResolver({ '/node_modules/@odd/package.json': manifest({ name: '@odd/', version: '1.0.0' }) })).packages[0]?.purl).toBe(
      'pkg:npm/%40odd%2F@1.0.0',
    );
    expect(run.warnings.map((w) => [w.code, w.path])).toEqual([
      ['METADATA_UNPARSABLE', '/node_modules/arr/package.json'],
      ['METADATA_UNPARSABLE', '/node_modules/bad/package.json'],
    ]);
  });
});

function describeEdges(run: CatalogRun): string[] {
  const ids = new Map(run.packages.map((p) => [p.ref, `${p.name}@${p.version}`]));
  return run.relationships.map((r) => `${ids.get(r.from)} -> ${ids.get(r.to)} ${r.type}`).sort();
}
