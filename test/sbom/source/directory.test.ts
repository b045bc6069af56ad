import { execFileSync } from 'node:child_process';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from '../../../src/sbom/source/open-source.js';
import { Selection } from '../../../src/sbom/source/selection.js';
import { TreeView } from '../../../src/sbom/source/tree-view.js';
import { tempDir } from '../../support/image-builder.js';

function selectionFor() {
  return new Selection()
    .addPattern('etc/os-release', 4096, false)
    .addPattern('usr/lib/os-release', 4096, false)
    .addPattern('**/package.json', 64, false)
    .addPattern('**/package-lock.json', 4096, false);
}

const scan = (source: string) => openSource(source, { platform: 'linux/amd64', selectionFor });

describe('directory sources', () => {
  let root: string;
  let outside: string;
  beforeAll(async () => {
    root = await tempDir();
    outside = await tempDir('sealkit-outside-');
    await writeFile(join(outside, 'os-release'), 'ID=host-file-must-not-be-read\n');
    await mkdir(join(root, 'usr/lib'), { recursive: true });
    await mkdir(join(root, 'etc'));
    await mkdir(join(root, 'app/node_modules/a'), { recursive: true });
    await writeFile(join(root, 'usr/lib/os-release'), 'ID=inside\n');
    // absolute: must resolve inside the scanned root, not on the host
    await symlink('/usr/lib/os-release', join(root, 'etc/os-release'));
    await writeFile(join(root, 'app/node_modules/a/package.json'), '{"name":"a","version":"1.0.0"}');
    await symlink(join(outside, 'os-release'), join(root, 'app/escape'));
    await symlink('../../../../../../../../etc/passwd', join(root, 'app/climb'));
    await writeFile(join(root, 'app/node_modules/big.json'), '{}');
    await mkdir(join(root, 'app/node_modules/huge'));
    await writeFile(join(root, 'app/node_modules/huge/package.json'), JSON.stringify({ name: 'huge', pad: 'x'.repeat(200) }));
    execFileSync('mkfifo', [join(root, 'app/package.json')]);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('resolves absolute links against the scanned root and never opens a FIFO', async () => {
    const scanned = await scan(`dir:${root}`);
    const view = new TreeView(scanned.tree, 0);
    expect(scanned.description).toMatchObject({ kind: 'directory', scheme: 'dir', layers: [] });
    expect(view.read('/etc/os-release')?.toString()).toBe('ID=inside\n');
    expect(view.glob('**/package.json').map((f) => f.path)).toEqual(['/app/node_modules/a/package.json']);
    expect(scanned.tree.warnings).toMatchObject([{ code: 'FILE_TOO_LARGE', path: '/app/node_modules/huge/package.json' }]);
  });

  it('does not follow a link out of the root', async () => {
    const scanned = await scan(root);
    const view = new TreeView(scanned.tree, 0);
    // the absolute target is looked up inside the root, where it does not exist
    expect(view.resolve('/app/escape')).toBe(`${outside}/os-release`);
    expect(view.read('/app/escape')).toBeUndefined();
    await scanned.fetchMissing();
    expect(new TreeView(scanned.tree, 0).read('/app/escape')).toBeUndefined();
    expect(view.read('/app/climb')).toBeUndefined();
    expect(scanned.tree.warnings.map((w) => w.code)).toContain('LINK_NOT_FOLLOWED');
  });

  it('a lockfile source holds only that file', async () => {
    const lock = join(root, 'app', 'package-lock.json');
    await writeFile(lock, '{"lockfileVersion":3,"packages":{}}');
    const scanned = await scan(lock);
    expect(scanned.kind).toBe('lockfile');
    expect(new TreeView(scanned.tree, 0).glob('**/package-lock.json').map((f) => f.path)).toEqual(['/package-lock.json']);
    await expect(scan(`lockfile:${join(root, 'nope.json')}`)).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND' });
  });

  it('a missing directory is SOURCE_NOT_FOUND', async () => {
    await expect(scan(`dir:${join(root, 'missing')}`)).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND' });
  });
});
