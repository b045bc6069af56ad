/**
 * Random access to bytes that may not be in memory: a captured file, a temporary file, or a
 * stored entry inside another archive. The one such type: the cataloger contract re-exports it as
 * `FileContent`, and the zip and executable readers take it, so format readers do not depend on
 * the catalog.
 * @module
 */

/** Synchronous random access to a run of bytes. */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes from `offset`; fewer only past the end. */
  read(offset: number, length: number): Buffer;
}

/** A {@link ByteSource} over bytes held in memory; reads are views, not copies. */
export function bufferSource(buffer: Buffer): ByteSource {
  return {
    size: buffer.length,
    read: (offset, length) => buffer.subarray(Math.min(offset, buffer.length), Math.min(offset + length, buffer.length)),
  };
}

/**
 * The bytes `[offset, offset + length)` of `source` as a source of their own, clamped to the
 * end of `source`. Nothing is copied: a stored archive inside an archive is read in place.
 */
export function sliceSource(source: ByteSource, offset: number, length: number): ByteSource {
  const start = Math.max(0, Math.min(offset, source.size));
  const size = Math.max(0, Math.min(length, source.size - start));
  return {
    size,
    read: (at, count) => {
      const from = Math.max(0, Math.min(at, size));
      return source.read(start + from, Math.max(0, Math.min(count, size - from)));
    },
  };
}

/**
 * Exactly `length` bytes from `offset`, or undefined when the source ends first. Readers use it
 * for fixed-size headers, where a short read means a truncated file.
 */
export function readExactly(source: ByteSource, offset: number, length: number): Buffer | undefined {
  if (offset < 0 || length < 0 || offset + length > source.size) return undefined;
  const bytes = source.read(offset, length);
  return bytes.length === length ? bytes : undefined;
}
