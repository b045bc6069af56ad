import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dotnetDepsCataloger } from '../../../src/sbom/catalog/dotnet-deps.js';
import { MemoryResolver, runCataloger, type CatalogRun } from './memory-resolver.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/catalog/dotnet');

const CASES = [
  { tree: 'autorest', file: '/usr/local/lib/node_modules/@autorest/csharp/AutoRest.CSharp.deps.json', root: 'AutoRest.CSharp', packages: 85 },
  { tree: 'project-references', file: '/srv/web/Web.deps.json', root: 'Web', packages: 1 },
  { tree: 'self-contained', file: '/app/ExampleApp1.deps.json', root: 'ExampleApp1', packages: 3 },
] as const;

interface DepsJson {
  runtimeTarget: { name: string };
  targets: Record<string, Record<string, { dependencies?: Record<string, string> }>>;
  libraries: Record<string, { type: string; sha512?: string; path?: string }>;
}

/**
 * The oracle, written apart from the cataloger: NuGet packages and runtime packs of the runtime
 * target by `Name/Version`, the project named like the file as the root, and for every one of
 * them the reported libraries it reaches, looking through the ones that are not reported.
 */
function expected(json: DepsJson, root: string) {
  const target = json.targets[json.runtimeTarget.name] ?? {};
  const reported = (key: string) => key.startsWith(`${root}/`) || ['package', 'runtimepack'].includes(json.libraries[key]?.type ?? '');
  const label = (key: string) => key.replace(/^runtimepack\./, '').replace('/', '@');
  const reach = (key: string, seen: Set<string>): string[] =>
    Object.entries(target[key]?.dependencies ?? {}).flatMap(([name, version]) => {
      const next = `${name}/${version}`;
      if (seen.has(next)) return [];
      seen.add(next);
      return reported(next) ? [next] : reach(next, seen);
    });
  const keys = Object.keys(target).filter(reported);
  return {
    packages: keys.map(label).sort(),
    edges: keys.flatMap((key) => reach(key, new Set([key])).map((to) => `${label(key)} -> ${label(to)}`)).sort(),
  };
}

const label = (run: CatalogRun, ref: string) => {
  const pkg = run.packages.find((p) => p.ref === ref);
  return `${pkg?.name}@${pkg?.version}`;
};

describe.each(CASES)('dotnet-deps on $tree', ({ tree, file, root, packages }) => {
  const json = JSON.parse(readFileSync(join(FIXTURES, tree, file), 'utf8')) as DepsJson;
  const load = async () => runCataloger(dotnetDepsCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, tree)));

  it('reports the NuGet packages and the application, and nothing else', async () => {
    const run = await load();
    const oracle = expected(json, root);
    expect(run.packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual(oracle.packages);
    expect(run.packages.filter((p) => p.metadata.root !== 'true')).toHaveLength(packages);
    expect(run.packages.filter((p) => p.metadata.root === 'true').map((p) => p.name)).toEqual([root]);
    expect(run.warnings).toEqual([]);
    for (const pkg of run.packages) expect(pkg.locations).toEqual([{ path: file }]);
  });

  it('links each one to the packages it depends on, through projects and framework assemblies', async () => {
    const run = await load();
    expect(run.relationships.map((r) => `${label(run, r.from)} -> ${label(run, r.to)}`).sort()).toEqual(expected(json, root).edges);
    expect(new Set(run.relationships.map((r) => r.type))).toEqual(new Set(['depends-on']));
  });

  it('builds nuget purls and keeps the package hashes', async () => {
    for (const pkg of (await load()).packages) {
      expect(pkg.purl).toBe(`pkg:nuget/${pkg.name}@${pkg.version}`);
      const library = Object.entries(json.libraries).find(([key]) => key.replace(/^runtimepack\./, '') === `${pkg.name}/${pkg.version}`)?.[1];
      expect(pkg.metadata.libraryType).toBe(library?.type);
      expect(pkg.metadata.sha512).toBe(library?.sha512 === '' ? undefined : library?.sha512);
      expect(pkg.metadata.path).toBe(library?.path);
    }
  });
});

describe('dotnet-deps details', () => {
  it('reads a real published app: AutoRest.CSharp and its 85 packages', async () => {
    const run = runCataloger(dotnetDepsCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, 'autorest')));
    const azureCore = run.packages.find((p) => p.name === 'Azure.Core');
    expect(azureCore).toMatchObject({
      version: '1.47.1',
      purl: 'pkg:nuget/Azure.Core@1.47.1',
      type: 'dotnet',
      metadata: { libraryType: 'package', path: 'azure.core/1.47.1', hashPath: 'azure.core.1.47.1.nupkg.sha512', sha512: expect.stringMatching(/^sha512-/) as unknown },
    });
    const rootRef = run.packages.find((p) => p.metadata.root === 'true')?.ref;
    expect(run.relationships.filter((r) => r.from === rootRef).map((r) => label(run, r.to))).toContain('Azure.Core@1.47.1');
  });

  it('names the runtime of a self-contained app by its NuGet id', async () => {
    const run = runCataloger(dotnetDepsCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, 'self-contained')));
    expect(run.packages.find((p) => p.metadata.libraryType === 'runtimepack' && p.name.includes('NETCore'))).toMatchObject({
      name: 'Microsoft.NETCore.App.Runtime.linux-x64',
      purl: 'pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@8.0.0',
    });
  });

  it('leaves project references out and links the application through them', async () => {
    const run = runCataloger(dotnetDepsCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, 'project-references')));
    expect(run.packages.map((p) => p.name).sort()).toEqual(['Newtonsoft.Json', 'Web']);
  });

  const deps = (targets: Record<string, unknown>, libraries: Record<string, unknown>, runtimeTarget = '.NETCoreApp,Version=v8.0') =>
    JSON.stringify({ runtimeTarget: { name: runtimeTarget }, targets, libraries });

  it('finds the root of a renamed file from the graph, and walks through cycles of assemblies', () => {
    const run = runCataloger(
      dotnetDepsCataloger,
      new MemoryResolver({
        '/app/tool_fsc.deps.json': deps(
          {
            '.NETCoreApp,Version=v8.0': {
              'fsc/1.0.0': { dependencies: { 'Lib.Project': '1.0.0', 'Ref.A': '8.0.0' } },
              'Lib.Project/1.0.0': { dependencies: { 'Pkg.B': '2.0.0' } },
              'Ref.A/8.0.0': { dependencies: { 'Ref.C': '8.0.0' } },
              'Ref.C/8.0.0': { dependencies: { 'Ref.A': '8.0.0', 'Pkg.D': '1.0.0' } },
              'Pkg.B/2.0.0': { dependencies: { 'Pkg.D': '1.0.0' } },
              'Pkg.D/1.0.0': {},
            },
            '.NETStandard,Version=v2.0': { 'Other/9.9.9': {} },
          },
          {
            'fsc/1.0.0': { type: 'project' },
            'Lib.Project/1.0.0': { type: 'project' },
            'Ref.A/8.0.0': { type: 'referenceassembly' },
            'Ref.C/8.0.0': { type: 'reference' },
            'Pkg.B/2.0.0': { type: 'package', sha512: 'sha512-b' },
            'Pkg.D/1.0.0': { type: 'package' },
            'Pkg.Unlisted/3.0.0': { type: 'package' },
          },
        ),
      }),
    );
    expect(run.packages.map((p) => `${p.name}@${p.version}${p.metadata.root === 'true' ? ' root' : ''}`).sort()).toEqual([
      'Pkg.B@2.0.0',
      'Pkg.D@1.0.0',
      'Pkg.Unlisted@3.0.0',
      'fsc@1.0.0 root',
    ]);
    expect(run.relationships.map((r) => `${label(run, r.from)} -> ${label(run, r.to)}`).sort()).toEqual([
      'Pkg.B@2.0.0 -> Pkg.D@1.0.0',
      'fsc@1.0.0 -> Pkg.B@2.0.0',
      'fsc@1.0.0 -> Pkg.D@1.0.0',
    ]);
  });

  it('reads every target when the runtime target is not named', () => {
    const run = runCataloger(
      dotnetDepsCataloger,
      new MemoryResolver({
        '/app/App.deps.json': JSON.stringify({
          targets: { 'net8.0': { 'App/1.0.0': { dependencies: { A: '1.0.0' } }, 'A/1.0.0': {} }, 'net8.0/linux-x64': { 'B/2.0.0': {} } },
          libraries: { 'App/1.0.0': { type: 'project' }, 'A/1.0.0': { type: 'package' }, 'B/2.0.0': { type: 'package' } },
        }),
      }),
    );
    expect(run.packages.map((p) => p.name).sort()).toEqual(['A', 'App', 'B']);
  });

  it('warns for invalid files and malformed entries, and keeps what it can', () => {
    const run = runCataloger(
      dotnetDepsCataloger,
      new MemoryResolver({
        '/a/A.deps.json': '{"targets": {',
        '/b/B.deps.json': '{"runtimeTarget": {"name": "x"}}',
        '/c/C.deps.json': deps({ '.NETCoreApp,Version=v8.0': { 'NoVersion': {}, 'Good/1.0.0': { dependencies: { Missing: '1.0.0' } }, '/1.0': {} } }, { 'Good/1.0.0': { type: 'package' } }),
        '/d/D.deps.json': '[1, 2, 3]',
      }),
    );
    expect(run.packages.map((p) => p.name)).toEqual(['Good']);
    expect(run.relationships).toEqual([]);
    expect(run.warnings.map((w) => w.path)).toEqual(['/a/A.deps.json', '/b/B.deps.json', '/c/C.deps.json', '/d/D.deps.json']);
    expect(run.warnings[2]?.message).toMatch(/^2 deps.json entries/);
  });
});
