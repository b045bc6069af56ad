/**
 * Directory and single-lockfile sources. A directory is walked without following links (links
 * are recorded and resolved later against the given root, never the host's `/`); only regular
 * files are opened, so FIFOs and device files never are: those a cataloger wants for their
 * path, and, when a cataloger selects files by content, every regular file for its first bytes.
 * A file a random-access cataloger reads is not copied when large: it is read in place later.
 * @module
 */
import { constants, type Dirent, type Stats } from 'node:fs';
import { lstat, open, opendir, readlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SourceError, throwIfAborted } from '../../errors.js';
import { Capturer } from './capture.js';
import { DescriptorPool, HostFile } from './external-file.js';
import { BY_CONTENT, LayeredTree, type Entry } from './layered-tree.js';
import type { ScanOptions, ScannedSource } from './scanned-source.js';
import { Selection, type Want } from './selection.js';

// When scanning a whole host root, kernel and device trees are not part of the filesystem.
const HOST_PSEUDO_DIRS = new Set(['proc', 'sys', 'dev']);
const READ_CONCURRENCY = 16;
const FETCH_MAX_BYTES = 64 * 1024 * 1024;

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const EMPTY = Buffer.alloc(0);

/** Reads at most `max` bytes + 1 of a regular file, refusing links and special files. */
async function readRegular(path: string, max: number): Promise<Buffer | 'too-large' | undefined> {
  let handle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch {
    return undefined;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    if (info.size > max) return 'too-large';
    return await readRest(handle, info.size, max, EMPTY);
  } finally {
    await handle.close();
  }
}

/**
 * Reads an open file to its end after the `head` already read, at most `max` bytes in all
 * (a file may grow while it is read).
 */
async function readRest(handle: FileHandle, size: number, max: number, head: Buffer): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = head.length > 0 ? [head] : [];
  let total = head.length;
  for (;;) {
    const chunk = Buffer.alloc(Math.min(Math.max(size - total, 64 * 1024), max + 1 - total));
    if (chunk.length === 0) return 'too-large';
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
    if (bytesRead === 0) break;
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
    if (total > max) return 'too-large';
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
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
  const tree = new LayeredTree([undefined], options.selection, options.limits);
  const pool = new DescriptorPool();
  const unreadable: Unreadable = { count: 0 };
  await walk(root, new Capturer(tree), pool, unreadable, options);
  if (unreadable.first !== undefined) {
    // One warning for them all: on a host root most are secrets no cataloger would have wanted.
    const others = unreadable.count > 1 ? ` and ${unreadable.count - 1} more` : '';
    tree.warn('PATH_UNREADABLE', `cannot read /${unreadable.first.path} (${unreadable.first.code})${others} to check their content`, unreadable.first.path);
  }
  return {
    kind: 'directory',
    description: { kind: 'directory', scheme: 'dir', location: path, name: basename(root) || '/', layers: [] },
    tree,
    fetchMissing: () => fetchFromDisk(root, tree),
    close: async () => pool.closeAll(),
  };
}

/** Regular files that could not be opened for their first bytes. */
interface Unreadable {
  count: number;
  first?: { path: string; code: string };
}

async function walk(root: string, capturer: Capturer, pool: DescriptorPool, unreadable: Unreadable, options: ScanOptions): Promise<void> {
  const { tree } = capturer;
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
      const entry = await toEntry(root, rel, dirent);
      if (entry === undefined) continue;
      if (entry.type === 'directory') pending.push(rel);
      const candidate = tree.record(0, entry);
      if (candidate !== undefined) {
        reads.push(captureFile(capturer, pool, join(root, rel), rel, candidate === BY_CONTENT ? undefined : candidate, unreadable));
        if (reads.length >= READ_CONCURRENCY) await flush();
      }
    }
    if (filesSeen % 4096 < 256) options.onProgress?.({ phase: 'directory', filesSeen });
  }
  await flush();
}

/**
 * Opens a regular file once: reads the first bytes content rules need, decides, then reads the
 * rest into memory or leaves the file to be read in place. A file that is not (or no longer) a
 * regular file is passed over.
 */
async function captureFile(
  capturer: Capturer,
  pool: DescriptorPool,
  hostPath: string,
  rel: string,
  pathWant: Want | undefined,
  unreadable: Unreadable,
): Promise<void> {
  const { tree } = capturer;
  let handle: FileHandle;
  try {
    handle = await open(hostPath, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    // Gone since it was listed, or a link now: there is no regular file to read.
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR') return;
    if (pathWant !== undefined) tree.warn('PATH_UNREADABLE', `cannot read /${rel}: ${code}`, rel);
    else if (unreadable.count++ === 0) unreadable.first = { path: rel, code };
    return;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return;
    const sniff = capturer.sniffLength(info.size);
    let head = EMPTY;
    if (sniff > 0) {
      head = Buffer.allocUnsafe(sniff);
      head = head.subarray(0, (await handle.read(head, 0, sniff, 0)).bytesRead);
    }
    const want = capturer.decide(0, rel, info.size, pathWant, head);
    if (want === undefined) return;
    if (!capturer.keepInMemory(want, info.size)) {
      tree.capture(0, rel, new HostFile(pool, hostPath, info.size, `/${rel}`), want.tags);
      return;
    }
    const content = await readRest(handle, info.size, want.max, head);
    if (content === 'too-large') tree.warn('FILE_TOO_LARGE', `skipped /${rel}: over the ${want.max}-byte limit`, rel);
    else tree.capture(0, rel, content, want.tags);
  } finally {
    await handle.close();
  }
}

async function toEntry(root: string, rel: string, dirent: Dirent): Promise<Entry | undefined> {
  if (dirent.isDirectory()) return { path: rel, type: 'directory', size: 0 };
  if (dirent.isSymbolicLink()) {
    try {
      return { path: rel, type: 'symlink', size: 0, linkTarget: await readlink(join(root, rel)) };
    } catch {
      return undefined;
    }
  }
  if (!dirent.isFile()) return { path: rel, type: 'other', size: 0 };
  // The size is taken from the open file, when there is a reason to open it.
  return { path: rel, type: 'file', size: 0 };
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
/** The files read beside a lockfile, together: manifests and checksum lists are small. */
const RELATED_MAX_TOTAL_BYTES = 64 * 1024 * 1024;

/** What a lockfile source asks of the catalogers that apply to it. */
export interface LockfileRules {
  /**
   * Root-relative globs of the files that the catalogers parsing a lockfile named `name` read
   * beside it through the resolver (their `related` globs, such as the one for `go.sum`),
   * or undefined when no cataloger parses a file of that name.
   */
  relatedTo(name: string): readonly string[] | undefined;
  /** Largest related file read, in bytes. */
  maxRelatedSize: number;
}

/**
 * A single lockfile: a tree holding that file at the root and, with `rules`, the regular files
 * beside it (same folder, not below it, links not followed) that its catalogers read through the
 * resolver, such as `go.sum` beside `go.mod` or `package.json` beside `yarn.lock`. Only the
 * lockfile is parsed (see `parseOnly` in catalog-views); without `rules` it is alone.
 * @throws SourceError `SOURCE_UNRECOGNIZED` when `rules` say no cataloger parses a file of that name.
 */
export async function scanLockfile(path: string, options: ScanOptions & { lockfile?: LockfileRules }): Promise<ScannedSource> {
  const info = await statRoot(path);
  if (!info.isFile()) throw new SourceError('SOURCE_UNRECOGNIZED', `${path} is not a regular file`, { details: { path } });
  const name = basename(path);
  const related = options.lockfile?.relatedTo(name);
  if (options.lockfile !== undefined && related === undefined) {
    throw new SourceError('SOURCE_UNRECOGNIZED', `${path} is not a lockfile that a selected cataloger reads`, { details: { path } });
  }
  const content = await readRegular(resolve(path), LOCKFILE_MAX_BYTES);
  if (content === undefined) throw new SourceError('SOURCE_NOT_FOUND', `cannot read ${path}`, { details: { path } });
  if (content === 'too-large') {
    throw new SourceError('LIMIT_EXCEEDED', `${path} is larger than ${LOCKFILE_MAX_BYTES} bytes`, { details: { path } });
  }
  const selection = new Selection().addPattern(name, LOCKFILE_MAX_BYTES, false);
  const maxRelated = options.lockfile?.maxRelatedSize ?? 0;
  for (const glob of related ?? []) selection.addPattern(glob, maxRelated, false);
  const tree = new LayeredTree([undefined], selection, options.limits);
  tree.record(0, { path: name, type: 'file', size: content.length });
  tree.capture(0, name, content);
  if (related !== undefined && related.length > 0) await captureBeside(dirname(resolve(path)), name, tree, options.signal);
  return {
    kind: 'lockfile',
    description: { kind: 'lockfile', scheme: 'lockfile', location: path, name: basename(dirname(resolve(path))) || name, layers: [] },
    tree,
    fetchMissing: async () => false,
    close: async () => undefined,
  };
}

/** Captures the regular files of `folder` (not its subfolders) that the tree's selection wants, other than the lockfile. */
async function captureBeside(folder: string, lockfile: string, tree: LayeredTree, signal: AbortSignal | undefined): Promise<void> {
  let dir;
  try {
    dir = await opendir(folder, { bufferSize: 256 });
  } catch (error) {
    tree.warn('PATH_UNREADABLE', `cannot read the folder of ${lockfile}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    return;
  }
  const wanted: Array<{ name: string; max: number }> = [];
  for await (const dirent of dir) {
    if (!dirent.isFile() || dirent.name === lockfile) continue;
    const want = tree.selection.byPath(dirent.name);
    if (want !== undefined) wanted.push({ name: dirent.name, max: want.max });
  }
  let total = 0;
  for (const { name, max } of wanted.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    throwIfAborted(signal);
    const content = await readRegular(join(folder, name), Math.min(max, RELATED_MAX_TOTAL_BYTES - total));
    if (content === undefined) continue;
    if (content === 'too-large') {
      const limit = max <= RELATED_MAX_TOTAL_BYTES - total ? `the ${max}-byte limit` : `the ${RELATED_MAX_TOTAL_BYTES}-byte limit of the files beside a lockfile`;
      tree.warn('FILE_TOO_LARGE', `skipped /${name}: over ${limit}`, name);
      continue;
    }
    total += content.length;
    tree.record(0, { path: name, type: 'file', size: content.length });
    tree.capture(0, name, content);
  }
}
