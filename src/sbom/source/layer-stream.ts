/**
 * Streams one layer blob once: raw bytes -> (digest check) -> gunzip/zstd -> (diffID check)
 * -> tar parser, handing each entry to a visitor and each wanted file's bytes to the sink the
 * visitor returned. No layer is ever buffered whole; only a sink writes anything to disk.
 * @module
 */
import { createHash } from 'node:crypto';
import { SealkitError, SourceError, throwIfAborted } from '../../errors.js';
import type { BlobStore } from './blob-store.js';
import { decompressChunks, sniffCompression } from './decompress.js';
import { TarParser, type TarSink } from './tar-parser.js';
import type { Entry, EntryType } from './layered-tree.js';
import type { PlannedLayer } from './image-plan.js';

/** Receives the entries of a layer in archive order. */
export interface EntryVisitor {
  /** Returns the sink that receives this entry's data, or undefined to skip it. */
  entry(entry: Entry): TarSink | undefined;
}

export interface LayerStreamOptions {
  signal?: AbortSignal;
  /** Called with the number of raw (compressed) bytes read, as they are read. */
  onBytes?: (bytes: number) => void;
  /** Check the blob against its digest, or its diffID when it has none (default true). */
  verify?: boolean;
}

function algorithmOf(digest: string | undefined): string | undefined {
  const algorithm = digest?.split(':')[0];
  return algorithm === 'sha256' || algorithm === 'sha512' ? algorithm : undefined;
}

/** Normalizes a tar member name to a root-relative path; `..` that climbs out is an error. */
export function normalizeEntryPath(name: string, layerLabel: string): string {
  const out: string[] = [];
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) {
        throw new SourceError('LAYER_PATH_ESCAPE', `${layerLabel} has an entry that escapes the image root: ${JSON.stringify(name)}`, {
          details: { entry: name },
        });
      }
      out.pop();
    } else out.push(segment);
  }
  return out.join('/');
}

/** A hard-link target, or '' (never resolves) when it points outside the root. */
function linkPath(name: string): string {
  const out: string[] = [];
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) return '';
      out.pop();
    } else out.push(segment);
  }
  return out.join('/');
}

function entryType(typeFlag: string): EntryType | undefined {
  switch (typeFlag) {
    case '0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '5':
      return 'directory';
    case '3':
    case '4':
    case '6':
    case 'S':
      return 'other';
    default:
      // Volume labels, multi-volume continuations and unknown vendor types name no file.
      return undefined;
  }
}

/** Streams `layer` out of `store`, calling `visitor` for each entry. */
export async function streamLayer(
  store: BlobStore,
  layer: PlannedLayer,
  visitor: EntryVisitor,
  options: LayerStreamOptions = {},
): Promise<void> {
  const label = `layer ${layer.index} (${layer.diffID}) of ${store.path}`;
  const compression = sniffCompression(await store.head(layer.blob, 4));
  // One hash authenticates the blob: its digest when the manifest gives one, else its diffID.
  const verify = options.verify !== false;
  const blobAlgorithm = compression !== 'none' ? algorithmOf(layer.digest) : undefined;
  const blobHash = verify && blobAlgorithm ? createHash(blobAlgorithm) : undefined;
  const diffHash = verify && blobHash === undefined ? createHash('sha256') : undefined;

  const parser = new TarParser({
    entry: (raw) => {
      const type = entryType(raw.typeFlag);
      if (type === undefined) return undefined;
      const path = normalizeEntryPath(raw.name, label);
      if (path === '') return undefined;
      const linkTarget = type === 'hardlink' ? linkPath(raw.linkName) : type === 'symlink' ? raw.linkName : undefined;
      return visitor.entry({ path, type, size: raw.size, ...(linkTarget !== undefined ? { linkTarget } : {}) });
    },
  });

  async function* rawChunks(): AsyncGenerator<Buffer> {
    for await (const chunk of store.chunks(layer.blob)) {
      throwIfAborted(options.signal);
      blobHash?.update(chunk);
      options.onBytes?.(chunk.length);
      yield chunk;
    }
  }

  try {
    for await (const chunk of decompressChunks(rawChunks(), compression)) {
      diffHash?.update(chunk);
      parser.write(chunk);
    }
    parser.end();
  } catch (error) {
    throw layerError(error, label, compression);
  }

  if (diffHash !== undefined) {
    const diffId = `sha256:${diffHash.digest('hex')}`;
    if (diffId !== layer.diffID) {
      throw new SourceError('BLOB_DIGEST_MISMATCH', `${label}: content hashes to ${diffId}, not the diffID the image config records`, {
        details: { path: store.path, diffID: layer.diffID, actual: diffId },
      });
    }
  }
  if (blobHash !== undefined && `${blobAlgorithm}:${blobHash.digest('hex')}` !== layer.digest) {
    throw new SourceError('BLOB_DIGEST_MISMATCH', `${label}: blob does not match its digest ${layer.digest}`, {
      details: { path: store.path, digest: layer.digest },
    });
  }
}

function layerError(error: unknown, label: string, compression: string): SealkitError {
  if (error instanceof SealkitError) return error;
  const message = (error as Error)?.message ?? String(error);
  const what = compression === 'none' ? 'tar stream' : `${compression} tar stream`;
  return new SourceError('LAYER_CORRUPT', `${label} is not a valid ${what}: ${message}`, { cause: error, details: { layer: label } });
}
