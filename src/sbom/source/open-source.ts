/**
 * Turns the caller's source into a scanned source: an explicit scheme (`docker-archive:`,
 * `oci-archive:`, `oci-dir:`, `dir:`, `lockfile:`, `registry:`) or a path whose kind is detected
 * from what is there; `-` (alone or after an image archive scheme) for standard input; an
 * {@link ImageStream}; or a bare image reference (`host/repo:tag`, `repo@sha256:…`) that is no path.
 * A plain tar archive is indexed and its layers read by byte range; a compressed one, standard
 * input and streams are read front to back in one pass.
 * @module
 */
import { open, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SourceError, UsageError } from '../../errors.js';
import { fileInput, isImageStream, stdinInput, streamInput, type ImageStream } from './archive-input.js';
import { sniffCompression } from './decompress.js';
import { scanDirectory, scanLockfile, type LockfileRules } from './directory.js';
import { openImageStore, scanImage, type ImageScheme } from './image.js';
import { looksLikeImageReference, scanRegistry } from './registry-source.js';
import type { RegistryClientOptions } from '../../registry/index.js';
import type { OpenOptions, ScannedSource } from './scanned-source.js';
import { scanStreamedArchive } from './streamed-archive.js';
import { BLOCK, checksumMatches } from './tar-header.js';

/** Source schemes accepted before a path. */
export const SOURCE_SCHEMES = ['docker-archive', 'oci-archive', 'oci-dir', 'dir', 'lockfile', 'registry'] as const;
export type SourceScheme = (typeof SOURCE_SCHEMES)[number];

/** File names recognised as lockfiles when a bare path is given. */
export const LOCKFILE_NAMES: ReadonlySet<string> = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'Cargo.lock', 'Gemfile.lock', 'gems.locked', 'composer.lock', 'go.mod', 'packages.lock.json', 'poetry.lock', 'uv.lock', 'Pipfile.lock', 'pdm.lock', 'requirements.txt']);

/**
 * Lockfiles named by a pattern rather than one name, for a bare path: requirements files
 * (`requirements-dev.txt`, `test-requirements.txt`), as the requirements cataloger's globs name them.
 */
export const LOCKFILE_NAME_PATTERNS: readonly RegExp[] = [/^[^/]*requirements[^/]*\.txt$/];

/** True when a bare path's file name is a lockfile's: one of {@link LOCKFILE_NAMES} or {@link LOCKFILE_NAME_PATTERNS}. */
export function isLockfileName(name: string): boolean {
  return LOCKFILE_NAMES.has(name) || LOCKFILE_NAME_PATTERNS.some((pattern) => pattern.test(name));
}

/** Splits `scheme:path`; a bare path has no scheme. */
export function parseSourceReference(text: string): { scheme?: SourceScheme; path: string } {
  const match = /^([a-z-]+):(.*)$/s.exec(text);
  if (match && (SOURCE_SCHEMES as readonly string[]).includes(match[1] as string)) {
    if ((match[2] as string) === '') {
      throw new SourceError('INVALID_ARGUMENT', `source ${JSON.stringify(text)} names no path`);
    }
    return { scheme: match[1] as SourceScheme, path: match[2] as string };
  }
  if (text === '') throw new SourceError('INVALID_ARGUMENT', 'no source given');
  return { path: text };
}

/**
 * Opens and scans a source. With `lockfile` rules, a lockfile source also holds the files beside
 * it that its catalogers read, and a file no cataloger parses is `SOURCE_UNRECOGNIZED`. `registry`
 * configures the client of a registry source.
 */
export async function openSource(
  source: string | ImageStream,
  openOptions: OpenOptions & { lockfile?: LockfileRules; registry?: RegistryClientOptions },
): Promise<ScannedSource> {
  const { selectionFor, lockfile, registry, ...rest } = openOptions;
  const imageOptions = () => ({ ...rest, selection: selectionFor('image') });
  if (typeof source !== 'string') {
    if (!isImageStream(source)) {
      throw new UsageError('INVALID_ARGUMENT', 'a source is a string (a path with an optional scheme) or an object with an async-iterable stream');
    }
    if (source.scheme !== undefined && source.scheme !== 'docker-archive' && source.scheme !== 'oci-archive') {
      throw new UsageError('INVALID_ARGUMENT', `a stream holds a docker-archive or an oci-archive, not ${JSON.stringify(source.scheme)}`);
    }
    return scanStreamedArchive(source.scheme, streamInput(source), imageOptions());
  }
  const { scheme, path } = parseSourceReference(source);
  if (scheme === 'registry' || (scheme === undefined && (await isBareReference(path)))) {
    return scanRegistry(source, path, { ...imageOptions(), ...(registry ? { registry } : {}) });
  }
  if (path === '-') {
    if (scheme !== undefined && scheme !== 'docker-archive' && scheme !== 'oci-archive') {
      throw new UsageError('INVALID_ARGUMENT', `${scheme}:- is not supported: only image archives (docker-archive:-, oci-archive:-) are read from standard input`);
    }
    return scanStreamedArchive(scheme, stdinInput(), imageOptions());
  }
  const kind = scheme ?? (await detectScheme(path));
  switch (kind) {
    case 'dir':
      return scanDirectory(path, { ...rest, selection: selectionFor('directory') });
    case 'lockfile':
      return scanLockfile(path, { ...rest, selection: selectionFor('lockfile'), ...(lockfile ? { lockfile } : {}) });
    default: {
      const options = imageOptions();
      if (kind !== 'oci-dir') {
        const compressed = await compressedArchive(path);
        if (compressed !== undefined) {
          const archiveScheme = scheme === 'docker-archive' || scheme === 'oci-archive' ? scheme : undefined;
          return scanStreamedArchive(archiveScheme, fileInput(path, compressed.size, archiveName(path)), options);
        }
      }
      const store = await openImageStore(kind, path);
      let imageKind: ImageScheme = kind;
      // docker save output is both: prefer its own manifest.json, which names tags.
      if (kind === 'oci-archive' && scheme === undefined && (await store.has('manifest.json'))) imageKind = 'docker-archive';
      if (kind === 'docker-archive' && !(await store.has('manifest.json'))) {
        await store.close();
        throw new SourceError('NOT_AN_IMAGE', `${path} has no manifest.json: it is not a docker-archive image`, { details: { path } });
      }
      return scanImage(imageKind, path, store, options);
    }
  }
}

/** The image name of an archive that names none: its file name without `.tar`, `.tar.gz` and the like. */
export function archiveName(path: string): string {
  return basename(path)
    .replace(/\.(tgz|tzst)$/, '')
    .replace(/\.(gz|zst|zstd)$/, '')
    .replace(/\.(tar|oci)$/, '');
}

/**
 * True when a bare source is an image reference: nothing exists at that path, and it names a
 * registry host (with a dot or a port, or `localhost`) or a digest. A relative path that exists
 * is always a path.
 */
async function isBareReference(text: string): Promise<boolean> {
  if (!looksLikeImageReference(text)) return false;
  const exists = await stat(text).then(
    () => true,
    (error: NodeJS.ErrnoException) => error.code !== 'ENOENT' && error.code !== 'ENOTDIR',
  );
  return !exists;
}

/** The size of a gzip- or zstd-compressed file at `path`, or undefined for anything else. */
async function compressedArchive(path: string): Promise<{ size: number } | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new SourceError('SOURCE_NOT_FOUND', `cannot open ${path}: ${(error as Error).message}`, { cause: error, details: { path } });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return sniffCompression(head.subarray(0, bytesRead)) === 'none' ? undefined : { size: info.size };
  } finally {
    await handle.close();
  }
}

async function detectScheme(path: string): Promise<Exclude<SourceScheme, 'registry'>> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new SourceError('SOURCE_NOT_FOUND', `${path} does not exist`, { cause: error, details: { path } });
  }
  if (info.isDirectory()) {
    const layout = await stat(join(path, 'oci-layout')).catch(() => undefined);
    return layout?.isFile() ? 'oci-dir' : 'dir';
  }
  if (!info.isFile()) throw new SourceError('SOURCE_UNRECOGNIZED', `${path} is neither a file nor a directory`, { details: { path } });
  if (isLockfileName(basename(path))) return 'lockfile';
  const head = await readHead(path);
  // A compressed archive is told apart once its members are read.
  if (sniffCompression(head) !== 'none') return 'oci-archive';
  if (!looksLikeTar(head)) {
    throw new SourceError('SOURCE_UNRECOGNIZED', `${path} is not an image archive, a directory or a known lockfile`, {
      details: { path },
    });
  }
  // The archive kind is settled once its members are indexed.
  return 'oci-archive';
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A first tar header: 512 bytes with a matching checksum. */
function looksLikeTar(head: Buffer): boolean {
  return head.length >= BLOCK && checksumMatches(head);
}
