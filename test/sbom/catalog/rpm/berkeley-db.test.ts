import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bufferContent, type FileContent } from '../../../../src/sbom/catalog/cataloger.js';
import { readBerkeleyDb } from '../../../../src/sbom/catalog/rpm/berkeley-db.js';
import { readRpmPackage } from '../../../../src/sbom/catalog/rpm/header.js';
import { RpmDatabaseError } from '../../../../src/sbom/catalog/rpm/records.js';
import { loadSqlite, readSqliteDatabase } from '../../../../src/sbom/catalog/rpm/sqlite.js';

// the reader is started by the rpm cataloger's prepare in a scan; these tests read SQLite directly
beforeAll(() => loadSqlite());

const FIXTURES = join(import.meta.dirname, '../../../../fixtures/catalog/rpm');
const packagesOf = (dir: string) => readFileSync(join(FIXTURES, dir, 'var/lib/rpm/Packages'));
const names = (file: Buffer) => readBerkeleyDb(bufferContent(file)).map((b) => readRpmPackage(b.blob).name);
const u32 = (file: Buffer, at: number, little: boolean) => (little ? file.readUInt32LE(at) : file.readUInt32BE(at));

/** Page numbers of the given page type in a little- or big-endian file of 4 KiB pages. */
function pagesOfType(file: Buffer, type: number): number[] {
  const pages: number[] = [];
  for (let page = 1; page * 4096 < file.length; page++) if (file[page * 4096 + 25] === type) pages.push(page);
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

  it('follows overflow chains: single overflow pages and a chain of them', () => {
    expect(pagesOfType(packagesOf('bdb'), 7).length).toBe(7);
    const ubi8 = packagesOf('bdb-ubi8');
    const chained = pagesOfType(ubi8, 7).filter((page) => u32(ubi8, page * 4096 + 16, true) !== 0);
    expect(chained.length).toBeGreaterThan(10);
    expect(readBerkeleyDb(bufferContent(ubi8))[0]?.blob.length).toBeGreaterThan(10 * 4096);
  });

  it('reads real Packages files written by rpm on CentOS 8 and UBI 8', () => {
    expect(names(packagesOf('bdb-centos8'))).toEqual(['dive']);
    expect(names(packagesOf('bdb-ubi8'))).toEqual(['libuuid']);
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
    expect(largest).toBeLessThanOrEqual(4096);
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
    fails(file.subarray(0, lastOverflow * 4096), /overflow chain from page \d+ ends after \d+ of \d+ bytes|overflow page/);
  });

  it('fails, without looping, on an overflow chain that loops or leaves the file', () => {
    // libuuid's header spans a chain of overflow pages
    const file = packagesOf('bdb-ubi8');
    const chainPage = pagesOfType(file, 7).find((page) => u32(file, page * 4096 + 16, true) !== 0) as number;
    const loop = Buffer.from(file);
    loop.writeUInt32LE(chainPage, chainPage * 4096 + 16);
    fails(loop, /overflow/);
    const away = Buffer.from(file);
    away.writeUInt32LE(0x7fffffff, chainPage * 4096 + 16);
    fails(away, /overflow chain from page \d+ ends/);
    const oversized = Buffer.from(file);
    oversized.writeUInt16LE(60000, chainPage * 4096 + 22);
    fails(oversized, /declares 60000 bytes/);
  });

  it('fails on hash pages whose item table does not fit', () => {
    const file = Buffer.from(packagesOf('bdb'));
    const hashPage = pagesOfType(file, 13)[0] as number;
    file.writeUInt16LE(5000, hashPage * 4096 + 20);
    fails(file, /declares 5000 items/);
    const crossed = Buffer.from(packagesOf('bdb'));
    crossed.writeUInt16LE(4095, hashPage * 4096 + 26 + 2);
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
