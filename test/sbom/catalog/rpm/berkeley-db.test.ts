import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { bufferContent, type FileContent } from '../../../../src/sbom/catalog/cataloger.js';
import { readBerkeleyDb } from '../../../../src/sbom/catalog/rpm/berkeley-db.js';
import { readRpmPackage } from '../../../../src/sbom/catalog/rpm/header.js';
import { RpmDatabaseError } from '../../../../src/sbom/catalog/rpm/records.js';
import { loadSqlite, readSqliteDatabase } from '../../../../src/sbom/catalog/rpm/sqlite.js';

// the reader is started by the rpm cataloger's prepare in a scan; these tests read SQLite directly
// SQLite is let go at the next turn of the event loop after a read: each test starts it
beforeEach(() => loadSqlite());

const FIXTURES = join(import.meta.dirname, '../../../../fixtures/catalog/rpm');
const packagesOf = (dir: string) => readFileSync(join(FIXTURES, dir, 'var/lib/rpm/Packages'));
const names = (file: Buffer) => readBerkeleyDb(bufferContent(file)).map((b) => readRpmPackage(b.blob).name);
const littleEndian = (file: Buffer) => file.readUInt32LE(12) === 0x061561;
const u32 = (file: Buffer, at: number) => (littleEndian(file) ? file.readUInt32LE(at) : file.readUInt32BE(at));
/** The page size the metadata page declares: 4096 in rpm's own files, 512 in bdb/ and bdb-be/. */
const pageSize = (file: Buffer) => u32(file, 20);
/** The next and previous page of an overflow page's chain (0: none). */
const nextPage = (file: Buffer, page: number) => u32(file, page * pageSize(file) + 16);
const previousPage = (file: Buffer, page: number) => u32(file, page * pageSize(file) + 12);

/** Page numbers of the given page type in a little- or big-endian file. */
function pagesOfType(file: Buffer, type: number): number[] {
  const size = pageSize(file);
  const pages: number[] = [];
  for (let page = 1; page * size < file.length; page++) if (file[page * size + 25] === type) pages.push(page);
  return pages;
}

describe('readBerkeleyDb', () => {
  it('reads the same headers, byte for byte, as the SQLite database they were loaded from, in both byte orders', () => {
    const sqlite = readSqliteDatabase(readFileSync(join(FIXTURES, 'sqlite/usr/lib/sysimage/rpm/rpmdb.sqlite'))).blobs;
    for (const dir of ['bdb', 'bdb-be']) {
      const blobs = readBerkeleyDb(bufferContent(packagesOf(dir)));
      expect(blobs.map((b) => b.key)).toEqual(sqlite.map((b) => b.key));
      expect(blobs.map((b) => b.blob.toString('base64'))).toEqual(sqlite.map((b) => b.blob.toString('base64')));
    }
    // the two files really differ in byte order
    expect(packagesOf('bdb').readUInt32LE(12)).toBe(0x061561);
    expect(packagesOf('bdb-be').readUInt32BE(12)).toBe(0x061561);
  });

  it('follows overflow chains: a header on a single overflow page and headers on chains of them', () => {
    // rpm's own file, 4 KiB pages: dive's header fits on one overflow page
    const centos8 = packagesOf('bdb-centos8');
    expect(pageSize(centos8)).toBe(4096);
    expect(pagesOfType(centos8, 7).map((page) => [previousPage(centos8, page), nextPage(centos8, page)])).toEqual([[0, 0]]);
    // 512-byte pages, in both byte orders: each of the seven headers spans a chain of 4 to 6 pages
    for (const dir of ['bdb', 'bdb-be']) {
      const file = packagesOf(dir);
      expect(pageSize(file)).toBe(512);
      const overflow = pagesOfType(file, 7);
      expect(overflow.filter((page) => previousPage(file, page) === 0)).toHaveLength(7);
      expect(overflow.filter((page) => nextPage(file, page) !== 0).length).toBeGreaterThanOrEqual(3 * 7);
      const blobs = readBerkeleyDb(bufferContent(file));
      expect(blobs).toHaveLength(7);
      expect(blobs.every((b) => b.blob.length > 3 * 512)).toBe(true);
    }
  });

  it('reads a real Packages file written by rpm on CentOS 8', () => {
    expect(names(packagesOf('bdb-centos8'))).toEqual(['dive']);
  });

  it('reads through random access, one page at a time', () => {
    const file = packagesOf('bdb');
    let bytes = 0;
    let largest = 0;
    const counting: FileContent = {
      size: file.length,
      read: (offset, length) => {
        bytes += length;
        largest = Math.max(largest, length);
        return file.subarray(offset, offset + length);
      },
    };
    readBerkeleyDb(counting);
    expect(largest).toBeLessThanOrEqual(pageSize(file));
    // every page at most twice (once scanned, once as part of an overflow chain)
    expect(bytes).toBeLessThanOrEqual(2 * file.length);
  });

  const fails = (file: Buffer, message: RegExp) => expect(() => readBerkeleyDb(bufferContent(file))).toThrow(message);

  it('refuses files that are not rpm hash databases', () => {
    fails(Buffer.alloc(10), /shorter than its metadata page/);
    fails(Buffer.alloc(8192), /no hash magic number/);
    const btree = Buffer.from(packagesOf('bdb'));
    btree.writeUInt32LE(0x053162, 12);
    fails(btree, /no hash magic number/);
    const encrypted = Buffer.from(packagesOf('bdb'));
    encrypted[24] = 1;
    fails(encrypted, /encrypted/);
    const pageSize = Buffer.from(packagesOf('bdb'));
    pageSize.writeUInt32LE(3000, 20);
    fails(pageSize, /page size 3000 is invalid/);
    const version = Buffer.from(packagesOf('bdb'));
    version.writeUInt32LE(3, 16);
    fails(version, /version 3 is not supported/);
  });

  it('fails, without reading past the file, on a file cut inside an overflow chain', () => {
    const file = packagesOf('bdb');
    const lastOverflow = Math.max(...pagesOfType(file, 7));
    fails(file.subarray(0, lastOverflow * pageSize(file)), /overflow chain from page \d+ ends after \d+ of \d+ bytes|overflow page/);
  });

  it('fails, without looping, on an overflow chain that loops or leaves the file', () => {
    // every header of bdb/ spans a chain of overflow pages
    const file = packagesOf('bdb');
    const size = pageSize(file);
    const chainPage = pagesOfType(file, 7).find((page) => nextPage(file, page) !== 0) as number;
    const loop = Buffer.from(file);
    loop.writeUInt32LE(chainPage, chainPage * size + 16);
    fails(loop, /overflow/);
    const away = Buffer.from(file);
    away.writeUInt32LE(0x7fffffff, chainPage * size + 16);
    fails(away, /overflow chain from page \d+ ends/);
    const oversized = Buffer.from(file);
    oversized.writeUInt16LE(60000, chainPage * size + 22);
    fails(oversized, /declares 60000 bytes/);
  });

  it('fails on hash pages whose item table does not fit', () => {
    const file = Buffer.from(packagesOf('bdb'));
    const size = pageSize(file);
    const hashPage = pagesOfType(file, 13)[0] as number;
    file.writeUInt16LE(5000, hashPage * size + 20);
    fails(file, /declares 5000 items/);
    const crossed = Buffer.from(packagesOf('bdb'));
    crossed.writeUInt16LE(size - 1, hashPage * size + 26 + 2);
    fails(crossed, /outside its space/);
  });

  it('throws only its own errors on damaged files (seeded fuzzing)', () => {
    const original = packagesOf('bdb');
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
    for (let round = 0; round < 300; round++) {
      const file = Buffer.from(original);
      for (let flips = 0; flips < 4; flips++) file[Math.floor(random() * file.length)] = Math.floor(random() * 256);
      try {
        for (const { blob } of readBerkeleyDb(bufferContent(file))) {
          try {
            readRpmPackage(blob);
          } catch (error) {
            expect((error as Error).name).toBe('RpmHeaderError');
          }
        }
      } catch (error) {
        expect(error).toBeInstanceOf(RpmDatabaseError);
      }
    }
  });
});
