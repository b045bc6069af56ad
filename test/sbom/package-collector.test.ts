import { describe, expect, it } from 'vitest';
import type { CatalogResult, PackageDraft, ProjectDraft } from '../../src/sbom/catalog/cataloger.js';
import { PackageCollector } from '../../src/sbom/package-collector.js';

const LAYERS = ['sha256:layer0', 'sha256:layer1'];

function draft(ref: string, purl: string, fields: Partial<PackageDraft> = {}): PackageDraft {
  return { ref, name: ref, version: '1', type: 'npm', purl, licenses: [], metadata: {}, locations: [{ path: `/${ref}` }], ...fields };
}

describe('PackageCollector', () => {
  it('merges drafts by purl: one package, every location with its own layer, sorted', () => {
    const collector = new PackageCollector(LAYERS);
    collector.add('c', { packages: [draft('b', 'pkg:npm/x@1'), draft('a', 'pkg:npm/x@1')], relationships: [] }, () => 1);
    collector.add('c', { packages: [draft('z', 'pkg:npm/x@1', { locations: [{ path: '/a' }, { path: '/z' }] })], relationships: [] }, (_d, path) => (path === '/a' ? 1 : 0));
    const { packages } = collector.finish();
    expect(packages.map((p) => [p.id, p.locations])).toEqual([
      [
        'pkg:npm/x@1',
        [
          { path: '/a', layer: 'sha256:layer1' },
          { path: '/b', layer: 'sha256:layer1' },
          { path: '/z', layer: 'sha256:layer0' },
        ],
      ],
    ]);
  });

  it('keeps a cataloger\'s first metadata whole, and adds only missing keys from another cataloger', () => {
    const collector = new PackageCollector([undefined]);
    collector.add('go', { packages: [draft('one', 'pkg:golang/m@v1', { metadata: { GOOS: 'darwin' } }), draft('two', 'pkg:golang/m@v1', { metadata: { GOOS: 'linux', GO386: 'sse2' } })], relationships: [] }, () => 0);
    collector.add('other', { packages: [draft('three', 'pkg:golang/m@v1', { metadata: { GOOS: 'windows', note: 'added' } })], relationships: [] }, () => 0);
    expect(collector.finish().packages[0]?.metadata).toEqual({ GOOS: 'darwin', note: 'added' });
  });

  it('never puts owned files in a package, and relates owners after every cataloger has run', () => {
    const collector = new PackageCollector([undefined]);
    collector.add('dpkg-db', { packages: [draft('six-deb', 'pkg:deb/debian/python3-six@1', { type: 'deb', ownedFiles: ['/six-py'] })], relationships: [] }, () => 0);
    collector.add('python-installed', { packages: [draft('six-py', 'pkg:pypi/six@1', { type: 'python' })], relationships: [] }, () => 0);
    const { packages, relationships } = collector.finish();
    expect(packages.every((p) => !('ownedFiles' in p) && !('ref' in p))).toBe(true);
    expect(relationships).toEqual([{ from: 'pkg:deb/debian/python3-six@1', to: 'pkg:pypi/six@1', type: 'owns' }]);
  });

  it('drops self edges and edges to unknown refs, keeps one of each, and the strongest dependency kind of a pair', () => {
    const collector = new PackageCollector([undefined]);
    const result: CatalogResult = {
      packages: [draft('a', 'pkg:npm/a@1'), draft('b', 'pkg:npm/b@1'), draft('b-again', 'pkg:npm/b@1'), draft('c', 'pkg:npm/c@1')],
      relationships: [
        { from: 'a', to: 'b', type: 'dev-depends-on' },
        { from: 'a', to: 'b-again', type: 'optional-depends-on' },
        { from: 'a', to: 'b', type: 'optional-depends-on' },
        { from: 'a', to: 'c', type: 'dev-depends-on' },
        { from: 'a', to: 'c', type: 'contains' },
        { from: 'b', to: 'b-again', type: 'depends-on' },
        { from: 'a', to: 'nowhere', type: 'depends-on' },
      ],
    };
    collector.add('npm', result, () => 0);
    collector.add('npm', { packages: [draft('a', 'pkg:npm/a@1'), draft('c', 'pkg:npm/c@1')], relationships: [{ from: 'a', to: 'c', type: 'depends-on' }] }, () => 0);
    expect(collector.finish().relationships).toEqual([
      { from: 'pkg:npm/a@1', to: 'pkg:npm/b@1', type: 'optional-depends-on' },
      { from: 'pkg:npm/a@1', to: 'pkg:npm/c@1', type: 'contains' },
      { from: 'pkg:npm/a@1', to: 'pkg:npm/c@1', type: 'depends-on' },
    ]);
  });

  it('keeps each distinct license once, in the order first declared', () => {
    const collector = new PackageCollector([undefined]);
    collector.add('a', { packages: [draft('x', 'pkg:npm/x@1', { licenses: [{ expression: 'MIT' }, { expression: 'MIT' }, { name: 'MIT' }] })], relationships: [] }, () => 0);
    collector.add('b', { packages: [draft('x', 'pkg:npm/x@1', { licenses: [{ name: 'MIT' }, { expression: 'ISC' }] })], relationships: [] }, () => 0);
    expect(collector.finish().packages[0]?.licenses).toEqual([{ expression: 'MIT' }, { name: 'MIT' }, { expression: 'ISC' }]);
  });

  it('gives a draft without a purl an id of its own', () => {
    const collector = new PackageCollector([undefined]);
    collector.add('odd', { packages: [draft('r1', ''), draft('r2', '')], relationships: [{ from: 'r1', to: 'r2', type: 'depends-on' }] }, () => 0);
    const { packages, relationships } = collector.finish();
    expect(packages.map((p) => p.id)).toEqual(['odd:r1', 'odd:r2']);
    expect(relationships).toEqual([{ from: 'odd:r1', to: 'odd:r2', type: 'depends-on' }]);
  });

  it('marks a package dev only when every draft of it is dev, whatever the order', () => {
    const collector = new PackageCollector([undefined]);
    collector.add('lock-a', { packages: [draft('d', 'pkg:npm/only-dev@1', { dev: true }), draft('m', 'pkg:npm/mixed@1', { dev: true }), draft('r', 'pkg:npm/runtime@1')], relationships: [] }, () => 0);
    collector.add('lock-b', { packages: [draft('d', 'pkg:npm/only-dev@1', { dev: true }), draft('m', 'pkg:npm/mixed@1'), draft('r', 'pkg:npm/runtime@1', { dev: true })], relationships: [] }, () => 0);
    const dev = Object.fromEntries(collector.finish().packages.map((p) => [p.name, p.dev]));
    expect(dev).toEqual({ d: true, m: undefined, r: undefined });
  });

  it('a package found installed (no dev mark) is not dev even when a lockfile locks it for development', () => {
    const collector = new PackageCollector([undefined]);
    collector.add('npm-installed', { packages: [draft('x', 'pkg:npm/x@1')], relationships: [] }, () => 0);
    collector.add('npm-lockfile', { packages: [draft('x', 'pkg:npm/x@1', { dev: true })], relationships: [] }, () => 0);
    const [pkg] = collector.finish().packages;
    expect(pkg).not.toHaveProperty('dev');
  });
});

function project(ref: string, fields: Partial<ProjectDraft> = {}): ProjectDraft {
  return { ref, name: ref, locations: [{ path: `/${ref}/lock` }], ...fields };
}

describe('PackageCollector projects', () => {
  it('makes projects, never packages: id project:<purl>, relationships from the project ref start at its id', () => {
    const collector = new PackageCollector([undefined]);
    collector.add(
      'lock',
      {
        projects: [project('root', { purl: 'pkg:npm/app@1.0.0', version: '1.0.0', locations: [{ path: '/app/package-lock.json' }] })],
        packages: [draft('a', 'pkg:npm/a@1'), draft('b', 'pkg:npm/b@1', { dev: true })],
        relationships: [
          { from: 'root', to: 'a', type: 'depends-on' },
          { from: 'root', to: 'b', type: 'dev-depends-on' },
          { from: 'a', to: 'root', type: 'depends-on' },
        ],
      },
      () => 0,
    );
    const { packages, projects, relationships } = collector.finish();
    expect(projects).toEqual([{ id: 'project:pkg:npm/app@1.0.0', name: 'root', version: '1.0.0', purl: 'pkg:npm/app@1.0.0', locations: [{ path: '/app/package-lock.json' }] }]);
    expect(packages.map((p) => p.id)).toEqual(['pkg:npm/a@1', 'pkg:npm/b@1']);
    // a project is the subject: nothing depends on it
    expect(relationships).toEqual([
      { from: 'project:pkg:npm/app@1.0.0', to: 'pkg:npm/a@1', type: 'depends-on' },
      { from: 'project:pkg:npm/app@1.0.0', to: 'pkg:npm/b@1', type: 'dev-depends-on' },
    ]);
  });

  it('merges a project found twice (same purl, or same folder and name without a purl) with every location; two folders, or two names at one lockfile, are two projects', () => {
    const collector = new PackageCollector(['sha256:l0', 'sha256:l1']);
    collector.add('yarn', { projects: [project('p', { purl: 'pkg:npm/app@1', locations: [{ path: '/app/yarn.lock' }] }), project('anon', { locations: [{ path: '/tool/yarn.lock' }] })], packages: [], relationships: [] }, () => 1);
    collector.add(
      'npm',
      {
        projects: [
          project('q', { purl: 'pkg:npm/app@1', version: '1', locations: [{ path: '/app/package-lock.json' }] }),
          project('anon2', { name: 'anon', locations: [{ path: '/tool/package-lock.json' }] }),
          project('member', { name: 'member', locations: [{ path: '/tool/package-lock.json' }] }),
          project('elsewhere', { locations: [{ path: '/lib/package-lock.json' }] }),
        ],
        packages: [],
        relationships: [],
      },
      (_draft, path) => (path.startsWith('/app') ? 0 : 1),
    );
    const { projects } = collector.finish();
    expect(projects.map((p) => [p.id, p.name, p.version, p.locations])).toEqual([
      ['project:pkg:npm/app@1', 'p', '1', [{ path: '/app/package-lock.json', layer: 'sha256:l0' }, { path: '/app/yarn.lock', layer: 'sha256:l1' }]],
      ['project:/tool#anon', 'anon', undefined, [{ path: '/tool/package-lock.json', layer: 'sha256:l1' }, { path: '/tool/yarn.lock', layer: 'sha256:l1' }]],
      ['project:/tool#member', 'member', undefined, [{ path: '/tool/package-lock.json', layer: 'sha256:l1' }]],
      ['project:/lib#elsewhere', 'elsewhere', undefined, [{ path: '/lib/package-lock.json', layer: 'sha256:l1' }]],
    ]);
  });
});
