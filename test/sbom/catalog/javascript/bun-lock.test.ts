import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type ParseError } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import { bunLockCataloger } from '../../../../src/sbom/catalog/javascript/bun-lock.js';
import { parseJsonc } from '../../../../src/sbom/catalog/javascript/jsonc.js';
import { MemoryResolver, runCataloger } from '../memory-resolver.js';
import { FIXTURES, describe as describeResult } from './oracle.js';

interface BunLock {
  lockfileVersion: number;
  workspaces: Record<string, { dependencies?: Record<string, string>; devDependencies?: Record<string, string> }>;
  packages: Record<string, [string, ...unknown[]]>;
}

function readLock(folder: string): BunLock {
  const errors: ParseError[] = [];
  const lock = parse(readFileSync(join(FIXTURES, folder, 'bun.lock'), 'utf8'), errors, { allowTrailingComma: true }) as BunLock;
  expect(errors).toEqual([]);
  return lock;
}

/** The idents of every entry but workspaces and links. */
function expectedPackages(lock: BunLock): string[] {
  const ids = Object.values(lock.packages)
    .map((entry) => entry[0])
    .filter((ident) => !/@(workspace|link):/.test(ident));
  return [...new Set(ids)].sort();
}

/** Everything the root's dev dependencies pull in that its dependencies do not, walked by key. */
function expectedDev(lock: BunLock): string[] {
  const walk = (roots: string[]) => {
    const seen = new Set<string>();
    const queue = roots.map((name) => [name, name] as const);
    while (queue.length > 0) {
      const [key, name] = queue.shift() as readonly [string, string];
      // the nested key (parent/name) wins over the top-level one
      const found = lock.packages[key] ? key : name;
      const entry = lock.packages[found];
      if (entry === undefined || seen.has(found)) continue;
      seen.add(found);
      const info = (entry.find((item) => typeof item === 'object' && item !== null) ?? {}) as Record<string, Record<string, string> | undefined>;
      for (const dep of [...Object.keys(info.dependencies ?? {}), ...Object.keys(info.optionalDependencies ?? {}), ...Object.keys(info.peerDependencies ?? {})]) {
        queue.push([`${found}/${dep}`, dep]);
      }
    }
    return new Set([...seen].map((key) => lock.packages[key]?.[0] as string));
  };
  const root = lock.workspaces[''] ?? {};
  const prod = walk(Object.keys(root.dependencies ?? {}));
  const all = walk([...Object.keys(root.dependencies ?? {}), ...Object.keys(root.devDependencies ?? {})]);
  return [...all].filter((id) => !prod.has(id)).sort();
}

describe('bun-lock on a real bun.lock v1 (hono benchmarks/routers)', () => {
  const folder = 'bun-v1-hono-routers';
  const lock = readLock(folder);
  const load = async () => runCataloger(bunLockCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, folder)));

  it('lists exactly the packages of the lockfile, a name at two versions twice', async () => {
    expect(lock.lockfileVersion).toBe(1);
    const run = await load();
    expect(run.warnings).toEqual([]);
    const { packages } = describeResult(run);
    expect(packages).toEqual(expectedPackages(lock));
    expect(packages.filter((id) => id.startsWith('encodeurl@')).length).toBeGreaterThan(1);
  });

  it('marks dev what only the dev dependencies reach', async () => {
    const dev = expectedDev(lock);
    expect(dev).toContain('tsx@4.20.5');
    expect(describeResult(await load()).dev).toEqual(dev);
  });

  it('resolves nested keys first, links the root project, marks platform packages', async () => {
    const run = await load();
    const { edges } = describeResult(run);
    const [nestedKey, nested] = Object.entries(lock.packages).find(([key]) => key.includes('/') && !key.startsWith('@')) as [string, [string]];
    const parent = lock.packages[nestedKey.slice(0, nestedKey.lastIndexOf('/'))]?.[0] as string;
    expect(edges).toContain(`${parent} -> ${nested[0]} depends-on`);
    // neither the lockfile nor the package.json names the root project: it is named by its folder
    expect(run.projects?.map((p) => [p.name, p.locations.length])).toEqual([['/', 2]]);
    expect(edges).toContain('project:/ -> express@4.21.2 depends-on');
    expect(edges).toContain('project:/ -> tsx@4.20.5 dev-depends-on');
    const linux = run.packages.find((p) => p.name === '@esbuild/linux-x64');
    expect(linux?.metadata).toMatchObject({ platform: 'os=linux,cpu=x64', optional: 'true' });
    expect(linux?.dev).toBe(true);
  });
});

describe('bun-lock on inline lockfiles', () => {
  const run = (text: string) =>
    runCataloger(bunLockCataloger, new MemoryResolver({ '/app/bun.lock': text, '/app/packages/a/package.json': '{"name":"a","version":"2.0.0"}' }));

  it('keeps workspaces as projects, aliases under the real name, git versions as recorded', () => {
    const result = run(`{
      // written by hand in bun's shape
      "lockfileVersion": 0,
      "workspaces": {
        "": { "name": "app", "dependencies": { "a": "workspace:*", "alias": "npm:real@1", "g": "github:o/g#abc" } },
        "packages/a": { "name": "a", "dependencies": { "real": "^2" } },
      },
      "packages": {
        "a": ["a@workspace:packages/a"],
        "alias": ["real@1.0.0", "", {}, "sha512-x"],
        "a/real": ["real@2.0.0", "", {}, "sha512-y"],
        "g": ["g@github:o/g#abc", {}, "o-g-abc"],
      },
    }`);
    expect(result.warnings).toEqual([]);
    expect(result.packages.map((p) => [p.name, p.version, p.metadata.resolved])).toEqual([
      ['real', '2.0.0', undefined],
      ['real', '1.0.0', undefined],
      ['g', 'github:o/g#abc', 'github:o/g#abc'],
    ]);
    expect(result.projects?.map((p) => [p.name, p.version])).toEqual([
      ['app', undefined],
      ['a', '2.0.0'],
    ]);
    const { edges } = describeResult(result);
    expect(edges).toEqual(new Set(['project:app -> real@1.0.0 depends-on', 'project:app -> g@github:o/g#abc depends-on', 'project:a -> real@2.0.0 depends-on']));
  });

  it('leaves out a package entry without a name and version, with a warning, and reads the others', () => {
    const result = run('{"lockfileVersion": 1, "packages": {"ok": ["ok@1.0.0", "", {}, "sha512-x"], "bad": "bad@1.0.0", "empty": []}}');
    expect(result.packages.map((p) => p.purl)).toEqual(['pkg:npm/ok@1.0.0']);
    expect(result.warnings.map((w) => [w.code, w.message])).toEqual([
      ['PACKAGE_SKIPPED', 'bun.lock package "bad" has no name and version'],
      ['PACKAGE_SKIPPED', 'bun.lock package "empty" has no name and version'],
    ]);
  });

  it.each([
    ['invalid JSON', '{"lockfileVersion": 1, "packages": {'],
    ['no packages', '{"lockfileVersion": 1}'],
    ['an unknown version', '{"lockfileVersion": 7, "packages": {}}'],
  ])('warns for %s', (_label, text) => {
    const result = run(text);
    expect(result.packages).toEqual([]);
    expect(result.warnings).toEqual([{ code: 'METADATA_UNPARSABLE', message: expect.any(String), path: '/app/bun.lock' }]);
  });

  it('reads JSON with comments and trailing commas the way a JSONC parser does', () => {
    const text = '{ "a": [1, 2, /* c, */ ], // x,\n "b": { "s": "//, ]", }, }';
    expect(parseJsonc(text)).toEqual(parse(text, [], { allowTrailingComma: true }));
  });
});
