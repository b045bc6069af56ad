import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goModCataloger } from '../../../../src/sbom/catalog/golang/go-mod.js';
import { MemoryResolver, runCataloger, type CatalogRun } from '../memory-resolver.js';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures/catalog/lockfiles/gomod');

/** What `go mod edit -json` printed for each fixture (see fixtures/catalog/README.md). */
interface GoModEditJson {
  Module?: { Path: string };
  Go?: string;
  Toolchain?: string;
  Require: Array<{ Path: string; Version: string; Indirect?: boolean }> | null;
  Exclude: Array<{ Path: string; Version: string }> | null;
  Replace: Array<{ Old: { Path: string; Version?: string }; New: { Path: string; Version?: string } }> | null;
  Retract: Array<{ Low: string; High: string; Rationale?: string }> | null;
}

const CASES = [
  { tree: 'cli', sum: true, replaced: 1, local: 0, excluded: 0, retracted: 0 },
  { tree: 'containerd', sum: false, replaced: 0, local: 0, excluded: 2, retracted: 0 },
  { tree: 'sigstore-kms-aws', sum: true, replaced: 1, local: 1, excluded: 0, retracted: 1 },
] as const;

/**
 * The oracle, apart from the cataloger: every requirement the go command read, mapped through
 * the replace that applies to it (an exact version first, then a replace of every version); a
 * directory replacement keeps the required path and drops the version.
 */
function expectedModules(json: GoModEditJson): Array<{ label: string; indirect: boolean; replaced: boolean }> {
  return (json.Require ?? []).map((requirement) => {
    const replace =
      (json.Replace ?? []).find((r) => r.Old.Path === requirement.Path && r.Old.Version === requirement.Version) ??
      (json.Replace ?? []).find((r) => r.Old.Path === requirement.Path && r.Old.Version === undefined);
    const label = replace === undefined ? `${requirement.Path}@${requirement.Version}` : replace.New.Version === undefined ? `${requirement.Path}@` : `${replace.New.Path}@${replace.New.Version}`;
    return { label, indirect: requirement.Indirect === true, replaced: replace !== undefined };
  });
}

/** `h1:` hashes of module zips, read from go.sum with a plain split. */
function sums(tree: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(join(FIXTURES, tree, 'go.sum'), 'utf8').split('\n')) {
    const [path, version, hash] = line.split(' ');
    if (hash !== undefined && !version?.endsWith('/go.mod')) out.set(`${path}@${version}`, hash);
  }
  return out;
}

const label = (p: { name: string; version: string }) => `${p.name}@${p.version}`;

describe.each(CASES)('go-mod on $tree', ({ tree, sum, replaced, local, excluded, retracted }) => {
  const json = JSON.parse(readFileSync(join(FIXTURES, `${tree}.go-mod-edit.json`), 'utf8')) as GoModEditJson;
  const load = async (): Promise<CatalogRun> => runCataloger(goModCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, tree)));

  it('reports the modules go.mod requires, after its replace directives, and nothing else', async () => {
    const run = await load();
    const oracle = expectedModules(json);
    expect(run.warnings).toEqual([]);
    expect(run.packages.map(label).sort()).toEqual([...new Set(oracle.map((m) => m.label))].sort());
    expect(run.packages.length).toBeGreaterThan(10);
    expect(oracle.filter((m) => m.replaced)).toHaveLength(replaced);
    expect(run.packages.filter((p) => p.metadata.replaces !== undefined)).toHaveLength(replaced);
    expect(run.packages.filter((p) => p.metadata.replacementPath !== undefined)).toHaveLength(local);
    // the fixtures cover the directives that change nothing in the list, too
    expect(json.Exclude ?? []).toHaveLength(excluded);
    expect(json.Retract ?? []).toHaveLength(retracted);
    for (const pkg of run.packages) {
      expect(pkg.type).toBe('go');
      expect(pkg.locations).toEqual([{ path: '/go.mod' }]);
      const oracleEntry = oracle.find((m) => m.label === label(pkg));
      expect(pkg.metadata.indirect === 'true').toBe(oracleEntry?.indirect);
    }
  });

  it('makes the module the project, depending on its direct requirements', async () => {
    const run = await load();
    const module = json.Module?.Path as string;
    expect(run.projects).toEqual([{ ref: '/go.mod#project', name: module, purl: `pkg:golang/${module}`, locations: [{ path: '/go.mod' }] }]);
    const direct = expectedModules(json).filter((m) => !m.indirect).map((m) => m.label);
    const byRef = new Map(run.packages.map((p) => [p.ref, p]));
    expect(run.relationships.every((r) => r.from === '/go.mod#project' && r.type === 'depends-on')).toBe(true);
    expect(run.relationships.map((r) => label(byRef.get(r.to) as { name: string; version: string })).sort()).toEqual([...new Set(direct)].sort());
    expect(run.packages.some((p) => p.name === 'stdlib')).toBe(false);
  });

  it(sum ? 'takes each module zip hash from go.sum' : 'has no hashes without a go.sum', async () => {
    const run = await load();
    if (!sum) {
      expect(run.packages.filter((p) => p.metadata.h1Digest !== undefined)).toEqual([]);
      return;
    }
    const hashes = sums(tree);
    let hashed = 0;
    for (const pkg of run.packages) {
      expect(pkg.metadata.h1Digest).toBe(hashes.get(label(pkg)));
      if (pkg.metadata.h1Digest !== undefined) hashed++;
    }
    expect(hashed).toBeGreaterThan(run.packages.length / 2);
  });
});

describe('go-mod on real files, details', () => {
  it('names the replacement for a module replaced by another (cli)', async () => {
    const run = runCataloger(goModCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, 'cli')));
    const replacement = run.packages.find((p) => p.metadata.replaces?.startsWith('github.com/rogpeppe/go-internal@'));
    expect(replacement?.purl).toBe('pkg:golang/github.com/cli/go-internal@v0.0.0-20241024130215-fa3c22e38b9b');
    expect(replacement?.metadata.h1Digest).toMatch(/^h1:/);
    expect(run.packages.some((p) => p.name === 'github.com/rogpeppe/go-internal')).toBe(false);
  });

  it('keeps the path of a module replaced by a directory, without a version (sigstore-kms-aws)', async () => {
    const run = runCataloger(goModCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, 'sigstore-kms-aws')));
    const local = run.packages.find((p) => p.metadata.replacementPath !== undefined);
    expect(local).toMatchObject({ name: 'github.com/sigstore/sigstore', version: '', purl: 'pkg:golang/github.com/sigstore/sigstore', metadata: { replacementPath: '../../../../' } });
    expect(local?.metadata.h1Digest).toBeUndefined();
  });

  it('reads go.sum only from beside each go.mod, and skips vendored go.mod files', async () => {
    const goMod = readFileSync(join(FIXTURES, 'cli/go.mod'));
    const goSum = readFileSync(join(FIXTURES, 'cli/go.sum'));
    const resolver = new MemoryResolver({ '/src/app/go.mod': goMod, '/src/go.sum': goSum, '/src/app/vendor/x/go.mod': goMod });
    const run = runCataloger(goModCataloger, resolver);
    expect(run.files).toEqual(['/src/app/go.mod']);
    expect(run.packages.every((p) => p.metadata.h1Digest === undefined)).toBe(true);
    expect(run.warnings).toEqual([]);
  });
});

describe('go-mod on written go.mod files', () => {
  const run = (goMod: string, goSum?: string) => runCataloger(goModCataloger, new MemoryResolver({ '/m/go.mod': goMod, ...(goSum === undefined ? {} : { '/m/go.sum': goSum }) }));

  it('reads single-line and block forms, quoted paths, comments and indirect marks', () => {
    const result = run(
      [
        '// leading comment',
        'module "example.com/m" // the module',
        'go 1.22.0',
        'toolchain go1.22.3',
        'godebug default=go1.21',
        'require example.com/a v1.0.0',
        'require (',
        '\t"example.com/b" v1.2.0 // indirect',
        '\t`example.com/c` v0.0.0-20240101000000-abcdefabcdef // indirect; used by tests',
        '\texample.com/d v2.0.0+incompatible //indirect',
        '\texample.com/e v1.0.0 // not indirect',
        ')',
        'tool example.com/a/cmd/gen',
        'exclude example.com/a v0.9.0',
        'retract [v0.1.0, v0.2.0] // published too early',
      ].join('\n'),
    );
    expect(result.warnings).toEqual([]);
    expect(result.packages.map((p) => `${p.name}@${p.version}${p.metadata.indirect === 'true' ? ' indirect' : ''}`)).toEqual([
      'example.com/a@v1.0.0',
      'example.com/b@v1.2.0 indirect',
      'example.com/c@v0.0.0-20240101000000-abcdefabcdef indirect',
      'example.com/d@v2.0.0+incompatible indirect',
      'example.com/e@v1.0.0',
    ]);
    expect(result.projects?.[0]?.name).toBe('example.com/m');
    expect(result.relationships.map((r) => r.to)).toEqual(['/m/go.mod#pkg:golang/example.com/a@v1.0.0', '/m/go.mod#pkg:golang/example.com/e@v1.0.0']);
  });

  it('prefers a replace of the exact version to one of every version, and ignores replaces of modules not required', () => {
    const result = run(
      [
        'module example.com/m',
        'require (',
        '\texample.com/a v1.0.0',
        '\texample.com/b v1.1.0',
        ')',
        'replace example.com/a => example.com/fork-any v1.5.0',
        'replace example.com/a v1.0.0 => example.com/fork-exact v1.0.1',
        'replace example.com/b v1.0.0 => example.com/not-this v9.0.0',
        'replace example.com/unused => ../unused',
      ].join('\n'),
      'example.com/fork-exact v1.0.1 h1:exact=\nexample.com/fork-exact v1.0.1/go.mod h1:gomod=\n',
    );
    expect(result.packages.map((p) => [p.purl, p.metadata.replaces, p.metadata.h1Digest])).toEqual([
      ['pkg:golang/example.com/fork-exact@v1.0.1', 'example.com/a@v1.0.0', 'h1:exact='],
      ['pkg:golang/example.com/b@v1.1.0', undefined, undefined],
    ]);
  });

  it('warns about lines the go command would reject and keeps the rest', () => {
    const result = run(
      [
        'module example.com/m',
        'require example.com/ok v1.0.0',
        'require example.com/short v1.2',
        'require example.com/noversion',
        'replace example.com/x => example.com/y',
        'frobnicate all',
        'require "example.com/open v1.0.0',
        'require (',
        '\texample.com/in-open-block v1.0.0',
      ].join('\n'),
      'garbage line\nexample.com/ok v1.0.0 h1:ok=\n',
    );
    expect(result.packages.map((p) => `${p.name}@${p.version}`)).toEqual(['example.com/ok@v1.0.0', 'example.com/in-open-block@v1.0.0']);
    expect(result.packages[0]?.metadata.h1Digest).toBe('h1:ok=');
    const messages = result.warnings.map((w) => w.message).join('\n');
    // lines of a go.mod that was read are entries left out; a go.sum line is no package
    expect(result.warnings.map((w) => [w.code, w.path])).toEqual([
      ['PACKAGE_SKIPPED', '/m/go.mod'],
      ['METADATA_UNPARSABLE', '/m/go.sum'],
    ]);
    expect(messages).toContain('line 3: require: example.com/short: invalid version "v1.2"');
    expect(messages).toContain('and 3 more');
    expect(messages).toContain('1 malformed go.sum lines skipped');
    expect(result.warnings.find((w) => w.message.includes('go.sum'))?.path).toBe('/m/go.sum');
  });

  it('names a go.mod without a module directive after its folder, with a warning', () => {
    const result = run('require example.com/a v1.0.0\n');
    expect(result.projects).toEqual([{ ref: '/m/go.mod#project', name: 'm', locations: [{ path: '/m/go.mod' }] }]);
    expect(result.warnings.map((w) => w.message)).toEqual(['go.mod has no module directive; the project is named after its folder']);
  });

  it('reports a module both required and excluded as required, with a warning', () => {
    const result = run('module example.com/m\nrequire example.com/a v1.0.0\nexclude example.com/a v1.0.0\n');
    expect(result.packages.map((p) => p.purl)).toEqual(['pkg:golang/example.com/a@v1.0.0']);
    expect(result.warnings[0]?.message).toContain('both required and excluded');
  });

  it('reads binary garbage without throwing', () => {
    const result = runCataloger(goModCataloger, new MemoryResolver({ '/m/go.mod': Buffer.from([0, 1, 2, 0xff, 0x22, 0x0a, 0x28]) }));
    expect(result.packages).toEqual([]);
    expect(result.warnings.length).toBeGreaterThan(0);
  });
});
