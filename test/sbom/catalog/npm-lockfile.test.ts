import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { npmLockfileCataloger } from '../../../src/sbom/catalog/npm-lockfile.js';
import { MemoryResolver, runCataloger, type CatalogRun } from './memory-resolver.js';
import { describeResult, readNpmLs, without } from './npm-oracle.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/catalog');
const LOCKFILES = {
  1: join(FIXTURES, 'npm-lockfiles/v1/package-lock.json'),
  2: join(FIXTURES, 'npm-lockfiles/v2/package-lock.json'),
  3: join(FIXTURES, 'npm/package-lock.json'),
} as const;

/** The result without the projects' relationships, in the shape the npm ls oracle compares. */
function betweenPackages(run: CatalogRun): CatalogRun {
  return { ...run, relationships: run.relationships.filter((r) => !r.from.includes('#project:')) };
}

function runLockfile(content: string | Buffer, path = '/package-lock.json'): CatalogRun {
  return runCataloger(npmLockfileCataloger, new MemoryResolver({ [path]: content }));
}

const oracle = readNpmLs(FIXTURES);
/** `name@version` of the root's children in `npm ls`: its direct dependencies. */
const rootChildren = new Set(
  Object.entries((JSON.parse(readFileSync(join(FIXTURES, 'npm.npm-ls.json'), 'utf8')) as { dependencies: Record<string, { version: string }> }).dependencies).map(
    ([name, node]) => `${name}@${node.version}`,
  ),
);

describe.each([2, 3] as const)('npm-lockfile on a real lockfileVersion %i', (version) => {
  const lockfile = readFileSync(LOCKFILES[version]);
  const run = runLockfile(lockfile);

  it('is the version it claims', () => {
    expect((JSON.parse(lockfile.toString('utf8')) as { lockfileVersion: number }).lockfileVersion).toBe(version);
  });

  it('lists the packages npm ls reports; the root and the workspace are projects, not packages', () => {
    expect([...describeResult(run).packages].sort()).toEqual(without(oracle.packages, oracle.links));
    expect(run.packages.some((p) => p.name === 'catalog-fixture' || p.name === '@fixture/util')).toBe(false);
    expect(run.projects?.map((p) => [p.ref, p.name, p.version, p.purl])).toEqual([
      ['/package-lock.json#project:', 'catalog-fixture', '1.0.0', 'pkg:npm/catalog-fixture@1.0.0'],
      ['/package-lock.json#project:packages/util', '@fixture/util', '0.1.0', 'pkg:npm/%40fixture/util@0.1.0'],
    ]);
    expect(run.warnings).toEqual([]);
  });

  it('resolves the same dependency graph as npm ls: between packages, and from each project to its direct dependencies', () => {
    expect([...describeResult(betweenPackages(run)).edges].sort()).toEqual(without(oracle.edges, oracle.links));
    const names = new Map(run.packages.map((p) => [p.ref, `${p.name}@${p.version}`]));
    const fromProject = (ref: string) =>
      run.relationships
        .filter((r) => r.from === ref)
        .map((r) => names.get(r.to))
        .sort();
    const workspace = [...oracle.links][0] as string;
    expect(fromProject('/package-lock.json#project:packages/util')).toEqual(
      [...oracle.edges].filter((edge) => edge.startsWith(`${workspace} -> `)).map((edge) => edge.slice(workspace.length + 4)).sort(),
    );
    expect(fromProject('/package-lock.json#project:')).toEqual(without(rootChildren, oracle.links));
    expect(run.relationships).toContainEqual({ from: '/package-lock.json#project:', to: '/package-lock.json#node_modules/isarray', type: 'dev-depends-on' });
  });

  it('marks dev packages dev, keeps the dev, optional and peer flags, license and integrity', () => {
    const byName = new Map(run.packages.map((p) => [`${p.name}@${p.version}`, p]));
    expect(byName.get('isarray@0.0.1')?.metadata.dev).toBe('true');
    expect(byName.get('isarray@0.0.1')?.dev).toBe(true);
    expect(byName.get('once@1.4.0')?.metadata.optional).toBe('true');
    expect(byName.get('once@1.4.0')?.dev).toBeUndefined();
    expect(byName.get('ajv@8.20.0')?.metadata.peer).toBe('true');
    expect(byName.get('ms@2.1.3')?.metadata).not.toHaveProperty('dev');
    expect(byName.get('@hapi/hoek@11.0.7')).toMatchObject({
      purl: 'pkg:npm/%40hapi/hoek@11.0.7',
      licenses: [{ expression: 'BSD-3-Clause' }],
      locations: [{ path: '/package-lock.json' }],
      metadata: { integrity: expect.stringMatching(/^sha512-/) },
    });
  });
});

describe('npm-lockfile on a real lockfileVersion 1', () => {
  const run = runLockfile(readFileSync(LOCKFILES[1]));

  it('lists the packages npm ls reports, except the linked workspace v1 gives no version for', () => {
    expect([...describeResult(run).packages].sort()).toEqual(without(oracle.packages, oracle.links));
    expect(run.warnings).toEqual([]);
  });

  it('resolves `requires` by the node_modules walk-up to the same graph, less peer dependencies', () => {
    // lockfileVersion 1 has no place for peer dependencies: `requires` lists only the others
    const peerEdges = new Set(['ajv-keywords@5.1.0 -> ajv@8.20.0']);
    expect([...peerEdges].every((edge) => oracle.edges.has(edge))).toBe(true);
    const expected = without(oracle.edges, oracle.links).filter((edge) => !peerEdges.has(edge));
    expect([...describeResult(betweenPackages(run)).edges].sort()).toEqual(expected);
    expect(describeResult(betweenPackages(run)).edges.has('debug@2.6.9 -> ms@2.0.0')).toBe(true);
  });

  it('agrees with lockfileVersion 3 on every package it lists', () => {
    const v3 = new Map(runLockfile(readFileSync(LOCKFILES[3])).packages.map((p) => [p.ref, p]));
    for (const pkg of run.packages) {
      expect(v3.get(pkg.ref)?.purl, pkg.ref).toBe(pkg.purl);
      expect(v3.get(pkg.ref)?.metadata.integrity, pkg.ref).toBe(pkg.metadata.integrity);
    }
  });
});

describe('npm-lockfile on inline lockfiles', () => {
  it('matches lockfiles outside node_modules only', () => {
    const resolver = new MemoryResolver({
      '/app/package-lock.json': JSON.stringify({ lockfileVersion: 3, packages: { '': {}, 'node_modules/a': { version: '1.0.0' } } }),
      '/app/sub/npm-shrinkwrap.json': JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/b': { version: '2.0.0' } } }),
      '/app/node_modules/c/package-lock.json': JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/d': { version: '1.0.0' } } }),
      '/app/node_modules/.package-lock.json': JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/e': { version: '1.0.0' } } }),
    });
    const run = runCataloger(npmLockfileCataloger, resolver);
    expect(run.files).toEqual(['/app/package-lock.json', '/app/sub/npm-shrinkwrap.json']);
    expect(run.packages.map((p) => p.ref)).toEqual(['/app/package-lock.json#node_modules/a', '/app/sub/npm-shrinkwrap.json#node_modules/b']);
  });

  it('reads aliases, nested scoped paths and typed dependencies', () => {
    const run = runLockfile(
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { dependencies: { a: '1' } },
          'node_modules/a': {
            version: '1.0.0',
            dependencies: { '@s/b': '1' },
            optionalDependencies: { c: '1' },
            peerDependencies: { d: '1', e: '1' },
            peerDependenciesMeta: { e: { optional: true } },
            devDependencies: { f: '1' },
          },
          'node_modules/a/node_modules/@s/b': { version: '1.2.0', license: 'MIT OR Apache-2.0' },
          'node_modules/c': { name: 'real-c', version: '3.0.0', optional: true },
          'node_modules/d': { version: '4.0.0', peer: true },
          'node_modules/e': { version: '5.0.0', devOptional: true },
          'node_modules/f': { version: '6.0.0', dev: true },
          'node_modules/noversion': {},
          'node_modules/ ': { version: '1.0.0' },
          'node_modules/': { version: '1.0.0' },
        },
      }),
    );
    const ids = new Map(run.packages.map((p) => [p.ref, `${p.name}@${p.version}`]));
    expect([...ids.values()]).toEqual(['a@1.0.0', '@s/b@1.2.0', 'real-c@3.0.0', 'd@4.0.0', 'e@5.0.0', 'f@6.0.0']);
    ids.set('/package-lock.json#project:', 'project');
    expect(run.relationships.map((r) => `${ids.get(r.from)} -> ${ids.get(r.to)} ${r.type}`)).toEqual([
      'a@1.0.0 -> @s/b@1.2.0 depends-on',
      'a@1.0.0 -> real-c@3.0.0 optional-depends-on',
      'a@1.0.0 -> d@4.0.0 depends-on',
      'a@1.0.0 -> e@5.0.0 optional-depends-on',
      'project -> a@1.0.0 depends-on',
    ]);
    expect(run.packages[1]?.licenses).toEqual([{ expression: 'MIT OR Apache-2.0' }]);
    // devOptional: needed to develop, and only optionally
    expect(run.packages[4]).toMatchObject({ dev: true, metadata: { devOptional: 'true', optional: 'true' } });
    expect(run.packages[5]).toMatchObject({ dev: true, metadata: { dev: 'true' } });
    expect(run.packages[3]?.dev).toBeUndefined();
  });

  it('takes a v1 root project from the lockfile and its direct dependencies from the package.json beside it', () => {
    const lockfile = readFileSync(LOCKFILES[1]);
    const alone = runLockfile(lockfile);
    expect(alone.projects?.map((p) => [p.name, p.version, p.locations])).toEqual([['catalog-fixture', '1.0.0', [{ path: '/package-lock.json' }]]]);
    expect(alone.relationships.some((r) => r.from.includes('#project:'))).toBe(false);
    const manifest = readFileSync(join(FIXTURES, 'npm/package.json'));
    const run = runCataloger(npmLockfileCataloger, new MemoryResolver({ '/package-lock.json': lockfile, '/package.json': manifest }));
    // the manifest says private: no registry identity
    expect(run.projects?.map((p) => [p.name, p.purl, p.locations.length])).toEqual([['catalog-fixture', undefined, 2]]);
    const names = new Map(run.packages.map((p) => [p.ref, `${p.name}@${p.version}`]));
    const direct = run.relationships.filter((r) => r.from === '/package-lock.json#project:').map((r) => `${names.get(r.to)} ${r.type}`);
    expect(direct.sort()).toEqual(without(rootChildren, oracle.links).map((id) => `${id} ${id === 'isarray@0.0.1' ? 'dev-depends-on' : id === 'once@1.4.0' ? 'optional-depends-on' : 'depends-on'}`).sort());
  });

  it('reads v1 aliases and skips local links', () => {
    const run = runLockfile(
      JSON.stringify({
        lockfileVersion: 1,
        dependencies: {
          alias: { version: 'npm:real@2.0.0', requires: { dep: '1' } },
          dep: { version: '1.0.0', dev: true, bundled: true },
          local: { version: 'file:../local' },
        },
      }),
    );
    expect(run.packages.map((p) => `${p.name}@${p.version} ${JSON.stringify(p.metadata)}`)).toEqual([
      'real@2.0.0 {}',
      'dep@1.0.0 {"dev":"true","inBundle":"true"}',
    ]);
    expect(run.relationships).toHaveLength(1);
  });

  it.each([
    ['invalid JSON', '{"lockfileVersion": 3,'],
    ['a JSON array', '[]'],
    ['an unknown lockfileVersion', JSON.stringify({ lockfileVersion: 4, packages: {} })],
    ['no lockfileVersion', JSON.stringify({ name: 'x' })],
    ['a v3 lockfile without packages', JSON.stringify({ lockfileVersion: 3 })],
    ['v1 dependencies that are not an object', JSON.stringify({ lockfileVersion: 1, dependencies: [] })],
  ])('warns METADATA_UNPARSABLE for %s', (_label, content) => {
    const run = runLockfile(content);
    expect(run.packages).toEqual([]);
    expect(run.warnings).toEqual([{ code: 'METADATA_UNPARSABLE', message: expect.any(String), path: '/package-lock.json' }]);
  });
});
