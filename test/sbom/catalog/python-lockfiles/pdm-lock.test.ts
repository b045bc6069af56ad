import { describe, expect, it } from 'vitest';
import { pdmLockCataloger } from '../../../../src/sbom/catalog/python-lockfiles/pdm-lock.js';
import { MemoryResolver, runCataloger } from '../memory-resolver.js';
import { catalogFolder, edges, hasTomllib, ids, purlName, readTomlFixture, records, tomllibRead } from './oracle.js';

const CASES = ['pdm-4.5'];

/** The name a dependency specifier starts with. */
const specName = (spec: string) => purlName(/^[A-Za-z0-9._-]+/.exec(spec)?.[0] ?? '');

describe.each(CASES)('python-pdm-lock on %s', (folder) => {
  const raw = () => records(readTomlFixture(`${folder}/pdm.lock`).package);
  const pyproject = () => readTomlFixture(`${folder}/pyproject.toml`);

  it.runIf(hasTomllib)('reads the fixture as Python’s tomllib does', () => {
    expect(tomllibRead(`${folder}/pdm.lock`)).toEqual(JSON.parse(JSON.stringify(readTomlFixture(`${folder}/pdm.lock`))));
  });

  it('finds every locked name and version and links the dependencies the lock lists', async () => {
    const run = await catalogFolder(pdmLockCataloger, folder);
    expect(ids(run)).toEqual([...new Set(raw().map((p) => `${purlName(String(p.name))}@${String(p.version)}`))].sort());
    expect(run.warnings).toEqual([]);
    const locked = new Set(raw().map((p) => purlName(String(p.name))));
    const expected = raw().flatMap((p) =>
      ((p.dependencies ?? []) as string[]).filter((s) => locked.has(specName(s))).map((s) => `${purlName(String(p.name))} -> ${specName(s)} depends-on`),
    );
    const project = purlName(String((pyproject().project as Record<string, unknown>).name));
    expect(edges(run).filter((e) => !e.startsWith(`${project} -> `))).toEqual([...new Set(expected)].sort());
  });

  it('marks development and optional packages by the groups that need them', async () => {
    const run = await catalogFolder(pdmLockCataloger, folder);
    const project = pyproject().project as Record<string, unknown>;
    const extras = new Set(Object.keys((project['optional-dependencies'] ?? {}) as object));
    // groups per package, as lock 4.5 records them (older locks: the inline test below)
    const groupsOf = new Map<string, Set<string>>();
    for (const p of raw()) groupsOf.set(purlName(String(p.name)), new Set(p.groups as string[]));
    expect(raw().every((p) => Array.isArray(p.groups))).toBe(true);
    const dev: string[] = [];
    const optional: string[] = [];
    for (const [name, set] of groupsOf) {
      if (set.size === 0 || set.has('default')) continue;
      if ([...set].some((g) => extras.has(g))) optional.push(name);
      else dev.push(name);
    }
    expect(dev.length).toBeGreaterThan(3);
    expect(optional.length).toBeGreaterThan(0);
    expect(run.packages.filter((p) => p.dev).map((p) => purlName(p.name)).sort()).toEqual(dev.sort());
    expect(run.packages.filter((p) => p.metadata.optional === 'true').map((p) => purlName(p.name)).sort()).toEqual(optional.sort());
  });

  it('makes the pyproject.toml project the subject, with its extras and dev groups as edges', async () => {
    const run = await catalogFolder(pdmLockCataloger, folder);
    expect(run.projects?.map((p) => [p.name, p.version, p.purl])).toEqual([['unearth', undefined, undefined]]);
    const fromProject = edges(run).filter((e) => e.startsWith('unearth -> '));
    expect(fromProject).toContain('unearth -> packaging depends-on');
    expect(fromProject).toContain('unearth -> keyring optional-depends-on');
    expect(fromProject).toContain('unearth -> pytest dev-depends-on');
  });
});

describe('python-pdm-lock details', () => {
  it('before lock 4.5 (groups only in [metadata]), marks by what the pyproject.toml’s groups lead to', () => {
    const lock = [
      '[metadata]\ngroups = ["default", "keyring", "test"]\nlock_version = "4.3"\n',
      '[[package]]\nname = "packaging"\nversion = "23.2"\n',
      '[[package]]\nname = "keyring"\nversion = "24.2.0"\ndependencies = ["jaraco.classes"]\n',
      '[[package]]\nname = "jaraco-classes"\nversion = "3.3.0"\n',
      '[[package]]\nname = "pytest"\nversion = "7.4.2"\ndependencies = ["packaging", "iniconfig"]\n',
      '[[package]]\nname = "iniconfig"\nversion = "2.0.0"\n',
    ].join('\n');
    const pyproject = [
      '[project]\nname = "unearth"\ndependencies = ["packaging>=20"]\n',
      '[project.optional-dependencies]\nkeyring = ["keyring"]\n',
      '[tool.pdm.dev-dependencies]\ntest = ["pytest"]\n',
    ].join('\n');
    const run = runCataloger(pdmLockCataloger, new MemoryResolver({ '/u/pdm.lock': lock, '/u/pyproject.toml': pyproject }));
    const marks = Object.fromEntries(run.packages.map((p) => [p.name, [p.dev === true, p.metadata.optional === 'true']]));
    expect(marks).toEqual({
      packaging: [false, false],
      keyring: [false, true],
      'jaraco-classes': [false, true],
      pytest: [true, false],
      iniconfig: [true, false],
    });
    expect(edges(run).filter((e) => e.startsWith('unearth -> '))).toEqual([
      'unearth -> keyring optional-depends-on',
      'unearth -> packaging depends-on',
      'unearth -> pytest dev-depends-on',
    ]);
    expect(run.warnings).toEqual([]);
  });

  it('is one package for a name and version locked for several extras, and warns on an unknown lock version', () => {
    const lock = `[metadata]\nlock_version = "4.4.1"\ngroups = ["default"]\n\n[[package]]\nname = "Coverage"\nversion = "7.4.0"\n\n[[package]]\nname = "coverage"\nversion = "7.4.0"\nextras = ["toml"]\ndependencies = ["coverage==7.4.0", "tomli; python_version < \\"3.11\\""]\n\n[[package]]\nname = "tomli"\nversion = "2.0.1"\n`;
    const run = runCataloger(pdmLockCataloger, new MemoryResolver({ '/a/pdm.lock': lock, '/b/pdm.lock': '[metadata]\nlock_version = "3.0"\n' }));
    expect(ids(run)).toEqual(['coverage@7.4.0', 'tomli@2.0.1']);
    expect(edges(run)).toEqual(['coverage -> tomli depends-on']);
    expect(run.warnings.map((w) => [w.code, w.path])).toEqual([['METADATA_UNPARSABLE', '/b/pdm.lock']]);
  });
});
