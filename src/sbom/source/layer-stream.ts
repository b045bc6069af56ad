/**
 * Streams one layer blob once: raw bytes -> (digest check) -> gunzip/zstd -> (diffID check)
 * -> tar parser, handing each entry to a visitor and each wanted file's bytes to the sink the
 * visitor returned. No layer is ever buffered whole; only a sink writes anything to disk.
 * @module
 */
import { createHash } from 'node:crypto';
import { SealkitError, SourceError, throwIfAborted } from '../../errors.js';
import type { BlobStore } from './blob-store.js';
import { decompressChunks, sniffCompression, type Compression } from './decompress.js';
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

function algorithmOf(digest: string | undefined): 'sha256' | 'sha512' | undefined {
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

/** What a layer's bytes hashed to, for the hashes asked of {@link readLayer}. */
export interface LayerHashes {
  /** `algorithm:hex` of the raw (compressed) bytes. */
  blob?: string;
  /** `sha256:hex` of the uncompressed tar stream. */
  diffID?: string;
}

export interface ReadLayerOptions {
  signal?: AbortSignal;
  /** Called with the number of raw (compressed) bytes read, as they are read. */
  onBytes?: (bytes: number) => void;
  /** Hash the raw bytes with this algorithm (to check them against a blob digest). */
  blobAlgorithm?: 'sha256' | 'sha512';
  /** Hash the uncompressed bytes (to check them against a diffID). */
  diffID?: boolean;
}

/**
 * Reads one layer from its raw bytes, `raw`, compressed as `compression`, calling `visitor` for
 * each entry; `label` names the layer in errors. Returns the hashes asked for in `options`.
 */
export async function readLayer(
  raw: AsyncIterable<Buffer>,
  compression: Compression,
  label: string,
  visitor: EntryVisitor,
  options: ReadLayerOptions = {},
): Promise<LayerHashes> {
  const blobHash = options.blobAlgorithm !== undefined ? createHash(options.blobAlgorithm) : undefined;
  const diffHash = options.diffID === true ? createHash('sha256') : undefined;

  const parser = new TarParser({
    entry: (entry) => {
      const type = entryType(entry.typeFlag);
      if (type === undefined) return undefined;
      const path = normalizeEntryPath(entry.name, label);
      if (path === '') return undefined;
      const linkTarget = type === 'hardlink' ? linkPath(entry.linkName) : type === 'symlink' ? entry.linkName : undefined;
      return visitor.entry({ path, type, size: entry.size, ...(linkTarget !== undefined ? { linkTarget } : {}) });
    },
  });

  async function* rawChunks(): AsyncGenerator<Buffer> {
    for await (const chunk of raw) {
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
  return {
    ...(blobHash !== undefined ? { blob: `${options.blobAlgorithm}:${blobHash.digest('hex')}` } : {}),
    ...(diffHash !== undefined ? { diffID: `sha256:${diffHash.digest('hex')}` } : {}),
  };
}

/**
 * Which one hash authenticates a layer blob: its digest when it is compressed and a digest is
 * known (the manifest names it), else its diffID, the hash of the tar stream itself.
 */
export function layerHashing(compression: Compression, digest: string | undefined): Pick<ReadLayerOptions, 'blobAlgorithm' | 'diffID'> {
  const blobAlgorithm = compression !== 'none' ? algorithmOf(digest) : undefined;
  return blobAlgorithm !== undefined ? { blobAlgorithm } : { diffID: true };
}

/** Throws BLOB_DIGEST_MISMATCH unless `hashes` (made as {@link layerHashing} says) match `layer`. */
export function checkLayerHashes(layer: PlannedLayer, hashes: LayerHashes, label: string, path: string): void {
  if (hashes.blob !== undefined) {
    if (hashes.blob !== layer.digest) {
      throw new SourceError('BLOB_DIGEST_MISMATCH', `${label}: blob does not match its digest ${layer.digest}`, {
        details: { path, digest: layer.digest },
      });
    }
    return;
  }
  if (hashes.diffID !== layer.diffID) {
    throw new SourceError('BLOB_DIGEST_MISMATCH', `${label}: content hashes to ${hashes.diffID}, not the diffID the image config records`, {
      details: { path, diffID: layer.diffID, actual: hashes.diffID },
    });
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
  const verify = options.verify !== false;
  const hashes = await readLayer(store.chunks(layer.blob), compression, label, visitor, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onBytes ? { onBytes: options.onBytes } : {}),
    ...(verify ? layerHashing(compression, layer.digest) : {}),
  });
  if (verify) checkLayerHashes(layer, hashes, label, store.path);
}

function layerError(error: unknown, label: string, compression: string): SealkitError {
  if (error instanceof SealkitError) return error;
  const message = (error as Error)?.message ?? String(error);
  const what = compression === 'none' ? 'tar stream' : `${compression} tar stream`;
  return new SourceError('LAYER_CORRUPT', `${label} is not a valid ${what}: ${message}`, { cause: error, details: { layer: label } });
}
