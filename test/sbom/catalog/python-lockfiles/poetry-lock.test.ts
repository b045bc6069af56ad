import { describe, expect, it } from 'vitest';
import { poetryLockCataloger } from '../../../../src/sbom/catalog/python-lockfiles/poetry-lock.js';
import { MemoryResolver, runCataloger } from '../memory-resolver.js';
import { catalogFolder, edges, hasTomllib, ids, purlName, readTomlFixture, records, tomllibRead } from './oracle.js';

const CASES = [
  { folder: 'poetry-1.0', project: 'poetry', version: '0.12.0a3', dev: 'category' },
  { folder: 'poetry-2.1', project: 'poetry-plugin-export', version: '1.9.0', dev: 'groups' },
] as const;

describe.each(CASES)('python-poetry-lock on $folder', ({ folder, project, version, dev }) => {
  const raw = () => records(readTomlFixture(`${folder}/poetry.lock`).package);

  it.runIf(hasTomllib)('reads the fixture as Python’s tomllib does (the oracle’s TOML reader agrees)', () => {
    expect(tomllibRead(`${folder}/poetry.lock`)).toEqual(JSON.parse(JSON.stringify(readTomlFixture(`${folder}/poetry.lock`))));
  });

  it('finds every locked name and version, with pypi purls of normalized names', async () => {
    const run = await catalogFolder(poetryLockCataloger, folder);
    const expected = [...new Set(raw().map((p) => `${purlName(String(p.name))}@${String(p.version)}`))].sort();
    expect(expected.length).toBeGreaterThan(20);
    expect(ids(run)).toEqual(expected);
    expect(run.warnings).toEqual([]);
    for (const pkg of run.packages) {
      expect(pkg.purl).toBe(`pkg:pypi/${purlName(pkg.name)}@${encodeURIComponent(pkg.version).replace(/%2B/g, '%2B')}`);
      expect(pkg.locations).toEqual([{ path: `/src/poetry.lock` }]);
    }
  });

  it('marks exactly the packages the lock keeps for development', async () => {
    const run = await catalogFolder(poetryLockCataloger, folder);
    const isDev = (p: Record<string, unknown>) => (dev === 'category' ? p.category === 'dev' : Array.isArray(p.groups) && !p.groups.includes('main'));
    const expected = raw().filter(isDev).map((p) => purlName(String(p.name))).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(run.packages.filter((p) => p.dev === true).map((p) => purlName(p.name)).sort()).toEqual(expected);
    const optional = raw().filter((p) => p.optional === true).map((p) => purlName(String(p.name))).sort();
    expect(run.packages.filter((p) => p.metadata.optional === 'true').map((p) => purlName(p.name)).sort()).toEqual(optional);
  });

  it('links each package to the locked packages its dependencies name', async () => {
    const run = await catalogFolder(poetryLockCataloger, folder);
    const locked = new Set(raw().map((p) => purlName(String(p.name))));
    const expected = raw()
      .flatMap((p) =>
        Object.entries((p.dependencies ?? {}) as Record<string, unknown>)
          .filter(([name]) => locked.has(purlName(name)) && purlName(name) !== purlName(String(p.name)))
          .map(([name, constraint]) => {
            const list = Array.isArray(constraint) ? constraint : [constraint];
            const optional = list.every((c) => typeof c === 'object' && c !== null && (c as { optional?: unknown }).optional === true);
            return `${purlName(String(p.name))} -> ${purlName(name)} ${optional ? 'optional-depends-on' : 'depends-on'}`;
          }),
      )
      .sort();
    expect(edges(run).filter((edge) => !edge.startsWith(`${project} -> `))).toEqual([...new Set(expected)].sort());
  });

  it('makes the pyproject.toml project the subject, depending on its direct dependencies', async () => {
    const run = await catalogFolder(poetryLockCataloger, folder);
    expect(run.projects).toHaveLength(1);
    const subject = run.projects?.[0];
    expect(subject?.name).toBe(project);
    expect(subject?.version).toBe(version);
    expect(subject?.locations.map((l) => l.path)).toEqual([`/src/poetry.lock`, `/src/pyproject.toml`]);
    expect(run.packages.some((p) => purlName(p.name) === project)).toBe(false);
    const fromProject = edges(run).filter((edge) => edge.startsWith(`${project} -> `));
    expect(fromProject.length).toBeGreaterThan(2);
    expect(fromProject.some((edge) => edge.endsWith(' dev-depends-on'))).toBe(true);
    expect(fromProject.some((edge) => edge.endsWith(' depends-on') && !edge.endsWith('dev-depends-on'))).toBe(true);
  });
});

describe('python-poetry-lock details', () => {
  it('uses the pyproject.toml groups for a 2.0 lock, which records neither category nor groups', () => {
    const lock = [
      '[[package]]\nname = "Requests"\nversion = "2.31.0"\noptional = false\n\n[package.dependencies]\nidna = ">=2.5"\n',
      '[[package]]\nname = "idna"\nversion = "3.6"\noptional = false\n',
      '[[package]]\nname = "pytest"\nversion = "8.0.0"\noptional = false\n\n[package.dependencies]\niniconfig = "*"\n',
      '[[package]]\nname = "iniconfig"\nversion = "2.0.0"\noptional = false\n',
      '[metadata]\nlock-version = "2.0"\n',
    ].join('\n');
    const pyproject = '[tool.poetry]\nname = "app"\nversion = "1.0.0"\n[tool.poetry.dependencies]\npython = "^3.9"\nrequests = "^2"\n[tool.poetry.group.test.dependencies]\npytest = "^8"\n';
    const run = runCataloger(poetryLockCataloger, new MemoryResolver({ '/app/poetry.lock': lock, '/app/pyproject.toml': pyproject }));
    expect(run.packages.filter((p) => p.dev).map((p) => p.name).sort()).toEqual(['iniconfig', 'pytest']);
    expect(run.packages.find((p) => p.name === 'Requests')?.purl).toBe('pkg:pypi/requests@2.31.0');
    expect(edges(run)).toContain('app -> pytest dev-depends-on');
    expect(edges(run)).toContain('app -> requests depends-on');
  });

  it('records a git source and keeps the version the lock records', () => {
    const lock =
      '[[package]]\nname = "tool"\nversion = "0.3.0"\noptional = false\ngroups = ["main"]\nfiles = []\n\n[package.source]\ntype = "git"\nurl = "https://example.org/tool.git"\nreference = "main"\nresolved_reference = "0123456789abcdef0123456789abcdef01234567"\n\n[metadata]\nlock-version = "2.1"\n';
    const run = runCataloger(poetryLockCataloger, new MemoryResolver({ '/poetry.lock': lock }));
    expect(run.packages.map((p) => [p.purl, p.metadata.sourceType, p.metadata.sourceReference])).toEqual([
      ['pkg:pypi/tool@0.3.0', 'git', '0123456789abcdef0123456789abcdef01234567'],
    ]);
    expect(run.projects).toEqual([]);
  });

  it('warns on a file that is not TOML and on packages without a version', () => {
    const run = runCataloger(
      poetryLockCataloger,
      new MemoryResolver({ '/a/poetry.lock': '[[package]\nname = ', '/b/poetry.lock': '[[package]]\nname = "x"\n' }),
    );
    expect(run.packages).toEqual([]);
    expect(run.warnings.map((w) => [w.code, w.path])).toEqual([
      ['METADATA_UNPARSABLE', '/a/poetry.lock'],
      ['PACKAGE_SKIPPED', '/b/poetry.lock'],
    ]);
  });
});
