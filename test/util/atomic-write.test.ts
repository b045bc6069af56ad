import { chmod, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/util/atomic-write.js';
import { tempDir } from '../support/image-builder.js';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces a file whole and leaves no temporary file', async () => {
    const path = join(dir, 'out.json');
    await writeFile(path, 'old');
    await writeFileAtomic(path, 'new content');
    expect(await readFile(path, 'utf8')).toBe('new content');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('writes through a symlink and keeps the link', async () => {
    const target = join(dir, 'real.json');
    const link = join(dir, 'link.json');
    await writeFile(target, 'old');
    await symlink(target, link);
    await writeFileAtomic(link, 'via link');
    expect(await readFile(target, 'utf8')).toBe('via link');
    expect(await readFile(link, 'utf8')).toBe('via link');
  });

  it('writes into /dev/null without replacing it', async () => {
    await writeFileAtomic('/dev/null', 'discarded');
    const { lstat } = await import('node:fs/promises');
    expect((await lstat('/dev/null')).isCharacterDevice()).toBe(true);
  });

  it('fails with OUTPUT_WRITE_FAILED and no partial file when the directory is missing or read-only', async () => {
    await expect(writeFileAtomic(join(dir, 'missing', 'x.json'), 'x')).rejects.toMatchObject({ code: 'OUTPUT_WRITE_FAILED' });
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked');
      await mkdir(locked);
      await chmod(locked, 0o500);
      await expect(writeFileAtomic(join(locked, 'x.json'), 'x')).rejects.toMatchObject({ code: 'OUTPUT_WRITE_FAILED' });
      expect(await readdir(locked)).toEqual([]);
    }
  });
});
