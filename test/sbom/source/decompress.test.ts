import zlib from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { decompressChunks, hasFixedMemoryDecoder } from '../../../src/sbom/source/decompress.js';

// Node 22.12 to 22.14: a zlib without zstd.
vi.mock('node:zlib', async (importOriginal) => {
  const actual = await importOriginal<{ default: typeof zlib }>();
  const withoutZstd = { ...actual.default, createZstdDecompress: undefined };
  return { ...actual, default: withoutZstd };
});

async function inflate(data: Buffer): Promise<Buffer> {
  async function* chunks() {
    for (let pos = 0; pos < data.length; pos += 4096) yield data.subarray(pos, pos + 4096);
  }
  const out: Buffer[] = [];
  for await (const chunk of decompressChunks(chunks(), 'zstd')) out.push(Buffer.from(chunk));
  return Buffer.concat(out);
}

describe('zstd on a Node release whose zlib has none', () => {
  it('falls back to the pure-JS decoder instead of failing', async () => {
    expect(zlib.createZstdDecompress).toBeUndefined();
    expect(hasFixedMemoryDecoder('zstd')).toBe(false);
    expect(hasFixedMemoryDecoder('gzip')).toBe(true);
    const plain = Buffer.from(Array.from({ length: 100_000 }, (_, i) => `line ${i}\n`).join(''));
    expect((await inflate(zlib.zstdCompressSync(plain))).equals(plain)).toBe(true);
  });
});
