import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InflateError, inflateRawBounded } from '../../../src/sbom/readers/bounded-inflate.js';
import { bufferSource, readExactly } from '../../../src/sbom/readers/byte-source.js';

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof InflateError) return error.failure;
    throw error;
  }
  return 'none';
}

describe('bounded raw inflate', () => {
  it('inflates up to and including the bound', () => {
    const data = Buffer.from('x'.repeat(1000));
    expect(inflateRawBounded(deflateRawSync(data), 1000)).toEqual(data);
    expect(inflateRawBounded(deflateRawSync(Buffer.alloc(0)), 0)).toEqual(Buffer.alloc(0));
  });

  it('stops one byte past the bound, and at the bound for a 100 MiB bomb of 100 KiB', () => {
    expect(failure(() => inflateRawBounded(deflateRawSync(Buffer.alloc(1001)), 1000))).toBe('too-large');
    const bomb = deflateRawSync(Buffer.alloc(100 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(110 * 1024);
    expect(failure(() => inflateRawBounded(bomb, 1024 * 1024))).toBe('too-large');
  });

  it('calls truncated or invalid data corrupt', () => {
    const data = deflateRawSync(Buffer.from('hello world, hello world'));
    expect(failure(() => inflateRawBounded(data.subarray(0, data.length - 3), 100))).toBe('corrupt');
    expect(failure(() => inflateRawBounded(Buffer.from([0xff, 0xff, 0xff]), 100))).toBe('corrupt');
  });
});

describe('byte sources', () => {
  it('reads exactly or not at all', () => {
    const source = bufferSource(Buffer.from('0123456789'));
    expect(readExactly(source, 8, 2)?.toString()).toBe('89');
    expect(readExactly(source, 8, 3)).toBeUndefined();
    expect(readExactly(source, -1, 2)).toBeUndefined();
  });
});
