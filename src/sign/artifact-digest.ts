/**
 * The SHA-256 digest of an artifact, read once and streaming: a file of any size is hashed
 * in constant memory, and whoever signs the same bytes is handed each chunk as it passes.
 * @module
 */
import { createHash } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { AbortError, SigningError, UsageError, throwIfAborted } from '../errors.js';
import { readRange } from '../util/read-range.js';

/**
 * What can be signed: a file path, the bytes themselves, a readable stream of bytes
 * (Node or web), or a SHA-256 digest computed elsewhere (64 hex digits, `sha256:` prefix allowed).
 */
export type ArtifactInput =
  | string
  | Uint8Array
  | NodeJS.ReadableStream
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | { sha256: string };

/** The digest of an artifact and, when the artifact was already in memory, its bytes. */
export interface ArtifactDigest {
  /** The 32-byte SHA-256 digest. */
  sha256: Buffer;
  /** Bytes read; undefined for a precomputed digest. */
  size: number | undefined;
  /** The artifact bytes when the caller passed them in memory (never read into memory here). */
  data: Buffer | undefined;
  /** The file path, when the artifact was one. */
  path: string | undefined;
}

/** Options of {@link digestArtifact}. */
export interface DigestOptions {
  /**
   * Called with every chunk, in order (e.g. to feed a signature). A file's chunks are views into
   * reused buffers, valid only during the call: copy what must be kept.
   */
  onChunk?: (chunk: Buffer) => void;
  /** Called after every chunk with the bytes read so far and the total when known. */
  onProgress?: (bytes: number, totalBytes: number | undefined) => void;
  signal?: AbortSignal;
  /** Read buffer size for files; large reads keep OpenSSL's SHA-256 busy. Default 4 MiB. */
  readBufferSize?: number;
}

/**
 * 4 MiB reads into two reused buffers: the per-chunk cost disappears next to the hash, which
 * lets Node's OpenSSL-backed SHA-256 keep up with `sha256sum`, and memory stays at two chunks.
 */
export const DEFAULT_READ_BUFFER = 4 * 1024 * 1024;

const HEX_SHA256 = /^(?:sha256:)?([0-9a-fA-F]{64})$/;

/** True when `artifact` is a precomputed digest rather than bytes to read. */
export function isPrecomputedDigest(artifact: ArtifactInput): artifact is { sha256: string } {
  return (
    typeof artifact === 'object' &&
    artifact !== null &&
    !(artifact instanceof Uint8Array) &&
    'sha256' in artifact &&
    !isStreamLike(artifact)
  );
}

/** Computes the SHA-256 of `artifact`, reading it exactly once. */
export async function digestArtifact(artifact: ArtifactInput, options: DigestOptions = {}): Promise<ArtifactDigest> {
  throwIfAborted(options.signal);
  if (typeof artifact === 'string') return digestFile(artifact, options);
  if (artifact instanceof Uint8Array) return digestBytes(artifact, options);
  if (isStreamLike(artifact)) return digestStream(artifact, undefined, undefined, options);
  if (isPrecomputedDigest(artifact)) return parseDigest(artifact.sha256);
  throw new UsageError('INVALID_ARGUMENT', 'artifact must be a path, a Buffer, a readable stream or { sha256 }');
}

/** Parses a hex SHA-256 (optionally `sha256:`-prefixed) into a digest. */
export function parseDigest(value: unknown): ArtifactDigest {
  const match = typeof value === 'string' ? HEX_SHA256.exec(value.trim()) : null;
  if (!match?.[1]) {
    throw new UsageError('INVALID_ARGUMENT', 'sha256 must be 64 hexadecimal digits (optionally prefixed with "sha256:")');
  }
  return { sha256: Buffer.from(match[1], 'hex'), size: undefined, data: undefined, path: undefined };
}

function digestBytes(bytes: Uint8Array, options: DigestOptions): ArtifactDigest {
  const data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  options.onChunk?.(data);
  options.onProgress?.(data.length, data.length);
  return { sha256: createHash('sha256').update(data).digest(), size: data.length, data, path: undefined };
}

async function digestFile(path: string, options: DigestOptions): Promise<ArtifactDigest> {
  let handle: FileHandle;
  let size: number;
  try {
    // stat before open: opening a FIFO for reading would wait for a writer forever
    if (!(await stat(path)).isFile()) throw new Error('not a regular file');
    handle = await open(path, 'r');
    size = (await handle.stat()).size;
  } catch (error) {
    throw unreadable(path, error);
  }
  try {
    return await digestStream(readRange(handle, 0, size, options.readBufferSize ?? DEFAULT_READ_BUFFER), path, size, options);
  } finally {
    await handle.close();
  }
}

async function digestStream(
  source: AsyncIterable<unknown> | NodeJS.ReadableStream | ReadableStream<Uint8Array>,
  path: string | undefined,
  totalBytes: number | undefined,
  options: DigestOptions,
): Promise<ArtifactDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  const iterable = source as AsyncIterable<unknown>;
  try {
    for await (const chunk of iterable) {
      throwIfAborted(options.signal);
      const buffer = toChunk(chunk);
      hash.update(buffer);
      options.onChunk?.(buffer);
      bytes += buffer.length;
      options.onProgress?.(bytes, totalBytes);
    }
  } catch (error) {
    destroy(source);
    if (error instanceof AbortError || error instanceof UsageError) throw error;
    throw unreadable(path ?? 'the artifact stream', error);
  }
  return { sha256: hash.digest(), size: bytes, data: undefined, path };
}

function toChunk(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  // A text chunk means the stream was decoded; hashing its re-encoding would sign other bytes.
  throw new UsageError('INVALID_ARGUMENT', 'the artifact stream must yield bytes, not text (do not set an encoding on it)');
}

function isStreamLike(value: object): value is AsyncIterable<unknown> {
  // Node readables and web ReadableStreams are both async iterables of chunks.
  return Symbol.asyncIterator in value;
}

function destroy(source: unknown): void {
  const destroyable = source as { destroy?: () => void };
  if (typeof destroyable.destroy === 'function') destroyable.destroy();
}

function unreadable(what: string, error: unknown): SigningError {
  const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
  return new SigningError('ARTIFACT_UNREADABLE', `cannot read ${what}: ${reason}`, {
    cause: error,
    details: { path: what },
  });
}
