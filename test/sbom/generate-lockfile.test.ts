import { execFileSync } from 'node:child_process';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogResult, Cataloger, PackageDraft } from '../../src/sbom/catalog/cataloger.js';
import { yarnLockCataloger } from '../../src/sbom/catalog/javascript/yarn-lock.js';
import { generateSbomWith } from '../../src/sbom/generate.js';
import type { Sbom } from '../../src/sbom/model.js';
import { ociLayoutFiles, tempDir, writeTar } from '../support/image-builder.js';

/**
 * A lockfile format that exists only in this file, `*.testlock`: JSON `{ packages: [[name,
 * version, dev?]], deps: [[from, to, type]] }` where `from` may be `project`. The project is named
 * by `manifest.json` beside the lockfile, read through the resolver as a real cataloger reads a
 * `package.json` or `go.sum`; `include` names another lockfile beside it whose packages it adds.
 */
const testLockCataloger: Cataloger = {
  name: 'test-lock',
  sources: ['image', 'directory', 'lockfile'],
  patterns: ['**/*.testlock'],
  related: ['**/manifest.json', '**/*.testlock'],
  parse(files, context) {
    const result: Required<CatalogResult> = { packages: [], relationships: [], projects: [] };
    for (const file of files) {
      const folder = file.path.slice(0, file.path.lastIndexOf('/'));
      const lock = JSON.parse(file.content.toString('utf8')) as { packages: Array<[string, string, boolean?]>; deps?: Array<[string, string, string]>; include?: string };
      const manifest = context.resolver.read(`${folder}/manifest.json`);
      const name = manifest === undefined ? '(unnamed)' : (JSON.parse(manifest.toString('utf8')) as { name: string }).name;
      const projectRef = `${file.path}#project`;
      result.projects.push({ ref: projectRef, name, ...(manifest ? { purl: `pkg:npm/${name}@1.0.0`, version: '1.0.0' } : {}), locations: [{ path: file.path }] });
      const included = lock.include === undefined ? undefined : context.resolver.read(`${folder}/${lock.include}`);
      const more = included === undefined ? [] : (JSON.parse(included.toString('utf8')) as typeof lock).packages;
      for (const [pkgName, version, dev] of [...lock.packages, ...more]) {
        const draft: PackageDraft = { ref: `${file.path}#${pkgName}`, name: pkgName, version, type: 'npm', purl: `pkg:npm/${pkgName}@${version}`, licenses: [], metadata: {}, locations: [{ path: file.path }] };
        if (dev === true) draft.dev = true;
        result.packages.push(draft);
      }
      for (const [from, to, type] of lock.deps ?? []) {
        result.relationships.push({ from: from === 'project' ? projectRef : `${file.path}#${from}`, to: `${file.path}#${to}`, type: type as 'depends-on' });
      }
    }
    return result;
  },
};

const LOCK = {
  packages: [
    ['app-lib', '1.0.0'],
    ['shared', '2.0.0'],
    ['test-runner', '3.0.0', true],
    ['test-helper', '4.0.0', true],
  ],
  deps: [
    ['project', 'app-lib', 'depends-on'],
    ['project', 'test-runner', 'dev-depends-on'],
    ['app-lib', 'shared', 'depends-on'],
    ['test-runner', 'test-helper', 'depends-on'],
    ['test-runner', 'shared', 'depends-on'],
  ],
};

const ids = (sbom: Sbom) => sbom.packages.map((p) => p.id);

describe('generateSbom on lockfiles: projects, dev packages, files beside the lockfile', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir();
    await mkdir(join(root, 'app/nested'), { recursive: true });
    await writeFile(join(root, 'app/deps.testlock'), JSON.stringify(LOCK));
    await writeFile(join(root, 'app/manifest.json'), JSON.stringify({ name: 'my-app' }));
    await writeFile(join(root, 'app/extra.testlock'), JSON.stringify({ packages: [['extra', '1.0.0']] }));
    await writeFile(join(root, 'app/with-include.testlock'), JSON.stringify({ packages: [['own', '1.0.0']], include: 'extra.testlock' }));
    // below the lockfile's folder: never part of a lockfile source
    await writeFile(join(root, 'app/nested/manifest.json'), JSON.stringify({ name: 'nested' }));
    await mkdir(join(root, 'bare'));
    await writeFile(join(root, 'bare/deps.testlock'), JSON.stringify(LOCK));
    await mkdir(join(root, 'odd'));
    await writeFile(join(root, 'odd/deps.testlock'), JSON.stringify(LOCK));
    // a FIFO and a link where the manifest would be: neither is opened or followed
    execFileSync('mkfifo', [join(root, 'odd/manifest.json')]);
    await writeFile(join(root, 'odd/elsewhere.json'), JSON.stringify({ name: 'through-a-link' }));
    await symlink(join(root, 'odd/elsewhere.json'), join(root, 'odd/linked.testlock'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lockfile: gives the project, named by the manifest beside the lockfile, and its packages with dev marks', async () => {
    const sbom = await generateSbomWith([testLockCataloger], `lockfile:${join(root, 'app/deps.testlock')}`, { timestamp: 0 });
    expect(sbom.source).toMatchObject({ kind: 'lockfile', name: 'app' });
    expect(sbom.projects).toEqual([{ id: 'project:pkg:npm/my-app@1.0.0', name: 'my-app', version: '1.0.0', purl: 'pkg:npm/my-app@1.0.0', locations: [{ path: '/deps.testlock' }] }]);
    expect(sbom.packages.map((p) => [p.name, p.dev])).toEqual([
      ['app-lib', undefined],
      ['shared', undefined],
      ['test-helper', true],
      ['test-runner', true],
    ]);
    expect(sbom.relationships).toContainEqual({ from: 'project:pkg:npm/my-app@1.0.0', to: 'pkg:npm/test-runner@3.0.0', type: 'dev-depends-on' });
    expect(sbom.relationships).toHaveLength(5);
    expect(sbom.warnings).toEqual([]);
  });

  it('excludeDev leaves out the dev packages and every relationship touching them, and says nothing', async () => {
    const sbom = await generateSbomWith([testLockCataloger], `lockfile:${join(root, 'app/deps.testlock')}`, { timestamp: 0, excludeDev: true });
    expect(ids(sbom)).toEqual(['pkg:npm/app-lib@1.0.0', 'pkg:npm/shared@2.0.0']);
    expect(sbom.relationships).toEqual([
      { from: 'pkg:npm/app-lib@1.0.0', to: 'pkg:npm/shared@2.0.0', type: 'depends-on' },
      { from: 'project:pkg:npm/my-app@1.0.0', to: 'pkg:npm/app-lib@1.0.0', type: 'depends-on' },
    ]);
    expect(sbom.projects).toHaveLength(1);
    expect(sbom.warnings).toEqual([]);
  });

  it('parses only the lockfile named: the other lockfile beside it is read only through the resolver', async () => {
    const sbom = await generateSbomWith([testLockCataloger], `lockfile:${join(root, 'app/with-include.testlock')}`, { timestamp: 0 });
    expect(ids(sbom)).toEqual(['pkg:npm/extra@1.0.0', 'pkg:npm/own@1.0.0']);
    expect(sbom.projects?.map((p) => p.locations)).toEqual([[{ path: '/with-include.testlock' }]]);
  });

  it('a lockfile with nothing beside it, or with a FIFO there, still gives its packages', async () => {
    const bare = await generateSbomWith([testLockCataloger], `lockfile:${join(root, 'bare/deps.testlock')}`, { timestamp: 0 });
    expect(bare.projects?.map((p) => [p.id, p.name])).toEqual([['project:/#(unnamed)', '(unnamed)']]);
    expect(bare.packages).toHaveLength(4);
    const odd = await generateSbomWith([testLockCataloger], `lockfile:${join(root, 'odd/deps.testlock')}`, { timestamp: 0 });
    expect(odd.projects?.map((p) => p.name)).toEqual(['(unnamed)']);
    expect(odd.packages).toHaveLength(4);
  });

  it('a file beside the lockfile over the size limit is skipped with a warning', async () => {
    const sbom = await generateSbomWith([testLockCataloger], `lockfile:${join(root, 'app/deps.testlock')}`, { timestamp: 0, limits: { maxFileSize: 10 } });
    expect(sbom.projects?.map((p) => p.name)).toEqual(['(unnamed)']);
    expect(sbom.warnings.map((w) => [w.code, w.path])).toContainEqual(['FILE_TOO_LARGE', '/manifest.json']);
  });

  it('a file that no selected cataloger parses is SOURCE_UNRECOGNIZED, not an empty SBOM', async () => {
    await expect(generateSbomWith([testLockCataloger], `lockfile:${join(root, 'app/manifest.json')}`)).rejects.toMatchObject({ code: 'SOURCE_UNRECOGNIZED' });
  });

  it('dir: catalogs every lockfile it holds: one SBOM, a project per folder, each package with every location', async () => {
    const sbom = await generateSbomWith([testLockCataloger], `dir:${root}`, { timestamp: 0 });
    expect(sbom.projects?.map((p) => [p.id, p.name, p.locations.map((l) => l.path)])).toEqual([
      ['project:/bare#(unnamed)', '(unnamed)', ['/bare/deps.testlock']],
      ['project:/odd#(unnamed)', '(unnamed)', ['/odd/deps.testlock']],
      ['project:pkg:npm/my-app@1.0.0', 'my-app', ['/app/deps.testlock', '/app/extra.testlock', '/app/with-include.testlock']],
    ]);
    const shared = sbom.packages.find((p) => p.name === 'shared');
    expect(shared?.locations.map((l) => l.path)).toEqual(['/app/deps.testlock', '/bare/deps.testlock', '/odd/deps.testlock']);
    const excluded = await generateSbomWith([testLockCataloger], `dir:${root}`, { timestamp: 0, excludeDev: true });
    expect(excluded.packages.filter((p) => p.name.startsWith('test-'))).toEqual([]);
    for (const r of excluded.relationships) expect(ids(excluded)).toContain(r.to);
  });

  it('in an image, a project keeps the layer that introduced it', async () => {
    const dir = await tempDir();
    try {
      const lock = JSON.stringify({ packages: [['a', '1.0.0']] });
      const archive = await writeTar(
        join(dir, 'image.tar'),
        await ociLayoutFiles([
          {
            layers: [
              { entries: [{ path: 'srv/one/deps.testlock', content: lock }] },
              { entries: [{ path: 'srv/two/deps.testlock', content: lock }, { path: 'srv/one/unrelated', content: 'x' }] },
            ],
          },
        ]),
      );
      const sbom = await generateSbomWith([testLockCataloger], `oci-archive:${archive}`, { timestamp: 0 });
      const [first, second] = sbom.source.layers.map((l) => l.diffID);
      expect(sbom.projects?.map((p) => [p.id, p.locations])).toEqual([
        ['project:/srv/one#(unnamed)', [{ path: '/srv/one/deps.testlock', layer: first }]],
        ['project:/srv/two#(unnamed)', [{ path: '/srv/two/deps.testlock', layer: second }]],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('generateSbom on real lockfiles', () => {
  it('lockfile:yarn.lock reads the package.json beside it: the root project and its direct dependencies, as the directory gives them', async () => {
    const registry = [yarnLockCataloger];
    const lock = await generateSbomWith(registry, 'lockfile:fixtures/catalog/javascript/yarn-v1/yarn.lock', { timestamp: 0 });
    const dir = await generateSbomWith(registry, 'dir:fixtures/catalog/javascript/yarn-v1', { timestamp: 0 });
    const root = dir.projects?.find((p) => p.name === 'lockfile-fixture');
    expect(root).toBeDefined();
    expect(lock.projects?.map((p) => p.id)).toContain(root?.id);
    const direct = (sbom: Sbom) => sbom.relationships.filter((r) => r.from === root?.id);
    expect(direct(lock).length).toBeGreaterThan(3);
    expect(direct(lock)).toEqual(direct(dir));
  });
});
