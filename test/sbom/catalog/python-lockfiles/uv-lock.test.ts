import { describe, expect, it } from 'vitest';
import { uvLockCataloger } from '../../../../src/sbom/catalog/python-lockfiles/uv-lock.js';
import { MemoryResolver, runCataloger } from '../memory-resolver.js';
import { catalogFolder, edges, hasTomllib, ids, purlName, readTomlFixture, records, tomllibRead } from './oracle.js';

const CASES = [
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
  it('makes a virtual project the subject, and follows the extra its dependency asks for', () => {
    // five entries of uv-fastapi-example's uv.lock, each cut to the lines this test needs
    const lock = `version = 1
requires-python = ">=3.12"

[[package]]
name = "fastapi"
version = "0.112.1"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "starlette" }]
sdist = { url = "https://files.pythonhosted.org/packages/2c/09/71a961740a1121d7cc90c99036cc3fbb507bf0c69860d08d4388f842196b/fastapi-0.112.1.tar.gz", hash = "sha256:b2537146f8c23389a7faa8b03d0bd38d4986e6983874557d95eed2acc46448ef", size = 291025 }

[package.optional-dependencies]
standard = [{ name = "uvicorn", extra = ["standard"] }]

[[package]]
name = "starlette"
version = "0.38.2"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "uv-fastapi-example"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "fastapi", extra = ["standard"] }]

[[package]]
name = "uvicorn"
version = "0.30.6"
source = { registry = "https://pypi.org/simple" }

[package.optional-dependencies]
standard = [{ name = "uvloop", marker = "platform_python_implementation != 'PyPy' and sys_platform != 'cygwin' and sys_platform != 'win32'" }]

[[package]]
name = "uvloop"
version = "0.20.0"
source = { registry = "https://pypi.org/simple" }
`;
    const run = runCataloger(uvLockCataloger, new MemoryResolver({ '/uv.lock': lock }));
    expect(run.projects?.map((p) => [p.name, p.version, p.purl])).toEqual([['uv-fastapi-example', '0.1.0', 'pkg:pypi/uv-fastapi-example@0.1.0']]);
    expect(ids(run)).toEqual(['fastapi@0.112.1', 'starlette@0.38.2', 'uvicorn@0.30.6', 'uvloop@0.20.0']);
    expect(run.packages.filter((p) => p.dev || p.metadata.optional === 'true')).toEqual([]);
    expect(edges(run)).toContain('uv-fastapi-example -> fastapi depends-on');
    expect(edges(run)).toContain('uvicorn -> uvloop optional-depends-on');
    expect(run.packages.find((p) => p.name === 'uvloop')?.metadata.platform).toContain("sys_platform != 'win32'");
    expect(run.packages.find((p) => p.name === 'fastapi')?.metadata.sha256).toBe('b2537146f8c23389a7faa8b03d0bd38d4986e6983874557d95eed2acc46448ef');
  });

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
