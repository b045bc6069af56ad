/**
 * Reading registry content safely: bodies read whole only under a byte limit (checked before
 * and while reading), and blobs streamed through a hash that must match their descriptor.
 * @module
 */
import { createHash } from 'node:crypto';
import { RegistryError } from './errors.js';
import type { HttpResponse } from './transport.js';

/**
 * Reads a body whole, failing with `tooLarge()` as soon as it is known to exceed `max` bytes:
 * from `Content-Length` before reading, else once that many bytes have arrived.
 */
export async function readBounded(response: HttpResponse, max: number, tooLarge: () => Error): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    await response.discard();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.chunks()) {
    size += chunk.length;
    if (size > max) {
      await response.discard();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** The hex digest of `data` under a digest's algorithm (`sha256:` or `sha512:`). */
export function digestOf(data: Uint8Array, algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** Algorithm part of a digest (`sha256`). */
export function algorithmOf(digest: string): string {
  return digest.slice(0, digest.indexOf(':'));
}

/**
 * Passes a blob's chunks through, hashing them. Content beyond `size` is cut off: once `size`
 * bytes have come the digest is checked before the last chunk is passed on, and the rest of the
 * body is not waited for. Shorter or different content ends in `REGISTRY_DIGEST_MISMATCH`.
 */
export async function* verifiedChunks(
  chunks: AsyncIterable<Uint8Array>,
  expected: { digest: string; size: number },
  context: { registry: string; reference: string },
  onBytes?: (bytes: number) => void,
): AsyncGenerator<Buffer> {
  const hash = createHash(algorithmOf(expected.digest));
  let seen = 0;
  const mismatch = (why: string): RegistryError =>
    new RegistryError('REGISTRY_DIGEST_MISMATCH', `${context.registry}: blob ${expected.digest} of ${context.reference} ${why}`, {
      details: { ...context, digest: expected.digest, size: expected.size, received: seen },
    });
  const finish = (): void => {
    const actual = `${algorithmOf(expected.digest)}:${hash.digest('hex')}`;
    if (actual !== expected.digest) throw mismatch(`hashes to ${actual}`);
  };
  if (expected.size === 0) {
    finish();
    return;
  }
  for await (const chunk of chunks) {
    if (chunk.length === 0) continue;
    // Whatever comes after `size` bytes is not the blob: it is cut off, and the digest decides.
    const length = Math.min(chunk.length, expected.size - seen);
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, length);
    hash.update(buffer);
    seen += length;
    onBytes?.(seen);
    if (seen === expected.size) {
      finish();
      yield buffer;
      return;
    }
    yield buffer;
  }
  throw mismatch(`ended after ${seen} of its ${expected.size} bytes`);
}
