// Fixtures: real Cargo.lock files (fixtures/catalog/README.md, "lockfiles/cargo"): ripgrep's in
// lockfile version 1 (with the old [root] table) and 3, fossa-cli's in version 4 with git sources (cut by cut-v4.py). The expectation is an
// independent walk of the TOML that smol-toml parses here. Dev marking is checked on ripgrep's
// version 3 lockfile with its workspace's manifests, against the dependency kinds that
// `cargo metadata` read from them (v3.cargo-metadata.json, made by make-oracle.sh).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { cargoLockCataloger } from '../../../../src/sbom/catalog/rust/cargo-lock.js';
import { parseCargoSource } from '../../../../src/sbom/catalog/rust/cargo-source.js';
import { MemoryResolver, runCataloger, type CatalogRun } from '../memory-resolver.js';

const LOCKFILES = join(import.meta.dirname, '../../../../fixtures/catalog/lockfiles/cargo');
const FIXTURES = { v1: 'v1/Cargo.lock', v3: 'v3/Cargo.lock', 'v4-git': 'v4-git/Cargo.lock' } as const;

function run(content: string | Buffer, path = '/Cargo.lock'): CatalogRun {
  return runCataloger(cargoLockCataloger, new MemoryResolver({ [path]: content }));
}

interface Expected {
  /** `name@version` of entries with a source. */
  packages: string[];
  /** `name@version` of entries without one. */
  projects: string[];
  /** `name@version -> name@version`, to packages only. */
  edges: string[];
  /** `name@version` -> checksum. */
  checksums: Map<string, string>;
}

/** What the lockfile says, read straight from its TOML. */
function expectedOf(text: string): Expected {
  const toml = parseToml(text) as { root?: Record<string, unknown>; package?: Array<Record<string, unknown>>; metadata?: Record<string, string> };
  const entries = [...(toml.root === undefined ? [] : [toml.root]), ...(toml.package ?? [])].map((p) => ({
    id: `${String(p.name)} ${String(p.version)}${p.source === undefined ? '' : ` (${String(p.source)})`}`,
    label: `${String(p.name)}@${String(p.version)}`,
    hasSource: p.source !== undefined,
    checksum: (p.checksum as string | undefined) ?? toml.metadata?.[`checksum ${String(p.name)} ${String(p.version)} (${String(p.source)})`],
    deps: (p.dependencies as string[] | undefined) ?? [],
  }));
  // a dependency string is a prefix of exactly one full id: `name`, `name version`, or all of it
  const find = (dependency: string) => {
    const hits = entries.filter((e) => e.id === dependency || e.id.startsWith(`${dependency} `));
    expect(hits, dependency).toHaveLength(1);
    return hits[0] as (typeof entries)[number];
  };
  const edges = new Set<string>();
  for (const entry of entries) {
    for (const dependency of entry.deps) {
      const target = find(dependency);
      if (target.hasSource) edges.add(`${entry.label} -> ${target.label}`);
    }
  }
  const checksums = new Map<string, string>();
  for (const e of entries) if (e.hasSource && e.checksum !== undefined && e.checksum !== '<none>') checksums.set(e.label, e.checksum);
  return {
    packages: entries.filter((e) => e.hasSource).map((e) => e.label).sort(),
    projects: entries.filter((e) => !e.hasSource).map((e) => e.label).sort(),
    edges: [...edges].sort(),
    checksums,
  };
}

function describeRun(result: CatalogRun) {
  const labels = new Map<string, string>();
  for (const p of result.packages) labels.set(p.ref, `${p.name}@${p.version}`);
  for (const p of result.projects ?? []) labels.set(p.ref, `${p.name}@${p.version ?? ''}`);
  return {
    packages: result.packages.map((p) => `${p.name}@${p.version}`).sort(),
    projects: (result.projects ?? []).map((p) => `${p.name}@${p.version ?? ''}`).sort(),
    edges: result.relationships.map((r) => `${labels.get(r.from)} -> ${labels.get(r.to)}`).sort(),
  };
}

describe.each(Object.entries(FIXTURES))('rust-cargo-lock on a real Cargo.lock (%s)', (_label, file) => {
  const text = readFileSync(join(LOCKFILES, file), 'utf8');
  const result = run(text);
  const expected = expectedOf(text);
  const got = describeRun(result);

  it('reports every entry with a source as a package and the others as projects', () => {
    expect(got.packages).toEqual(expected.packages);
    expect(got.projects).toEqual(expected.projects);
    expect(expected.projects.length).toBeGreaterThan(0);
    expect(result.warnings).toEqual([]);
  });

  it('resolves every dependency string to the one entry it names', () => {
    expect(got.edges).toEqual(expected.edges);
    expect(got.edges.length).toBeGreaterThan(expected.packages.length / 2);
  });

  it('keeps the checksum and the source, with crates.io purls and nothing marked dev', () => {
    for (const p of result.packages) {
      expect(p.metadata.checksum, p.name).toBe(expected.checksums.get(`${p.name}@${p.version}`));
      expect(p.purl).toBe(`pkg:cargo/${p.name}@${p.version.replace(/\+/g, '%2B')}`);
      expect(p.dev).toBeUndefined();
      expect(p.locations).toEqual([{ path: '/Cargo.lock' }]);
    }
    expect(expected.checksums.size).toBeGreaterThan(0);
  });
});

describe('rust-cargo-lock: the shapes of each version', () => {
  it('reads version 1 checksums from [metadata] and its long dependency form', () => {
    const v1 = run(readFileSync(join(LOCKFILES, FIXTURES.v1)));
    const result = describeRun(v1);
    expect(v1.packages.find((p) => p.name === 'memchr')?.metadata.checksum).toBe('d8b629fb514376c675b98c1421e80b151d3817ac42d7c667717d282761418d20');
    // the root package of the old [root] table and a path dependency are the project
    expect(result.projects).toEqual(['grep@0.1.0', 'ripgrep@0.1.0']);
    expect(result.edges).toContain('ripgrep@0.1.0 -> memchr@0.1.11');
    expect(result.edges).toContain('grep@0.1.0 -> log@0.3.6');
    expect(result.edges.some((edge) => edge.endsWith('-> grep@0.1.0'))).toBe(false);
  });

  it('tells apart a name locked at two versions', () => {
    const result = describeRun(run(readFileSync(join(LOCKFILES, FIXTURES['v4-git']))));
    const thiserror = result.packages.filter((p) => p.startsWith('thiserror@'));
    expect(thiserror.length).toBeGreaterThan(1);
    expect(result.edges.filter((e) => e.includes(' -> thiserror@'))).toEqual(expect.arrayContaining([expect.stringMatching(/-> thiserror@1\./), expect.stringMatching(/-> thiserror@2\./)]));
  });

  it('gives a git package the version locked, with its repository, reference and commit', () => {
    const fingerprint = run(readFileSync(join(LOCKFILES, FIXTURES['v4-git']))).packages.find((p) => p.name === 'fingerprint');
    expect(fingerprint).toMatchObject({
      version: '3.0.0',
      purl: 'pkg:cargo/fingerprint@3.0.0',
      metadata: {
        source: 'git+https://github.com/fossas/lib-fingerprint.git?tag=v3.0.0#d7b85cb8ff6436bae3aa5bb77bb564be583ac9b0',
        gitUrl: 'https://github.com/fossas/lib-fingerprint.git',
        gitReference: 'tag=v3.0.0',
        gitCommit: 'd7b85cb8ff6436bae3aa5bb77bb564be583ac9b0',
      },
    });
    expect(fingerprint?.metadata).not.toHaveProperty('checksum');
  });

  it('relates a workspace member to its direct dependencies', () => {
    const result = run(readFileSync(join(LOCKFILES, FIXTURES['v4-git'])));
    const member = result.projects?.find((p) => p.name === 'diagnose');
    expect(member).toMatchObject({ purl: expect.stringMatching(/^pkg:cargo\/diagnose@/), locations: [{ path: '/Cargo.lock' }] });
    const direct = result.relationships.filter((r) => r.from === member?.ref);
    expect(direct.length).toBeGreaterThan(5);
    expect(result.packages.some((p) => p.name === 'diagnose')).toBe(false);
  });
});

describe('rust-cargo-lock: dev-dependencies, from the manifests beside the lockfile', () => {
  const V3 = join(LOCKFILES, 'v3');
  const oracle = JSON.parse(readFileSync(join(LOCKFILES, 'v3.cargo-metadata.json'), 'utf8')) as Array<{ name: string; dependencies: Array<[string, string]> }>;

  /** Entries only a member's dev-dependency leads to, walking the lockfile's TOML. */
  function expectedDev(): { dev: string[]; devEdges: string[] } {
    const toml = parseToml(readFileSync(join(V3, 'Cargo.lock'), 'utf8')) as { package: Array<{ name: string; version: string; source?: string; dependencies?: string[] }> };
    const label = (p: { name: string; version: string }) => `${p.name}@${p.version}`;
    const target = (dependency: string) => toml.package.find((p) => p.name === dependency.split(' ')[0] && (dependency.split(' ')[1] ?? p.version) === p.version) as (typeof toml.package)[number];
    const devOnly = new Map(oracle.map((m) => [m.name, new Set(m.dependencies.filter(([, kind]) => kind === 'dev').map(([name]) => name).filter((name) => !m.dependencies.some(([n, kind]) => n === name && kind !== 'dev')))]));
    const members = toml.package.filter((p) => p.source === undefined);
    const walk = (starts: Array<(typeof toml.package)[number]>, skipDev: boolean) => {
      const seen = new Set<string>();
      const queue = [...starts];
      while (queue.length > 0) {
        const node = queue.shift() as (typeof toml.package)[number];
        for (const dependency of node.dependencies ?? []) {
          const next = target(dependency);
          if (skipDev && node.source === undefined && devOnly.get(node.name)?.has(next.name) === true) continue;
          if (!seen.has(label(next))) {
            seen.add(label(next));
            queue.push(next);
          }
        }
      }
      return seen;
    };
    const needed = walk(members, true);
    const all = walk(members, false);
    const devEdges = members.flatMap((m) => (m.dependencies ?? []).map(target).filter((t) => t.source !== undefined && devOnly.get(m.name)?.has(t.name) === true).map((t) => `${label(m)} -> ${label(t)}`));
    return { dev: [...all].filter((l) => !needed.has(l)).sort(), devEdges: devEdges.sort() };
  }

  it('marks the packages only dev-dependencies lead to, and types those edges', async () => {
    const result = runCataloger(cargoLockCataloger, await MemoryResolver.fromDirectory(V3));
    const expected = expectedDev();
    expect(expected.dev).toEqual(expect.arrayContaining([expect.stringMatching(/^crossbeam-channel@/)]));
    expect(result.packages.filter((p) => p.dev === true).map((p) => `${p.name}@${p.version}`).sort()).toEqual(expected.dev);
    const labels = new Map<string, string>([...result.packages, ...(result.projects ?? [])].map((p) => [p.ref, `${p.name}@${p.version ?? ''}`]));
    expect(result.relationships.filter((r) => r.type === 'dev-depends-on').map((r) => `${labels.get(r.from)} -> ${labels.get(r.to)}`).sort()).toEqual(expected.devEdges);
    // walkdir is a dev-dependency of ripgrep but a dependency of ignore
    expect(result.packages.find((p) => p.name === 'walkdir')?.dev).toBeUndefined();
    expect(result.warnings).toEqual([]);
  });

  it('marks nothing when a project\'s manifest is missing', async () => {
    const resolver = await MemoryResolver.fromDirectory(V3);
    const partial = new MemoryResolver({ '/Cargo.lock': resolver.read('/Cargo.lock') as Buffer, '/Cargo.toml': resolver.read('/Cargo.toml') as Buffer });
    const result = runCataloger(cargoLockCataloger, partial);
    expect(result.packages.some((p) => p.dev === true)).toBe(false);
    expect(result.relationships.every((r) => r.type === 'depends-on')).toBe(true);
  });
});

describe('rust-cargo-lock: sources', () => {
  it('splits registry, sparse and git sources', () => {
    expect(parseCargoSource('sparse+https://index.crates.io/')).toEqual({ kind: 'registry', url: 'https://index.crates.io/' });
    expect(parseCargoSource('git+https://example.com/r.git#abc')).toEqual({ kind: 'git', url: 'https://example.com/r.git', commit: 'abc' });
    expect(parseCargoSource('git+https://example.com/r?branch=main#abc')).toMatchObject({ reference: 'branch=main' });
    expect(parseCargoSource('local-registry+/x')).toEqual({ kind: 'other', url: 'local-registry+/x' });
  });

  it('names a registry other than crates.io', () => {
    const lock = 'version = 4\n[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "sparse+https://crates.example.com/index/"\n';
    expect(run(lock).packages[0]?.metadata.registry).toBe('https://crates.example.com/index/');
  });
});

describe('rust-cargo-lock: bad input', () => {
  it('warns for invalid TOML, an unknown version, a package list of the wrong type', () => {
    for (const text of ['[[package]\nname = ', 'version = 9\n', 'version = "4"\n', 'package = 3\n']) {
      const result = run(text);
      expect(result.packages, text).toEqual([]);
      expect(result.warnings, text).toHaveLength(1);
      expect(result.warnings[0]).toMatchObject({ code: 'METADATA_UNPARSABLE', path: '/Cargo.lock' });
    }
  });

  it('skips entries without a name or version, and dependencies that name no single entry, with a warning each', () => {
    const lock = [
      'version = 3',
      '[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\ndependencies = ["b", "missing", "c"]',
      '[[package]]\nname = "b"\nversion = "1.0.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"',
      '[[package]]\nname = "c"\nversion = "1.0.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"',
      '[[package]]\nname = "c"\nversion = "2.0.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"',
      '[[package]]\nname = "nameless"',
    ].join('\n\n');
    const result = run(lock);
    expect(describeRun(result).packages).toEqual(['a@1.0.0', 'b@1.0.0', 'c@1.0.0', 'c@2.0.0']);
    expect(describeRun(result).edges).toEqual(['a@1.0.0 -> b@1.0.0']);
    expect(result.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/1 of 5 .*skipped/), expect.stringMatching(/2 Cargo.lock dependencies/)]);
    expect(result.warnings.map((w) => w.code)).toEqual(['PACKAGE_SKIPPED', 'PACKAGE_SKIPPED']);
  });

  it('reads files in vendor, target and Cargo caches not at all', () => {
    const resolver = new MemoryResolver({
      '/app/target/package/x/Cargo.lock': 'version = 4\n',
      '/app/vendor/x/Cargo.lock': 'version = 4\n',
      '/home/u/.cargo/registry/src/x/Cargo.lock': 'version = 4\n',
      '/app/Cargo.lock': 'version = 4\n',
    });
    expect(runCataloger(cargoLockCataloger, resolver).files).toEqual(['/app/Cargo.lock']);
  });
});
