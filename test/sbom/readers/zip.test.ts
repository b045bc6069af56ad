import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bufferSource, sliceSource, type ByteSource } from '../../../src/sbom/readers/byte-source.js';
import { ZipError, isSafeEntryName, openZip, readZipEntry, zipEntrySource, type ZipEntry } from '../../../src/sbom/readers/zip.js';
import { buildZip } from './zip-builder.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/catalog/java');

interface Listed {
  name: string;
  method: number;
  crc32: number;
  size: number;
  compressedSize: number;
  dataDescriptor: boolean;
}

/** Python's zipfile listing of the fixture archives, recorded by make-fixtures.sh. */
function pythonListings(): Map<string, Listed[]> {
  const listings = new Map<string, Listed[]>();
  const [, ...rows] = readFileSync(join(FIXTURES, 'zip-listings.tsv'), 'utf8').trimEnd().split('\n');
  for (const row of rows) {
    const [archive = '', name = '', method, crc, size, compressedSize, dataDescriptor] = row.split('\t');
    const list = listings.get(archive) ?? [];
    list.push({ name, method: Number(method), crc32: Number(crc), size: Number(size), compressedSize: Number(compressedSize), dataDescriptor: dataDescriptor === '1' });
    listings.set(archive, list);
  }
  return listings;
}

function fixture(path: string): ByteSource {
  return bufferSource(readFileSync(join(FIXTURES, path)));
}

function entries(source: ByteSource): ZipEntry[] {
  return [...openZip(source).entries()];
}

function entry(source: ByteSource, name: string): ZipEntry {
  const found = entries(source).find((e) => e.name === name);
  if (found === undefined) throw new Error(`no ${name}`);
  return found;
}

/** A source that records every read, to show what the reader touches. */
function counting(source: ByteSource): ByteSource & { reads: Array<[number, number]>; bytes: () => number } {
  const reads: Array<[number, number]> = [];
  return {
    size: source.size,
    reads,
    bytes: () => reads.reduce((sum, [, length]) => sum + length, 0),
    read(offset, length) {
      const bytes = source.read(offset, length);
      reads.push([offset, bytes.length]);
      return bytes;
    },
  };
}

function zipError(run: () => unknown): ZipError {
  try {
    run();
  } catch (error) {
    if (error instanceof ZipError) return error;
    throw error;
  }
  throw new Error('expected a ZipError');
}

const NUMBERS = Array.from({ length: 300 }, (_, i) => `${i + 1}\n`).join('');
const MANIFEST = 'Manifest-Version: 1.0\nImplementation-Version: 1.0\n\n';

describe('zip reader against Python zipfile', () => {
  const listings = pythonListings();

  it('covers stored and deflated entries, data descriptors and zip64', () => {
    const all = [...listings.values()].flat();
    expect(listings.size).toBeGreaterThanOrEqual(9);
    expect(all.some((e) => e.method === 0 && e.size > 0)).toBe(true);
    expect(all.some((e) => e.method === 8)).toBe(true);
    expect(all.filter((e) => e.dataDescriptor).length).toBeGreaterThan(10);
  });

  for (const [archive, expected] of listings) {
    it(`lists ${archive} as zipfile does and reads every entry with a matching CRC`, () => {
      const source = fixture(archive);
      const listed = entries(source);
      expect(listed.map((e) => ({ name: e.name, method: e.method, crc32: e.crc32, size: e.uncompressedSize, compressedSize: e.compressedSize }))).toEqual(
        expected.map(({ dataDescriptor: _, ...rest }) => rest),
      );
      for (const e of listed.filter((x) => !x.isDirectory)) {
        const content = readZipEntry(source, e, 1024 * 1024);
        expect(content.length).toBe(e.uncompressedSize);
        expect(crc32(content)).toBe(e.crc32);
      }
    });
  }

  for (const name of ['infozip-zip64.zip', 'infozip-streamed.zip', 'python-zip64.zip', 'python-streamed.zip']) {
    it(`reads the content ${name} was written with`, () => {
      const source = fixture(`zip/${name}`);
      expect(readZipEntry(source, entry(source, 'numbers.txt'), 1 << 20).toString('utf8')).toBe(NUMBERS);
      expect(readZipEntry(source, entry(source, 'MANIFEST.MF'), 1 << 20).toString('utf8')).toBe(MANIFEST);
    });
  }

  it('finds the zip64 end record Info-ZIP writes with -fz, and its saturated sizes in the extra field', () => {
    const directory = openZip(fixture('zip/infozip-zip64.zip'));
    expect(directory.zip64).toBe(true);
    expect(openZip(fixture('zip/python-zip64.zip')).zip64).toBe(false);
    expect([...directory.entries()].map((e) => e.uncompressedSize)).toEqual([MANIFEST.length, NUMBERS.length]);
  });
});

describe('zip reader forms', () => {
  it('reads an archive with a launch script before it (an executable jar)', () => {
    const jar = readFileSync(join(FIXTURES, 'root/opt/demo/demo-boot.jar'));
    const script = Buffer.from('#!/bin/sh\nexec java -jar "$0" "$@"\n'.repeat(40));
    const source = bufferSource(Buffer.concat([script, jar]));
    const directory = openZip(source);
    expect(directory.prefixLength).toBe(script.length);
    const nested = entry(source, 'BOOT-INF/lib/slf4j-nop-1.7.32.jar');
    expect(readZipEntry(source, nested, 1 << 20)).toEqual(readFileSync(join(FIXTURES, 'root/usr/share/java/slf4j-nop.jar')));
  });

  it('reads a stored entry in place, as a view of the enclosing source', () => {
    const outer = counting(fixture('root/opt/demo/demo-boot.jar'));
    const nested = zipEntrySource(outer, entry(outer, 'BOOT-INF/lib/slf4j-nop-1.7.32.jar'), 16);
    expect(nested.size).toBe(4003);
    const inner = entries(nested).map((e) => e.name);
    expect(inner).toContain('META-INF/maven/org.slf4j/slf4j-nop/pom.properties');
  });

  it('inflates a deflated entry into its own source, bounded', () => {
    const source = fixture('root/opt/demo/demo.war');
    const lib = entry(source, 'WEB-INF/lib/slf4j-nop-1.7.32.jar');
    expect(lib.method).toBe(8);
    expect(entries(zipEntrySource(source, lib, 1 << 20)).length).toBe(13);
    expect(zipError(() => zipEntrySource(source, lib, 1000)).failure).toBe('too-large');
  });

  it('skips a trailing comment to find the end record', () => {
    const zip = buildZip([{ name: 'a.txt', data: 'hello' }], { comment: 'PK\u0005\u0006 looks like a signature' });
    const source = bufferSource(zip);
    expect(readZipEntry(source, entry(source, 'a.txt'), 100).toString()).toBe('hello');
  });

  it('reads zip64 extra fields for sizes and offset, and a zip64 end record', () => {
    const data = Buffer.from(NUMBERS);
    const source = bufferSource(buildZip([{ name: 'numbers.txt', data, method: 8, zip64: true }, { name: 'b', data: 'b', zip64: true }], { zip64End: true }));
    const listed = entries(source);
    expect(openZip(source).zip64).toBe(true);
    expect(listed[0]?.uncompressedSize).toBe(data.length);
    expect(listed[1]?.localHeaderOffset).toBeGreaterThan(0);
    expect(readZipEntry(source, listed[1] as ZipEntry, 10).toString()).toBe('b');
  });

  it('walks more than 65535 entries in windows without zip64 (the count wraps), never reading the directory at once', () => {
    const many = Array.from({ length: 70_000 }, (_, i) => ({ name: `classes/C${i}.class`, data: '' }));
    const source = counting(bufferSource(buildZip(many)));
    const listed = entries(source);
    expect(listed.length).toBe(70_000);
    expect(listed[69_999]?.name).toBe('classes/C69999.class');
    expect(Math.max(...source.reads.map(([, length]) => length))).toBeLessThanOrEqual(65_557);
  });

  it('reads no more of a large archive than its end, its directory and the entries asked for', () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 7);
    const source = counting(bufferSource(buildZip([{ name: 'big.bin', data: big }, { name: 'META-INF/MANIFEST.MF', data: MANIFEST }])));
    const manifest = entry(source, 'META-INF/MANIFEST.MF');
    expect(readZipEntry(source, manifest, 1000).toString()).toBe(MANIFEST);
    expect(source.bytes()).toBeLessThan(80 * 1024);
  });
});

describe('zip reader on bad input', () => {
  const good = buildZip([
    { name: 'META-INF/MANIFEST.MF', data: MANIFEST, method: 8 },
    { name: 'b.txt', data: 'bbbb' },
  ]);

  it('refuses what is not a zip', () => {
    expect(zipError(() => openZip(bufferSource(Buffer.alloc(0)))).failure).toBe('not-zip');
    expect(zipError(() => openZip(bufferSource(Buffer.from('Rar!\x1a\x07\x00 not a zip')))).failure).toBe('not-zip');
    expect(zipError(() => openZip(bufferSource(good.subarray(0, good.length - 10)))).failure).toBe('not-zip');
  });

  it('reports a truncated central directory', () => {
    // drop the last bytes of the directory but keep the end record
    const cdEnd = good.length - 22;
    const cut = Buffer.concat([good.subarray(0, cdEnd - 10), good.subarray(cdEnd)]);
    const error = zipError(() => [...openZip(bufferSource(cut)).entries()]);
    expect(error.failure).toBe('corrupt');
    expect(error.code).toBe('METADATA_UNPARSABLE');
  });

  it('reports a wrong directory offset and a wrong entry count', () => {
    expect(zipError(() => entries(bufferSource(buildZip([{ name: 'a', data: 'a' }], { cdOffsetDelta: 3 })))).failure).toBe('corrupt');
    // an offset short of the directory reads as 3 bytes prepended: the listing holds, the entries do not
    const early = bufferSource(buildZip([{ name: 'a', data: 'a' }], { cdOffsetDelta: -3 }));
    expect(openZip(early).prefixLength).toBe(3);
    expect(zipError(() => readZipEntry(early, entry(early, 'a'), 10)).message).toMatch(/no local header/);
    expect(zipError(() => entries(bufferSource(buildZip([{ name: 'a', data: 'a' }], { declaredCount: 5 })))).message).toMatch(/declares 5/);
  });

  it('reports a local header that is not where the directory says', () => {
    const zip = Buffer.from(good);
    zip.writeUInt32LE(0, 0);
    const source = bufferSource(zip);
    expect(zipError(() => readZipEntry(source, entry(source, 'META-INF/MANIFEST.MF'), 1000)).message).toMatch(/no local header/);
  });

  it('refuses an entry that declares more than the limit before reading it', () => {
    const source = counting(bufferSource(buildZip([{ name: 'huge.bin', data: 'x', method: 8, declare: { size: 0xfffffff0 } }])));
    const huge = entry(source, 'huge.bin');
    const before = source.reads.length;
    const error = zipError(() => readZipEntry(source, huge, 64 * 1024 * 1024));
    expect(error.failure).toBe('too-large');
    expect(error.code).toBe('FILE_TOO_LARGE');
    expect(source.reads.length).toBe(before);
  });

  it('stops an entry that inflates past its declared size (a bomb that lies) at the declared size', () => {
    const zeros = Buffer.alloc(1024 * 1024);
    const source = bufferSource(buildZip([{ name: 'bomb.bin', data: zeros, method: 8, declare: { size: 1000 } }]));
    expect(zipError(() => readZipEntry(source, entry(source, 'bomb.bin'), 64 * 1024 * 1024)).message).toMatch(/inflates past its declared 1000 bytes/);
  });

  it('refuses a compressed size far beyond what deflate needs, a bad CRC, bad deflate data, and unsupported entries', () => {
    const deflated = deflateRawSync(Buffer.from('hello'));
    const cases = buildZip([
      { name: 'fat', data: 'hello', method: 8, declare: { compressedSize: deflated.length, size: 5 } },
      { name: 'crc', data: 'hello', declare: { crc32: 1 } },
      { name: 'garbage', data: Buffer.from('not deflate'), declare: { method: 8, size: 11 } },
      { name: 'secret', data: 'x', declare: { flags: 0x0801 } },
      { name: 'bzip2', data: 'x', declare: { method: 12 } },
      { name: 'sizes', data: 'hello', declare: { size: 4 } },
    ]);
    const source = bufferSource(cases);
    expect(() => readZipEntry(source, entry(source, 'fat'), 100)).not.toThrow();
    expect(zipError(() => readZipEntry(source, entry(source, 'crc'), 100)).message).toMatch(/CRC-32/);
    expect(zipError(() => readZipEntry(source, entry(source, 'garbage'), 100)).failure).toBe('corrupt');
    expect(zipError(() => readZipEntry(source, entry(source, 'secret'), 100)).failure).toBe('unsupported');
    expect(zipError(() => readZipEntry(source, entry(source, 'bzip2'), 100)).failure).toBe('unsupported');
    expect(zipError(() => readZipEntry(source, entry(source, 'sizes'), 100)).failure).toBe('corrupt');
    const absurd = bufferSource(buildZip([{ name: 'x', data: 'hello', method: 8, declare: { compressedSize: 100_000, size: 5 } }]));
    expect(zipError(() => readZipEntry(absurd, entry(absurd, 'x'), 100)).message).toMatch(/compressed bytes/);
  });

  it('refuses data that runs past the end of the archive', () => {
    const source = bufferSource(buildZip([{ name: 'x', data: 'hello', declare: { compressedSize: 1 << 20, size: 1 << 20 } }]));
    expect(zipError(() => readZipEntry(source, entry(source, 'x'), 1 << 21)).message).toMatch(/past the end/);
  });

  it('tells safe entry names from ones that climb out', () => {
    for (const name of ['META-INF/MANIFEST.MF', 'BOOT-INF/lib/a..b.jar', 'a/b/']) expect(isSafeEntryName(name)).toBe(true);
    for (const name of ['../evil.jar', 'lib/../../evil.jar', '/etc/passwd', 'C:/x.jar', 'lib\\..\\x.jar', 'a\0b', '']) {
      expect(isSafeEntryName(name)).toBe(false);
    }
  });

  it('clamps slices to their source', () => {
    const source = sliceSource(bufferSource(Buffer.from('0123456789')), 4, 100);
    expect(source.size).toBe(6);
    expect(source.read(2, 100).toString()).toBe('6789');
    expect(source.read(10, 5).length).toBe(0);
  });
});
