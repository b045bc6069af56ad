import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLockfileName, openSource } from '../../../src/sbom/source/open-source.js';
import { Selection } from '../../../src/sbom/source/selection.js';
import { TreeView } from '../../../src/sbom/source/tree-view.js';
import { tempDir } from '../../support/image-builder.js';

const selectionFor = () => new Selection().addPattern('**/go.mod', 4096, false).addPattern('**/requirements*.txt', 4096, false);
const lockfile = {
  maxRelatedSize: 4096,
  relatedTo: (name: string) => (name === 'go.mod' ? ['**/go.sum', '**/*.csproj'] : /^requirements.*\.txt$/.test(name) ? [] : undefined),
};
const scan = (source: string) => openSource(source, { platform: 'linux/amd64', selectionFor, lockfile });

describe('lockfile sources', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir();
    await mkdir(join(root, 'mod/sub'), { recursive: true });
    await writeFile(join(root, 'mod/go.mod'), 'module example.com/m\n');
    await writeFile(join(root, 'mod/go.sum'), 'example.com/x v1.0.0 h1:abc=\n');
    await writeFile(join(root, 'mod/App.csproj'), '<Project/>');
    await writeFile(join(root, 'mod/README.md'), 'not read');
    await writeFile(join(root, 'mod/sub/go.sum'), 'below: not read\n');
    await writeFile(join(root, 'mod/requirements-dev.txt'), 'pytest==8.0.0\n');
    await writeFile(join(root, 'mod/notes.txt'), 'x\n');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('hold the lockfile and the files beside it that its catalogers read, nothing below or unrelated', async () => {
    const scanned = await scan(`lockfile:${join(root, 'mod/go.mod')}`);
    const view = new TreeView(scanned.tree, 0);
    expect(view.glob('**').map((f) => f.path)).toEqual(['/App.csproj', '/go.mod', '/go.sum']);
    expect(view.read('/go.sum')?.toString()).toBe('example.com/x v1.0.0 h1:abc=\n');
    expect(scanned.description).toMatchObject({ kind: 'lockfile', scheme: 'lockfile', name: 'mod' });
  });

  it('detect requirements*.txt by pattern for a bare path, and refuse a file no cataloger parses', async () => {
    expect(['requirements.txt', 'requirements-dev.txt', 'dev-requirements.txt', 'requirements.lock.txt', 'package-lock.json'].map(isLockfileName)).toEqual([true, true, true, true, true]);
    expect(['notes.txt', 'requirements.in', 'requirements.txt.bak'].map(isLockfileName)).toEqual([false, false, false]);
    const bare = await scan(join(root, 'mod/requirements-dev.txt'));
    expect(bare.kind).toBe('lockfile');
    expect(new TreeView(bare.tree, 0).glob('**').map((f) => f.path)).toEqual(['/requirements-dev.txt']);
    await expect(scan(join(root, 'mod/notes.txt'))).rejects.toMatchObject({ code: 'SOURCE_UNRECOGNIZED' });
    await expect(scan(`lockfile:${join(root, 'mod/notes.txt')}`)).rejects.toMatchObject({ code: 'SOURCE_UNRECOGNIZED' });
  });
});
