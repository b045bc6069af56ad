/**
 * Streams one layer blob once: raw bytes -> (digest check) -> gunzip/zstd -> (diffID check)
 * -> tar parser, handing each entry to a visitor and keeping only the bytes it asks for.
 * Nothing is written to disk and no layer is ever buffered whole.
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { AbortError, SealkitError, SourceError } from '../../errors.js';
import type { BlobStore } from './blob-store.js';
import { createDecompressor, sniffCompression } from './decompress.js';
import type { Entry, EntryType } from './layered-tree.js';
import type { PlannedLayer } from './image-plan.js';

/** The part of tar-stream's per-entry stream this file uses. */
interface EntrySource {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  resume(): unknown;
}

/** Receives the entries of a layer in archive order. */
export interface EntryVisitor {
  /** Returns the largest number of bytes to capture from this entry, or undefined to skip it. */
  entry(entry: Entry): number | undefined;
  /** The captured content of an entry `entry` asked for. */
  content(path: string, content: Buffer): void;
}

export interface LayerStreamOptions {
  signal?: AbortSignal;
  /** Called with the number of raw (compressed) bytes read, as they are read. */
  onBytes?: (bytes: number) => void;
  /** Check the blob against its digest and diffID (default true). */
  verify?: boolean;
}

/** Counts bytes and, optionally, hashes them on their way through. */
class Meter extends Transform {
  private readonly hash: Hash | undefined;

  constructor(
    algorithm: string | undefined,
    private readonly onBytes?: (bytes: number) => void,
  ) {
    super();
    this.hash = algorithm === undefined ? undefined : createHash(algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash?.update(chunk);
    this.onBytes?.(chunk.length);
    callback(null, chunk);
  }

  digest(): string | undefined {
    return this.hash?.digest('hex');
  }
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

function entryType(type: string | null | undefined): EntryType | undefined {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    case 'character-device':
    case 'block-device':
    case 'fifo':
      return 'other';
    default:
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
  const verify = options.verify !== false;
  const compression = sniffCompression(await store.head(layer.blob, 4));
  const compressed = new Meter(verify && compression !== 'none' ? algorithmOf(layer.digest) : undefined, options.onBytes);
  const decoder = createDecompressor(compression);
  const uncompressed = new Meter(verify ? 'sha256' : undefined);
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    // The parser reports every failure itself; the entry's copy of it needs no second handler.
    stream.on('error', () => undefined);
    try {
      onEntry(header, stream as unknown as EntrySource, next);
    } catch (error) {
      extract.destroy(error as Error);
    }
  });

  const onEntry = (header: tar.Header, stream: EntrySource, next: () => void) => {
    const type = entryType(header.type);
    const path = type === undefined ? '' : normalizeEntryPath(header.name, label);
    const linkTarget = type === 'hardlink' ? linkPath(header.linkname ?? '') : (header.linkname ?? undefined);
    const max =
      type === undefined || path === ''
        ? undefined
        : visitor.entry({ path, type, size: header.size ?? 0, ...(linkTarget !== undefined ? { linkTarget } : {}) });
    if (max === undefined) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    stream.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length <= max) chunks.push(chunk);
    });
    stream.on('end', () => {
      if (length <= max) visitor.content(path, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length));
      next();
    });
  };

  try {
    const sink = (source: AsyncIterable<Buffer>) => feed(source, extract);
    const pipelineOptions = options.signal ? { signal: options.signal } : {};
    if (decoder) await pipeline(store.stream(layer.blob), compressed, decoder, uncompressed, sink, pipelineOptions);
    else await pipeline(store.stream(layer.blob), compressed, uncompressed, sink, pipelineOptions);
  } catch (error) {
    throw layerError(error, label, compression, options.signal);
  }

  if (verify) {
    const diffId = `sha256:${uncompressed.digest() ?? ''}`;
    if (diffId !== layer.diffID) {
      throw new SourceError('BLOB_DIGEST_MISMATCH', `${label}: content hashes to ${diffId}, not the diffID the image config records`, {
        details: { path: store.path, diffID: layer.diffID, actual: diffId },
      });
    }
    const digest = compressed.digest();
    if (digest !== undefined && layer.digest !== undefined && `${algorithmOf(layer.digest)}:${digest}` !== layer.digest) {
      throw new SourceError('BLOB_DIGEST_MISMATCH', `${label}: blob does not match its digest ${layer.digest}`, {
        details: { path: store.path, digest: layer.digest },
      });
    }
  }
}

/** Writes the decompressed stream into the tar parser, honouring its back-pressure and errors. */
async function feed(source: AsyncIterable<Buffer>, extract: tar.Extract): Promise<void> {
  let failure: Error | undefined;
  const finished = new Promise<void>((resolve, reject) => {
    extract.on('error', (error: Error) => {
      failure = error;
      reject(error);
    });
    extract.on('finish', () => resolve());
    extract.on('close', () => (failure ? reject(failure) : resolve()));
  });
  finished.catch(() => undefined);
  for await (const chunk of source) {
    if (failure) throw failure;
    if (!extract.write(chunk)) {
      await Promise.race([new Promise<void>((resolve) => extract.once('drain', () => resolve(undefined))), finished]);
    }
  }
  if (failure) throw failure;
  (extract as unknown as { end(): void }).end();
  await finished;
}

function layerError(error: unknown, label: string, compression: string, signal: AbortSignal | undefined): SealkitError {
  if (error instanceof SealkitError) return error;
  if (signal?.aborted) return new AbortError({ cause: error });
  const message = (error as Error)?.message ?? String(error);
  const what = compression === 'none' ? 'tar stream' : `${compression} tar stream`;
  return new SourceError('LAYER_CORRUPT', `${label} is not a valid ${what}: ${message}`, { cause: error, details: { layer: label } });
}
