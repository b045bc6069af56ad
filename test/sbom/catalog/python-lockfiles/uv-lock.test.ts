import { describe, expect, it } from 'vitest';
import { uvLockCataloger } from '../../../../src/sbom/catalog/python-lockfiles/uv-lock.js';
import { MemoryResolver, runCataloger } from '../memory-resolver.js';
import { catalogFolder, edges, hasTomllib, ids, purlName, readTomlFixture, records, tomllibRead } from './oracle.js';

const CASES = [
  { folder: 'uv-fastapi', project: 'uv-fastapi-example', dev: [] as string[] },
  { folder: 'uv-docker', project: 'uv-docker-example', dev: ['ruff'] },
];

const isProjectSource = (p: Record<string, unknown>) => {
  const source = (p.source ?? {}) as Record<string, unknown>;
  return source.editable === '.' || source.virtual === '.';
};

describe.each(CASES)('python-uv-lock on $folder', ({ folder, project, dev }) => {
  const raw = () => records(readTomlFixture(`${folder}/uv.lock`).package);

  it.runIf(hasTomllib)('reads the fixture as Python’s tomllib does', () => {
    expect(tomllibRead(`${folder}/uv.lock`)).toEqual(JSON.parse(JSON.stringify(readTomlFixture(`${folder}/uv.lock`))));
  });

  it('finds every locked package, and the editable or virtual project as the subject only', async () => {
    const run = await catalogFolder(uvLockCataloger, folder);
    const expected = raw()
      .filter((p) => !isProjectSource(p))
      .map((p) => `${purlName(String(p.name))}@${String(p.version)}`)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(run)).toEqual(expected);
    expect(run.warnings).toEqual([]);
    expect(run.projects?.map((p) => [p.name, p.version, p.purl])).toEqual([[project, '0.1.0', `pkg:pypi/${project}@0.1.0`]]);
    for (const pkg of run.packages) expect(pkg.metadata.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('links the graph the lock records, the project to its direct dependencies', async () => {
    const run = await catalogFolder(uvLockCataloger, folder);
    const expected = raw().flatMap((p) => {
      const from = purlName(String(p.name));
      const list = (value: unknown, type: string) => records(value).map((d) => `${from} -> ${purlName(String(d.name))} ${type}`);
      const groups = (value: unknown, type: string) => Object.values((value ?? {}) as Record<string, unknown>).flatMap((v) => list(v, type));
      return [...list(p.dependencies, 'depends-on'), ...groups(p['optional-dependencies'], 'optional-depends-on'), ...groups(p['dev-dependencies'], 'dev-depends-on')];
    });
    // one edge per pair, the first kind listed (runtime over extra over group)
    const seen = new Map<string, string>();
    for (const edge of expected) {
      const pair = edge.replace(/ \S+$/, '');
      if (!seen.has(pair)) seen.set(pair, edge);
    }
    expect(edges(run)).toEqual([...seen.values()].sort());
  });

  it('marks as dev exactly what only the development group leads to', async () => {
    const run = await catalogFolder(uvLockCataloger, folder);
    expect(run.packages.filter((p) => p.dev).map((p) => purlName(p.name)).sort()).toEqual(dev);
  });
});

describe('python-uv-lock details', () => {
  it('follows extras only where asked, marks packages only an extra needs optional, and keeps two versions of one name', () => {
    const lock = `version = 1
requires-python = ">=3.9"

[[package]]
name = "app"
version = "1.0"
source = { editable = "." }
dependencies = [{ name = "lib" }]

[package.optional-dependencies]
speed = [{ name = "fast" }]

[package.dev-dependencies]
dev = [{ name = "pytest" }]

[[package]]
name = "lib"
version = "2.0"
source = { registry = "https://pypi.org/simple" }

[package.optional-dependencies]
extra = [{ name = "unused" }]

[[package]]
name = "unused"
version = "1.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "fast"
version = "0.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "numpy"
version = "2.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.0.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "numpy", version = "2.0.0", source = { registry = "https://pypi.org/simple" }, marker = "sys_platform == 'linux'" }]
`;
    const run = runCataloger(uvLockCataloger, new MemoryResolver({ '/uv.lock': lock }));
    expect(ids(run)).toEqual(['fast@0.1', 'lib@2.0', 'numpy@1.26.4', 'numpy@2.0.0', 'pytest@8.0.0', 'unused@1.0']);
    const marks = Object.fromEntries(run.packages.map((p) => [`${p.name}@${p.version}`, [p.dev === true, p.metadata.optional === 'true']]));
    expect(marks).toEqual({
      'lib@2.0': [false, false],
      'fast@0.1': [false, true],
      'pytest@8.0.0': [true, false],
      'numpy@2.0.0': [true, false],
      // locked but reached by nothing here: unmarked
      'numpy@1.26.4': [false, false],
      'unused@1.0': [false, false],
    });
    expect(edges(run)).toContain('pytest -> numpy depends-on');
    expect(run.relationships.filter((r) => r.to.endsWith('numpy@1.26.4'))).toEqual([]);
    expect(run.packages.find((p) => p.version === '2.0.0')?.metadata.platform).toBe("(sys_platform == 'linux')");
  });

  it('refuses an unknown lock version and a file that is not TOML, with warnings', () => {
    const run = runCataloger(uvLockCataloger, new MemoryResolver({ '/a/uv.lock': 'version = 2\n', '/b/uv.lock': 'version = = 1' }));
    expect(run.packages).toEqual([]);
    expect(run.warnings.map((w) => [w.code, w.path])).toEqual([
      ['METADATA_UNPARSABLE', '/a/uv.lock'],
      ['METADATA_UNPARSABLE', '/b/uv.lock'],
    ]);
  });
});
