import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, open, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from '../../../src/sbom/source/open-source.js';
import { Selection } from '../../../src/sbom/source/selection.js';
import { TreeView } from '../../../src/sbom/source/tree-view.js';
import { ELF_MAGIC, executableLike, tempDir } from '../../support/image-builder.js';

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

describe('directory sources: files chosen by content, read in place', () => {
  const TAG = 'probe';
  const chosen = { matches: () => false, tag: TAG, randomAccess: true };
  const BIG = 8 * 1024 * 1024 * 1024;
  let root: string;
  beforeAll(async () => {
    root = await tempDir();
    await mkdir(join(root, 'bin'));
    await mkdir(join(root, 'lib'));
    await writeFile(join(root, 'bin/tool'), executableLike(3000, 'tool@1'));
    await writeFile(join(root, 'lib/odd name.so'), executableLike(500, 'odd@1'));
    await writeFile(join(root, 'lib/notes.txt'), 'not an executable\n');
    await symlink('tool', join(root, 'bin/tool-link'));
    await symlink('bin', join(root, 'linked-dir'));
    execFileSync('mkfifo', [join(root, 'bin/fifo')]);
    // sparse: 8 GiB that nothing may read whole
    await writeFile(join(root, 'big.bin'), executableLike(64, 'big'));
    await truncate(join(root, 'big.bin'), BIG);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function scanChosen() {
    return openSource(`dir:${root}`, {
      platform: 'linux/amd64',
      selectionFor: () => new Selection().addMagic(ELF_MAGIC, 16 * 1024 * 1024 * 1024, true, TAG),
      limits: { maxTotalBytes: 1 << 30, maxRecords: 1000, spillThreshold: 1024, maxRandomAccessMemory: 1 << 20, maxSpillBytes: 0 },
    });
  }

  it('chooses regular files by their first bytes, under any name, never through links or special files', async () => {
    const scanned = await scanChosen();
    const files = new TreeView(scanned.tree, 0).files(chosen);
    expect(files.map((f) => f.path)).toEqual(['/big.bin', '/bin/tool', '/lib/odd name.so']);
    expect(files.map((f) => f.reader?.read(4, 8).toString().trim())).toEqual(['big', 'tool@1', 'odd@1']);
    expect(scanned.tree.warnings).toEqual([]);
    await scanned.close();
  });

  it('reads a large file where it is, without copying it, and a small one from memory', async () => {
    const before = readdirSync('/proc/self/fd').length;
    const scanned = await scanChosen();
    const files = new TreeView(scanned.tree, 0).files(chosen);
    const big = files.find((f) => f.path === '/big.bin')!.reader!;
    expect(big.size).toBe(BIG);
    expect(big.read(BIG - 16, 64)).toEqual(Buffer.alloc(16));
    const tool = files.find((f) => f.path === '/bin/tool')!.reader!;
    const odd = files.find((f) => f.path === '/lib/odd name.so')!.reader!;
    // change both files on disk after the scan: only the one read in place shows it
    for (const name of ['bin/tool', 'lib/odd name.so']) {
      const handle = await open(join(root, name), 'r+');
      await handle.write('CHANGED!', 4);
      await handle.close();
    }
    expect(tool.read(4, 8).toString()).toBe('CHANGED!');
    expect(odd.read(4, 8).toString()).toBe('odd@1   ');
    await scanned.close();
    expect(readdirSync('/proc/self/fd').length).toBe(before);
    await writeFile(join(root, 'bin/tool'), executableLike(3000, 'tool@1'));
    await writeFile(join(root, 'lib/odd name.so'), executableLike(500, 'odd@1'));
  });

  it('a file gone since the scan is a PATH_UNREADABLE error from its reader', async () => {
    const scanned = await scanChosen();
    const tool = new TreeView(scanned.tree, 0).files(chosen).find((f) => f.path === '/bin/tool')!.reader!;
    await rm(join(root, 'bin/tool'));
    try {
      expect(() => tool.read(0, 4)).toThrow(expect.objectContaining({ code: 'PATH_UNREADABLE' }));
    } finally {
      await writeFile(join(root, 'bin/tool'), executableLike(3000, 'tool@1'));
      await scanned.close();
    }
  });
});
