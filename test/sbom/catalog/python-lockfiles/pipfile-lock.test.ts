import { describe, expect, it } from 'vitest';
import { pipfileLockCataloger } from '../../../../src/sbom/catalog/python-lockfiles/pipfile-lock.js';
import { MemoryResolver, runCataloger } from '../memory-resolver.js';
import { catalogFolder, edges, ids, purlName, readJsonFixture } from './oracle.js';

const CASES = ['pipfile/pipenv-examples'];

describe.each(CASES)('python-pipfile-lock on %s', (folder) => {
  const section = (name: 'default' | 'develop') => {
    const entries = (readJsonFixture(`${folder}/Pipfile.lock`)[name] ?? {}) as Record<string, Record<string, unknown>>;
    return new Map(
      Object.entries(entries)
        .filter(([, entry]) => entry.path !== '.')
        .map(([name, entry]) => [`${purlName(name)}@${String(entry.version).replace(/^==/, '')}`, entry]),
    );
  };

  it('finds every package of default and develop; develop-only ones are dev', async () => {
    const run = await catalogFolder(pipfileLockCataloger, folder);
    const runtime = section('default');
    const development = section('develop');
    expect(ids(run)).toEqual([...new Set([...runtime.keys(), ...development.keys()])].sort());
    expect(run.warnings).toEqual([]);
    const dev = run.packages.filter((p) => p.dev).map((p) => `${purlName(p.name)}@${p.version}`).sort();
    expect(dev).toEqual([...development.keys()].filter((id) => !runtime.has(id)).sort());
    expect(dev.length).toBeGreaterThan(0);
    for (const pkg of run.packages) {
      const entry = runtime.get(`${purlName(pkg.name)}@${pkg.version}`) ?? development.get(`${purlName(pkg.name)}@${pkg.version}`);
      expect(`sha256:${pkg.metadata.sha256}`).toBe((entry?.hashes as string[])[0]);
      expect(pkg.metadata.markers).toBe(entry?.markers);
    }
  });
});

describe('python-pipfile-lock details', () => {
  it('makes the folder the project: a package installed editable from "." is not a package', () => {
    // the shape of pipenv's own Pipfile.lock: only develop, the project itself editable from "."
    const lock = JSON.stringify({
      _meta: { 'pipfile-spec': 6, requires: {}, sources: [] },
      default: {},
      develop: {
        pipenv: { editable: true, extras: ['dev', 'tests'], path: '.' },
        'Flake8': { hashes: ['sha256:aa'], markers: "python_version >= '3.6'", version: '==3.9.2' },
      },
    });
    const run = runCataloger(pipfileLockCataloger, new MemoryResolver({ '/src/Pipfile.lock': lock }));
    expect(run.projects?.map((p) => [p.name, p.version, p.purl])).toEqual([['src', undefined, undefined]]);
    expect(ids(run)).toEqual(['flake8@3.9.2']);
    expect(run.packages.map((p) => [p.dev, p.metadata.markers])).toEqual([[true, "python_version >= '3.6'"]]);
    expect(run.warnings).toEqual([]);
  });

  it('relates the project to the Pipfile’s packages and dev-packages', () => {
    const lock = JSON.stringify({
      _meta: { 'pipfile-spec': 6 },
      default: { requests: { version: '==2.31.0', hashes: [] }, idna: { version: '==3.6' } },
      develop: { pytest: { version: '==8.0.0' }, idna: { version: '==3.6' }, tool: { git: 'https://example.org/tool.git', ref: 'abc123' }, local: { path: './vendor/local' } },
    });
    const pipfile = '[packages]\nrequests = "*"\n[dev-packages]\npytest = "*"\n';
    const run = runCataloger(pipfileLockCataloger, new MemoryResolver({ '/app/Pipfile.lock': lock, '/app/Pipfile': pipfile }));
    expect(ids(run)).toEqual(['idna@3.6', 'pytest@8.0.0', 'requests@2.31.0', 'tool@abc123']);
    expect(run.packages.filter((p) => p.dev).map((p) => p.name).sort()).toEqual(['pytest', 'tool']);
    expect(edges(run)).toEqual(['app -> pytest dev-depends-on', 'app -> requests depends-on']);
    expect(run.warnings.map((w) => [w.code, w.message])).toEqual([['PACKAGE_SKIPPED', 'Pipfile.lock entries with no version or ref were skipped: local']]);
  });

  it('warns on invalid JSON and on JSON that is no Pipfile.lock', () => {
    const run = runCataloger(pipfileLockCataloger, new MemoryResolver({ '/a/Pipfile.lock': '{', '/b/Pipfile.lock': '[]' }));
    expect(run.packages).toEqual([]);
    expect(run.warnings.map((w) => [w.code, w.path])).toEqual([
      ['METADATA_UNPARSABLE', '/a/Pipfile.lock'],
      ['METADATA_UNPARSABLE', '/b/Pipfile.lock'],
    ]);
  });
});
