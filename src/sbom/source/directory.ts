/**
 * Directory and single-lockfile sources. A directory is walked without following links (links
 * are recorded and resolved later against the given root, never the host's `/`); only regular
 * files a cataloger wants are read, so FIFOs and device files are never opened.
 * @module
 */
import { constants, type Dirent, type Stats } from 'node:fs';
import { lstat, open, opendir, readlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SourceError, throwIfAborted } from '../../errors.js';
import { LayeredTree, type Entry } from './layered-tree.js';
import type { ScanOptions, ScannedSource } from './scanned-source.js';

// When scanning a whole host root, kernel and device trees are not part of the filesystem.
const HOST_PSEUDO_DIRS = new Set(['proc', 'sys', 'dev']);
const READ_CONCURRENCY = 16;
const FETCH_MAX_BYTES = 64 * 1024 * 1024;

/** Reads at most `max` bytes + 1 of a regular file, refusing links and special files. */
async function readRegular(path: string, max: number): Promise<Buffer | 'too-large' | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    if (info.size > max) return 'too-large';
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(Math.max(info.size - total, 64 * 1024), max + 1 - total));
      if (chunk.length === 0) return 'too-large';
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > max) return 'too-large';
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

async function statRoot(root: string): Promise<Stats> {
  try {
    return await lstat(root);
  } catch (error) {
    throw new SourceError('SOURCE_NOT_FOUND', `${root} does not exist or cannot be read`, { cause: error, details: { path: root } });
  }
}

/** Scans a directory (a root filesystem or a project). */
export async function scanDirectory(path: string, options: ScanOptions): Promise<ScannedSource> {
  const root = resolve(path);
  const info = await statRoot(root);
  if (!info.isDirectory()) throw new SourceError('SOURCE_UNRECOGNIZED', `${path} is not a directory`, { details: { path } });
  const tree = new LayeredTree([undefined], options.wants, options.limits);
  await walk(root, tree, options);
  return {
    kind: 'directory',
    description: { kind: 'directory', scheme: 'dir', location: path, name: basename(root) || '/', layers: [] },
    tree,
    fetchMissing: () => fetchFromDisk(root, tree),
    close: async () => undefined,
  };
}

async function walk(root: string, tree: LayeredTree, options: ScanOptions): Promise<void> {
  const pending: string[] = [''];
  const reads: Array<Promise<void>> = [];
  let filesSeen = 0;
  const flush = async () => {
    await Promise.all(reads);
    reads.length = 0;
  };
  while (pending.length > 0) {
    throwIfAborted(options.signal);
    const relDir = pending.pop() as string;
    let dir;
    try {
      dir = await opendir(join(root, relDir), { bufferSize: 256 });
    } catch (error) {
      if (relDir === '') throw new SourceError('SOURCE_NOT_FOUND', `cannot read ${root}`, { cause: error });
      tree.warn('PATH_UNREADABLE', `cannot read directory /${relDir}: ${(error as NodeJS.ErrnoException).code ?? error}`, relDir);
      continue;
    }
    for await (const dirent of dir) {
      const rel = relDir === '' ? dirent.name : `${relDir}/${dirent.name}`;
      if (relDir === '' && root === '/' && HOST_PSEUDO_DIRS.has(dirent.name)) continue;
      filesSeen++;
      const entry = await toEntry(root, rel, dirent, tree);
      if (entry === undefined) continue;
      if (entry.type === 'directory') pending.push(rel);
      const max = tree.record(0, entry);
      if (max !== undefined) {
        reads.push(
          readRegular(join(root, rel), max).then((content) => {
            if (content === 'too-large') tree.warn('FILE_TOO_LARGE', `skipped /${rel}: over the ${max}-byte limit`, rel);
            else if (content !== undefined) tree.capture(0, rel, content);
          }),
        );
        if (reads.length >= READ_CONCURRENCY) await flush();
      }
    }
    if (filesSeen % 4096 < 256) options.onProgress?.({ phase: 'directory', filesSeen });
  }
  await flush();
}

async function toEntry(root: string, rel: string, dirent: Dirent, tree: LayeredTree): Promise<Entry | undefined> {
  if (dirent.isDirectory()) return { path: rel, type: 'directory', size: 0 };
  if (dirent.isSymbolicLink()) {
    try {
      return { path: rel, type: 'symlink', size: 0, linkTarget: await readlink(join(root, rel)) };
    } catch {
      return undefined;
    }
  }
  if (!dirent.isFile()) return { path: rel, type: 'other', size: 0 };
  // Only wanted files need their size; the rest are never opened.
  if (tree.wants(rel) === undefined) return { path: rel, type: 'file', size: 0 };
  try {
    return { path: rel, type: 'file', size: (await lstat(join(root, rel))).size };
  } catch {
    return undefined;
  }
}

/** Reads link targets the views asked for straight from disk; every link on the way was recorded. */
async function fetchFromDisk(root: string, tree: LayeredTree): Promise<boolean> {
  if (tree.missing.size === 0) return false;
  const wanted = [...tree.missing];
  tree.missing.clear();
  for (const rel of wanted) {
    const content = await readRegular(join(root, rel), FETCH_MAX_BYTES);
    if (content === 'too-large') tree.warn('FILE_TOO_LARGE', `skipped /${rel}: over the ${FETCH_MAX_BYTES}-byte limit`, rel);
    else if (content !== undefined) tree.capture(0, rel, content);
    tree.searched.add(rel);
  }
  return true;
}

/** Largest lockfile read; real ones reach tens of megabytes. */
const LOCKFILE_MAX_BYTES = 256 * 1024 * 1024;

/** A single lockfile: a tree holding just that file, at the root. */
export async function scanLockfile(path: string, options: ScanOptions): Promise<ScannedSource> {
  const info = await statRoot(path);
  if (!info.isFile()) throw new SourceError('SOURCE_UNRECOGNIZED', `${path} is not a regular file`, { details: { path } });
  const name = basename(path);
  const content = await readRegular(resolve(path), LOCKFILE_MAX_BYTES);
  if (content === undefined) throw new SourceError('SOURCE_NOT_FOUND', `cannot read ${path}`, { details: { path } });
  if (content === 'too-large') {
    throw new SourceError('LIMIT_EXCEEDED', `${path} is larger than ${LOCKFILE_MAX_BYTES} bytes`, { details: { path } });
  }
  const tree = new LayeredTree([undefined], (rel) => (rel === name ? LOCKFILE_MAX_BYTES : undefined), options.limits);
  tree.record(0, { path: name, type: 'file', size: content.length });
  tree.capture(0, name, content);
  return {
    kind: 'lockfile',
    description: { kind: 'lockfile', scheme: 'lockfile', location: path, name: basename(dirname(resolve(path))) || name, layers: [] },
    tree,
    fetchMissing: async () => false,
    close: async () => undefined,
  };
}
