import zlib from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { decompressChunks, hasFixedMemoryDecoder } from '../../../src/sbom/source/decompress.js';
import { TarFormatError, TarParser, type RawTarEntry } from '../../../src/sbom/source/tar-parser.js';
import { tarHeader, tarOf, tarPadding } from '../../support/image-builder.js';

interface Seen {
  name: string;
  type: string;
  size: number;
  linkName: string;
  data?: string;
}

/** Parses `archive` fed in chunks of `step` bytes through a reused buffer, keeping every file. */
function parse(archive: Buffer, step: number): Seen[] {
  const seen: Seen[] = [];
  const parser = new TarParser({
    entry: (entry: RawTarEntry) => {
      const member: Seen = { name: entry.name, type: entry.typeFlag, size: entry.size, linkName: entry.linkName };
      seen.push(member);
      if (entry.typeFlag !== '0') return undefined;
      const pieces: Buffer[] = [];
      return {
        // pieces are views into the caller's reused buffer: copy them
        write: (data) => pieces.push(Buffer.from(data)) > 0,
        end: () => {
          member.data = Buffer.concat(pieces).toString();
        },
      };
    },
  });
  const scratch = Buffer.alloc(step);
  for (let pos = 0; pos < archive.length; pos += step) {
    const length = archive.copy(scratch, 0, pos, pos + step);
    parser.write(scratch.subarray(0, length));
    scratch.fill(0xee); // the parser must not have kept a reference
  }
  parser.end();
  return seen;
}

/** What tar-stream, an independent parser, reads from the same archive. */
async function oracle(archive: Buffer): Promise<Seen[]> {
  const seen: Seen[] = [];
  const extract = tar.extract();
  const types: Record<string, string> = { file: '0', link: '1', symlink: '2', directory: '5', fifo: '6' };
  extract.end(archive);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const h = entry.header;
    seen.push({
      name: h.name,
      type: types[h.type] ?? '?',
      size: h.type === 'file' ? h.size : 0,
      linkName: h.linkname ?? '',
      ...(h.type === 'file' ? { data: Buffer.concat(chunks).toString() } : {}),
    });
  }
  return seen;
}

describe('TarParser', () => {
  it('reads what an independent parser reads, whatever the chunk boundaries', async () => {
    const longName = `usr/lib/python3/dist-packages/${'very-long-directory-name/'.repeat(8)}METADATA`;
    const archive = await tarOf([
      { path: 'etc', dir: true },
      { path: 'etc/os-release', content: 'ID=debian\n' },
      { path: longName, content: 'Name: deep\n' },
      { path: 'etc/os-link', symlink: '../usr/lib/os-release' },
      { path: 'etc/hard', hardlink: 'etc/os-release' },
      { path: 'empty', content: '' },
      { path: 'block', content: 'x'.repeat(512) },
      { path: 'run/fifo', fifo: true },
      { path: 'ünïcode/файл', content: 'utf8 names\n' },
    ]);
    const expected = (await oracle(archive)).map((e) => ({ ...e, size: e.type === '0' ? e.size : 0 }));
    for (const step of [1, 7, 512, 513, 4096, archive.length]) {
      const seen = parse(archive, step).map((e) => ({ ...e, size: e.type === '0' ? e.size : 0 }));
      expect(seen).toEqual(expected);
    }
  });

  it('reads GNU long names and base-256 sizes', () => {
    const name = `opt/${'n'.repeat(150)}/package.json`;
    const longHeader = tarHeader('././@LongLink', name.length + 1, '0');
    longHeader.write('L', 156, 'latin1');
    fixChecksum(longHeader);
    const file = tarHeader('short', 3);
    // base-256 encoding of 3 in the size field
    file.fill(0, 124, 136);
    file[124] = 0x80;
    file[135] = 3;
    fixChecksum(file);
    const archive = Buffer.concat([longHeader, Buffer.from(`${name}\0`), tarPadding(name.length + 1), file, Buffer.from('abc'), tarPadding(3), Buffer.alloc(1024)]);
    expect(parse(archive, 100)).toEqual([{ name, type: '0', size: 3, linkName: '', data: 'abc' }]);
  });

  it('rejects a cut-short member and a corrupt header', () => {
    const archive = Buffer.concat([tarHeader('file', 100), Buffer.alloc(50)]);
    expect(() => parse(archive, 64)).toThrow(TarFormatError);
    const corrupt = tarHeader('file', 0);
    corrupt[0] = 0x41;
    expect(() => parse(corrupt, 512)).toThrow(/checksum/);
  });

  it('stops feeding a sink that wants no more of its member, and goes on with the next', async () => {
    const archive = await tarOf([
      { path: 'big', content: 'x'.repeat(5000) },
      { path: 'next', content: 'kept' },
    ]);
    const calls: string[] = [];
    const parser = new TarParser({
      entry: (entry) => ({
        write: (data) => {
          calls.push(`${entry.name}:${data.length}`);
          return entry.name !== 'big';
        },
        end: () => calls.push(`${entry.name}:end`),
      }),
    });
    for (let pos = 0; pos < archive.length; pos += 1000) parser.write(archive.subarray(pos, pos + 1000));
    parser.end();
    // 'big' starts after its 512-byte header: one piece of 488 bytes, then nothing
    expect(calls).toEqual(['big:488', 'next:4', 'next:end']);
  });

  it('stops at the end-of-archive marker and ignores what follows', () => {
    const archive = Buffer.concat([tarHeader('a', 1), Buffer.from('1'), tarPadding(1), Buffer.alloc(1024), Buffer.from('trailing garbage')]);
    expect(parse(archive, 300).map((e) => e.name)).toEqual(['a']);
  });
});

function fixChecksum(block: Buffer): void {
  block.write('        ', 148, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}

describe('decompressChunks', () => {
  it('uses the fixed-memory decoder on this Node release', () => {
    expect(hasFixedMemoryDecoder('gzip')).toBe(true);
    expect(hasFixedMemoryDecoder('zstd')).toBe(true);
  });

  async function inflate(data: Buffer, compression: 'gzip' | 'zstd', step = 1000): Promise<Buffer> {
    async function* chunks() {
      for (let pos = 0; pos < data.length; pos += step) yield data.subarray(pos, pos + step);
    }
    const out: Buffer[] = [];
    for await (const chunk of decompressChunks(chunks(), compression)) out.push(Buffer.from(chunk));
    return Buffer.concat(out);
  }

  it('inflates gzip (several members) and zstd exactly', async () => {
    const plain = Buffer.from(Array.from({ length: 300_000 }, (_, i) => `line ${i}\n`).join(''));
    const members = Buffer.concat([zlib.gzipSync(plain.subarray(0, 1000)), zlib.gzipSync(plain.subarray(1000))]);
    expect((await inflate(members, 'gzip')).equals(plain)).toBe(true);
    expect((await inflate(zlib.zstdCompressSync(plain), 'zstd', 4096)).equals(plain)).toBe(true);
  });

  it('fails on truncated and corrupt streams', async () => {
    const gz = zlib.gzipSync(Buffer.alloc(100_000, 7));
    await expect(inflate(gz.subarray(0, gz.length - 10), 'gzip')).rejects.toThrow(/unexpected end/);
    const bad = Buffer.from(gz);
    bad.fill(0xff, 10, 30);
    await expect(inflate(bad, 'gzip')).rejects.toThrow();
    const zst = zlib.zstdCompressSync(Buffer.alloc(100_000, 7));
    await expect(inflate(zst.subarray(0, zst.length - 5), 'zstd')).rejects.toThrow();
  });
});
