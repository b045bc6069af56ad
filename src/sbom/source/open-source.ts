/**
 * Turns the caller's source string into a scanned source: an explicit scheme
 * (`docker-archive:`, `oci-archive:`, `oci-dir:`, `dir:`, `lockfile:`) or a path whose kind is
 * detected from what is there.
 * @module
 */
import { open, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SourceError } from '../../errors.js';
import { scanDirectory, scanLockfile } from './directory.js';
import { openImageStore, scanImage, type ImageScheme } from './image.js';
import type { OpenOptions, ScannedSource } from './scanned-source.js';
import { BLOCK, checksumMatches } from './tar-header.js';

/** Source schemes accepted before a path. */
export const SOURCE_SCHEMES = ['docker-archive', 'oci-archive', 'oci-dir', 'dir', 'lockfile'] as const;
export type SourceScheme = (typeof SOURCE_SCHEMES)[number];

/** File names recognised as lockfiles when a bare path is given. */
export const LOCKFILE_NAMES: ReadonlySet<string> = new Set(['package-lock.json', 'npm-shrinkwrap.json']);

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

/** Opens and scans a source. */
export async function openSource(text: string, openOptions: OpenOptions): Promise<ScannedSource> {
  const { scheme, path } = parseSourceReference(text);
  const kind = scheme ?? (await detectScheme(path));
  const { selectionFor, ...rest } = openOptions;
  switch (kind) {
    case 'dir':
      return scanDirectory(path, { ...rest, selection: selectionFor('directory') });
    case 'lockfile':
      return scanLockfile(path, { ...rest, selection: selectionFor('lockfile') });
    default: {
      const options = { ...rest, selection: selectionFor('image') };
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

async function detectScheme(path: string): Promise<SourceScheme> {
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
  if (LOCKFILE_NAMES.has(basename(path))) return 'lockfile';
  const head = await readHead(path);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    throw new SourceError('ARCHIVE_COMPRESSED', `${path} is a compressed archive; decompress it first (for example with gunzip)`, {
      details: { path },
    });
  }
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
