/**
 * Fixed-layout header fields read with a given byte order, and the bounds every executable
 * reader applies before it trusts a size taken from the file.
 * @module
 */
import type { ByteSource } from '../byte-source.js';
import { ExecutableError } from './errors.js';

/** Little- or big-endian integer fields of one header. */
export class Fields {
  constructor(
    readonly bytes: Buffer,
    readonly littleEndian: boolean,
  ) {}

  u8(at: number): number {
    return this.bytes.readUInt8(at);
  }

  u16(at: number): number {
    return this.littleEndian ? this.bytes.readUInt16LE(at) : this.bytes.readUInt16BE(at);
  }

  u32(at: number): number {
    return this.littleEndian ? this.bytes.readUInt32LE(at) : this.bytes.readUInt32BE(at);
  }

  /**
   * A 64-bit field as a number. Offsets and sizes past 2^53 cannot describe a real file, so
   * they become `Infinity`, which every bounds check then rejects. Read as two 32-bit halves:
   * tables of thousands of entries are read per executable, and BigInts would be garbage.
   */
  u64(at: number): number {
    const low = this.littleEndian ? this.bytes.readUInt32LE(at) : this.bytes.readUInt32BE(at + 4);
    const high = this.littleEndian ? this.bytes.readUInt32LE(at + 4) : this.bytes.readUInt32BE(at);
    // 2^53 - 1 is the largest safe integer: any high half of 2^21 or more is past it
    return high >= 0x200000 ? Number.POSITIVE_INFINITY : high * 0x100000000 + low;
  }

  /** A 32- or 64-bit field, as the file's word size says. */
  word(at: number, size: 4 | 8): number {
    return size === 8 ? this.u64(at) : this.u32(at);
  }

  /** A NUL-padded fixed-size name (Mach-O segment and section names, PE short names). */
  name(at: number, length: number): string {
    const raw = this.bytes.subarray(at, at + length);
    const end = raw.indexOf(0);
    return raw.subarray(0, end < 0 ? raw.length : end).toString('latin1');
  }
}

/**
 * Exactly `length` bytes at `offset`, or an {@link ExecutableError} naming `what` when the
 * file ends first: a header that does not fit is a truncated or corrupt file.
 */
export function readHeader(content: ByteSource, offset: number, length: number, what: string): Buffer {
  if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > content.size) {
    throw new ExecutableError('METADATA_UNPARSABLE', `${what} lies outside the file (${length} bytes at offset ${offset} of ${content.size})`);
  }
  const bytes = content.read(offset, length);
  if (bytes.length !== length) throw new ExecutableError('METADATA_UNPARSABLE', `${what} is cut short`);
  return bytes;
}

/** Throws when a table of `count` entries of `entrySize` bytes is larger than `max` bytes. */
export function checkTableSize(count: number, entrySize: number, max: number, what: string): number {
  const size = count * entrySize;
  if (size > max) throw new ExecutableError('METADATA_UNPARSABLE', `${what} claims ${count} entries (${size} bytes, at most ${max} accepted)`);
  return size;
}
