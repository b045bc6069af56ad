import { describe, expect, it } from 'vitest';
import { Fields } from '../../../../src/sbom/readers/executable/bytes.js';

/** `value` as 8 bytes in both byte orders, at offset 3 of a 16-byte buffer. */
function both(value: bigint): { le: Buffer; be: Buffer } {
  const le = Buffer.alloc(16, 0xee);
  const be = Buffer.alloc(16, 0xee);
  le.writeBigUInt64LE(value, 3);
  be.writeBigUInt64BE(value, 3);
  return { le, be };
}

describe('Fields.u64', () => {
  it.each([0n, 1n, 0xffffffffn, 0x100000000n, 0x123456789abcn, BigInt(Number.MAX_SAFE_INTEGER)])('reads %s exactly in either byte order', (value) => {
    const { le, be } = both(value);
    expect(new Fields(le, true).u64(3)).toBe(Number(value));
    expect(new Fields(be, false).u64(3)).toBe(Number(value));
  });

  it.each([BigInt(Number.MAX_SAFE_INTEGER) + 1n, 0x0020000000000000n, 0xffffffffffffffffn])('reads %s, past 2^53 - 1, as Infinity', (value) => {
    const { le, be } = both(value);
    expect(new Fields(le, true).u64(3)).toBe(Number.POSITIVE_INFINITY);
    expect(new Fields(be, false).u64(3)).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses a field that runs past the bytes', () => {
    expect(() => new Fields(Buffer.alloc(8), true).u64(1)).toThrow(RangeError);
  });
});
