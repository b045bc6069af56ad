/**
 * The digests of an artifact, read once and streaming: a file of any size is hashed in
 * constant memory, with every requested algorithm in the same pass, and whoever signs the
 * same bytes is handed each chunk as it passes. Shared by signing (what is signed) and
 * verification (what a bundle or an attestation subject must name).
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { AbortError, SealkitError, UsageError, throwIfAborted } from '../errors.js';
import { readRange } from './read-range.js';

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

/** Hash algorithms an artifact can be digested with (SHA-512 for npm, SHA-384 for P-384 keys). */
export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';

/** The digest of an artifact and, when the artifact was already in memory, its bytes. */
export interface ArtifactDigest {
  /** The 32-byte SHA-256 digest. */
  sha256: Buffer;
  /**
   * Every digest computed: SHA-256 always, and each of {@link DigestOptions.algorithms}. A
   * precomputed digest has its SHA-256 only.
   */
  digests: Partial<Record<DigestAlgorithm, Buffer>>;
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
  /** Algorithms to compute besides SHA-256, in the same pass. */
  algorithms?: readonly DigestAlgorithm[];
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
  const sha256 = Buffer.from(match[1], 'hex');
  return { sha256, digests: { sha256 }, size: undefined, data: undefined, path: undefined };
}

function digestBytes(bytes: Uint8Array, options: DigestOptions): ArtifactDigest {
  const data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  options.onChunk?.(data);
  options.onProgress?.(data.length, data.length);
  const hashes = startHashes(options.algorithms);
  for (const hash of hashes.values()) hash.update(data);
  return { ...finishHashes(hashes), size: data.length, data, path: undefined };
}

function startHashes(algorithms: readonly DigestAlgorithm[] = []): Map<DigestAlgorithm, Hash> {
  const hashes = new Map<DigestAlgorithm, Hash>([['sha256', createHash('sha256')]]);
  for (const algorithm of algorithms) {
    if (algorithm !== 'sha256' && algorithm !== 'sha384' && algorithm !== 'sha512') {
      throw new UsageError('INVALID_ARGUMENT', `unsupported digest algorithm ${String(algorithm)}: use sha256, sha384 or sha512`);
    }
    if (!hashes.has(algorithm)) hashes.set(algorithm, createHash(algorithm));
  }
  return hashes;
}

function finishHashes(hashes: Map<DigestAlgorithm, Hash>): { sha256: Buffer; digests: Partial<Record<DigestAlgorithm, Buffer>> } {
  const digests: Partial<Record<DigestAlgorithm, Buffer>> = {};
  for (const [algorithm, hash] of hashes) digests[algorithm] = hash.digest();
  return { sha256: digests.sha256 as Buffer, digests };
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
  const hashes = startHashes(options.algorithms);
  let bytes = 0;
  const iterable = source as AsyncIterable<unknown>;
  try {
    for await (const chunk of iterable) {
      throwIfAborted(options.signal);
      const buffer = toChunk(chunk);
      for (const hash of hashes.values()) hash.update(buffer);
      options.onChunk?.(buffer);
      bytes += buffer.length;
      options.onProgress?.(bytes, totalBytes);
    }
  } catch (error) {
    destroy(source);
    if (error instanceof AbortError || error instanceof UsageError) throw error;
    throw unreadable(path ?? 'the artifact stream', error);
  }
  return { ...finishHashes(hashes), size: bytes, data: undefined, path };
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

function unreadable(what: string, error: unknown): SealkitError {
  const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
  return new SealkitError('ARTIFACT_UNREADABLE', `cannot read ${what}: ${reason}`, {
    cause: error,
    details: { path: what },
  });
}
