import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dotnetPackagesLockCataloger } from '../../../../src/sbom/catalog/dotnet/packages-lock.js';
import { MemoryResolver, runCataloger, type CatalogRun } from '../memory-resolver.js';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures/catalog/lockfiles/nuget');

const CASES = [
  { tree: 'cyclonedx-tests', project: 'CycloneDX.Tests', version: 2, platformSpecific: 0 },
  { tree: 'bicep-item-template', project: 'Bicep.VSLanguageServerClient.ItemTemplate', version: 1, platformSpecific: 0 },
] as const;

interface LockEntry {
  type: string;
  resolved?: string;
  contentHash?: string;
  dependencies?: Record<string, string>;
}
interface LockFile {
  version: number;
  dependencies: Record<string, Record<string, LockEntry>>;
}

/**
 * The oracle, written apart from the cataloger, on `JSON.parse` of the file: every entry that is
 * not a project reference is `id@resolved` (ids compared without case); the project depends on
 * the Direct entries and on what its project references list; each package depends on what it
 * lists, found in its own section, else in the section of the same framework without a runtime,
 * looking through project references.
 */
function oracle(lock: LockFile) {
  const label = (id: string, version: string) => `${id.toLowerCase()}@${version}`;
  const packages = new Set<string>();
  const platformOnly = new Map<string, boolean>();
  const edges = new Set<string>();
  for (const [key, section] of Object.entries(lock.dependencies)) {
    const base = key.includes('/') ? lock.dependencies[key.split('/')[0] as string] : undefined;
    const find = (id: string) => {
      const match = (s: Record<string, LockEntry> | undefined) => Object.entries(s ?? {}).find(([name]) => name.toLowerCase() === id.toLowerCase());
      return match(section) ?? match(base);
    };
    const targets = (entry: LockEntry, seen: Set<string>): string[] =>
      Object.keys(entry.dependencies ?? {}).flatMap((id) => {
        if (seen.has(id.toLowerCase())) return [];
        seen.add(id.toLowerCase());
        const found = find(id);
        if (found === undefined) return [];
        return found[1].type === 'Project' ? targets(found[1], seen) : [label(found[0], found[1].resolved as string)];
      });
    for (const [id, entry] of Object.entries(section)) {
      if (entry.type === 'Project') {
        for (const to of targets(entry, new Set([id.toLowerCase()]))) edges.add(`project -> ${to}`);
        continue;
      }
      const self = label(id, entry.resolved as string);
      packages.add(self);
      platformOnly.set(self, (platformOnly.get(self) ?? true) && key.includes('/'));
      if (entry.type === 'Direct') edges.add(`project -> ${self}`);
      for (const to of targets(entry, new Set([id.toLowerCase()]))) if (to !== self) edges.add(`${self} -> ${to}`);
    }
  }
  return { packages: [...packages].sort(), platform: [...platformOnly].filter(([, only]) => only).map(([p]) => p).sort(), edges: [...edges].sort() };
}

const label = (run: CatalogRun, ref: string) => {
  if (ref === run.projects?.[0]?.ref) return 'project';
  const pkg = run.packages.find((p) => p.ref === ref);
  return `${pkg?.name.toLowerCase()}@${pkg?.version}`;
};

describe.each(CASES)('dotnet-packages-lock on $tree', ({ tree, project, version, platformSpecific }) => {
  const lock = JSON.parse(readFileSync(join(FIXTURES, tree, 'packages.lock.json'), 'utf8')) as LockFile;
  const load = async () => runCataloger(dotnetPackagesLockCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, tree)));

  it('reports one package per id and resolved version, and no project references', async () => {
    const run = await load();
    expect(lock.version).toBe(version);
    expect(run.warnings).toEqual([]);
    expect(run.packages.map((p) => `${p.name.toLowerCase()}@${p.version}`).sort()).toEqual(oracle(lock).packages);
    expect(run.packages.length).toBeGreaterThan(20);
    expect(run.packages.filter((p) => p.metadata.platform !== undefined).map((p) => `${p.name.toLowerCase()}@${p.version}`)).toEqual(oracle(lock).platform);
    expect(oracle(lock).platform).toHaveLength(platformSpecific);
    for (const pkg of run.packages) {
      expect(pkg.purl).toBe(`pkg:nuget/${pkg.name}@${pkg.version}`);
      expect(pkg.type).toBe('dotnet');
      expect(pkg.locations).toEqual([{ path: '/packages.lock.json' }]);
      expect(pkg.metadata.contentHash).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    }
  });

  it('names the project after the project file beside the lock file', async () => {
    const run = await load();
    expect(run.projects).toEqual([{ ref: '/packages.lock.json#project', name: project, locations: [{ path: '/packages.lock.json' }] }]);
  });

  it('links the project to its direct packages and each package to its dependencies', async () => {
    const run = await load();
    expect(run.relationships.map((r) => `${label(run, r.from)} -> ${label(run, r.to)}`).sort()).toEqual(oracle(lock).edges);
    expect(new Set(run.relationships.map((r) => r.type))).toEqual(new Set(['depends-on']));
  });
});

describe('dotnet-packages-lock on real files, details', () => {
  it('keeps version 2 central pins and sees through the project reference (cyclonedx-tests)', async () => {
    const run = runCataloger(dotnetPackagesLockCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, 'cyclonedx-tests')));
    const core = run.packages.find((p) => p.name === 'CycloneDX.Core');
    expect(core?.metadata.dependencyTypes).toBe('CentralTransitive');
    expect(core?.metadata.frameworks).toBe('net10.0,net8.0,net9.0');
    // the tested project `cyclonedx` is a project reference, never a package
    expect(run.packages.some((p) => p.name.toLowerCase() === 'cyclonedx')).toBe(false);
    const fromProject = run.relationships.filter((r) => r.from === '/packages.lock.json#project').map((r) => label(run, r.to));
    expect(fromProject).toContain('cyclonedx.core@12.1.1');
  });

  it('marks packages locked only for one runtime with that runtime, and not the others (bicep-item-template)', () => {
    const lock = readFileSync(join(FIXTURES, 'bicep-item-template/packages.lock.json'), 'utf8');
    // a runtime-only entry from a real runtime section, grafted into a file of its own
    const parsed = JSON.parse(lock) as LockFile;
    const runtimeSection = parsed.dependencies['.NETFramework,Version=v4.7.2/win-x64'] as Record<string, LockEntry>;
    runtimeSection['runtime.win-x64.Example.Native'] = { type: 'Transitive', resolved: '1.0.0', contentHash: 'AAAA' };
    const run = runCataloger(dotnetPackagesLockCataloger, new MemoryResolver({ '/src/packages.lock.json': JSON.stringify(parsed) }));
    const native = run.packages.find((p) => p.name === 'runtime.win-x64.Example.Native');
    expect(native?.metadata.platform).toBe('win-x64');
    const registry = run.packages.find((p) => p.name === 'Microsoft.Win32.Registry');
    expect(registry?.metadata.platform).toBeUndefined();
    expect(run.projects?.[0]?.name).toBe('src');
  });
});

describe('dotnet-packages-lock on written files', () => {
  const lockWith = (dependencies: unknown, version: unknown = 1) => JSON.stringify({ version, dependencies });

  it('names the project from packages.<name>.lock.json, or the folder when several project files share it', () => {
    const body = lockWith({ 'net8.0': { A: { type: 'Direct', requested: '[1.0.0, )', resolved: '1.0.0', contentHash: 'x' } } });
    const resolver = new MemoryResolver({
      '/s/packages.Web.lock.json': body,
      '/s/Web.csproj': '<Project/>',
      '/s/Api.csproj': '<Project/>',
      '/t/packages.lock.json': body,
      '/t/Web.csproj': '<Project/>',
      '/t/Api.csproj': '<Project/>',
      '/t/obj/packages.lock.json': body,
    });
    const run = runCataloger(dotnetPackagesLockCataloger, resolver);
    expect(run.files).toEqual(['/s/packages.Web.lock.json', '/t/packages.lock.json']);
    expect(run.projects?.map((p) => p.name)).toEqual(['Web', 't']);
  });

  it('merges ids that differ only in case (first section in order names it), and keeps two versions of one id apart', () => {
    const run = runCataloger(
      dotnetPackagesLockCataloger,
      new MemoryResolver({
        '/p/packages.lock.json': lockWith(
          {
            'net8.0': { 'newtonsoft.json': { type: 'Direct', resolved: '13.0.3', contentHash: 'a', dependencies: { 'system.memory': '4.5.0' } }, 'System.Memory': { type: 'Transitive', resolved: '4.5.5', contentHash: 'b' } },
            net48: { 'Newtonsoft.Json': { type: 'Direct', resolved: '13.0.3', contentHash: 'a' }, 'System.Memory': { type: 'Transitive', resolved: '4.5.4', contentHash: 'c' } },
          },
          2,
        ),
      }),
    );
    expect(run.packages.map((p) => `${p.name}@${p.version} ${p.metadata.frameworks}`).sort()).toEqual(['Newtonsoft.Json@13.0.3 net48,net8.0', 'System.Memory@4.5.4 net48', 'System.Memory@4.5.5 net8.0']);
    expect(run.relationships.map((r) => `${label(run, r.from)} -> ${label(run, r.to)}`).sort()).toEqual(['newtonsoft.json@13.0.3 -> system.memory@4.5.5', 'project -> newtonsoft.json@13.0.3']);
  });

  it('warns about a file it cannot use, and about entries without a resolved version', () => {
    const run = runCataloger(
      dotnetPackagesLockCataloger,
      new MemoryResolver({
        '/a/packages.lock.json': '{ "version": 1, ',
        '/b/packages.lock.json': lockWith({ 'net8.0': {} }, 3),
        '/c/packages.lock.json': JSON.stringify({ version: 1 }),
        '/d/packages.lock.json': lockWith({ 'net8.0': { A: { type: 'Transitive' }, B: 7, C: { type: 'Transitive', resolved: '1.0.0' } }, 'net9.0': [] }),
      }),
    );
    expect(run.warnings.map((w) => [w.path, w.code])).toEqual([
      ['/a/packages.lock.json', 'METADATA_UNPARSABLE'],
      ['/b/packages.lock.json', 'METADATA_UNPARSABLE'],
      ['/c/packages.lock.json', 'METADATA_UNPARSABLE'],
      ['/d/packages.lock.json', 'PACKAGE_SKIPPED'],
    ]);
    expect(run.warnings[1]?.message).toBe('unsupported NuGet lock file version 3');
    expect(run.warnings[3]?.message).toContain('3 NuGet lock file entries');
    expect(run.packages.map((p) => p.purl)).toEqual(['pkg:nuget/C@1.0.0']);
    expect(run.projects?.map((p) => p.name)).toEqual(['d']);
  });
});
