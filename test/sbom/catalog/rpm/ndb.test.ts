import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { bufferContent } from '../../../../src/sbom/catalog/cataloger.js';
import { readRpmPackage } from '../../../../src/sbom/catalog/rpm/header.js';
import { readNdb } from '../../../../src/sbom/catalog/rpm/ndb.js';
import { RpmDatabaseError } from '../../../../src/sbom/catalog/rpm/records.js';
import { loadSqlite, readSqliteDatabase } from '../../../../src/sbom/catalog/rpm/sqlite.js';

// the reader is started by the rpm cataloger's prepare in a scan; these tests read SQLite directly
// SQLite is let go at the next turn of the event loop after a read: each test starts it
beforeEach(() => loadSqlite());

const FIXTURES = join(import.meta.dirname, '../../../../fixtures/catalog/rpm');
const CONVERTED = readFileSync(join(FIXTURES, 'ndb/var/lib/rpm/Packages.db'));
const SLE15 = readFileSync(join(FIXTURES, 'ndb-sle15/usr/lib/sysimage/rpm/Packages.db'));
const read = (file: Buffer) => readNdb(bufferContent(file));
const fails = (file: Buffer, message: RegExp) => expect(() => read(file)).toThrow(message);

/** Byte offset of the first used slot (package index not 0). */
function firstUsedSlot(file: Buffer): number {
  for (let at = 32; at < 4096; at += 16) if (file.readUInt32LE(at + 4) !== 0) return at;
  throw new Error('no used slot');
}

describe('readNdb', () => {
  it('reads the headers rpm wrote when it converted the SQLite database to NDB, byte for byte', () => {
    const sqlite = readSqliteDatabase(readFileSync(join(FIXTURES, 'sqlite/usr/lib/sysimage/rpm/rpmdb.sqlite'))).blobs;
    const sorted = (blobs: Array<{ blob: Buffer }>) => blobs.map((b) => b.blob.toString('base64')).sort();
    expect(sorted(read(CONVERTED))).toEqual(sorted(sqlite));
  });

  it('reads a real SLE 15 database, skipping the free slots its erased packages left', () => {
    const names = read(SLE15).map((b) => readRpmPackage(b.blob).name);
    expect(names.sort()).toEqual(['libcap2', 'libz1', 'system-user-root']);
    let free = 0;
    for (let at = 32; at < 4096; at += 16) if (SLE15.readUInt32LE(at + 4) === 0) free++;
    expect(free).toBeGreaterThan(200);
  });

  it('refuses files that are not NDB databases or declare slot pages they do not have', () => {
    fails(Buffer.alloc(16), /no RpmP magic/);
    fails(Buffer.alloc(8192), /no RpmP magic/);
    const version = Buffer.from(SLE15);
    version.writeUInt32LE(3, 4);
    fails(version, /NDB version 3 is not supported/);
    const pages = Buffer.from(SLE15);
    pages.writeUInt32LE(0xffffffff, 12);
    fails(pages, /declares 4294967295 slot pages/);
    pages.writeUInt32LE(0, 12);
    fails(pages, /declares 0 slot pages/);
    fails(SLE15.subarray(0, 2048), /declares 1 slot pages in a 2048-byte file/);
  });

  it('refuses damaged slots and blobs', () => {
    const slot = firstUsedSlot(SLE15);
    const magic = Buffer.from(SLE15);
    magic.write('Slop', slot, 'latin1');
    fails(magic, /has no Slot magic/);
    const outside = Buffer.from(SLE15);
    outside.writeUInt32LE(0x0fffffff, slot + 8);
    fails(outside, /outside the \d+-byte file/);
    const count = Buffer.from(SLE15);
    count.writeUInt32LE(0xffffffff, slot + 12);
    fails(count, /outside the \d+-byte file/);
    const blobStart = SLE15.readUInt32LE(slot + 8) * 16;
    const blobMagic = Buffer.from(SLE15);
    blobMagic[blobStart] = 0;
    fails(blobMagic, /has no BlbS magic/);
    const owner = Buffer.from(SLE15);
    owner.writeUInt32LE(9999, blobStart + 4);
    fails(owner, /points at the blob of package 9999/);
    const length = Buffer.from(SLE15);
    length.writeUInt32LE(0x7fffffff, blobStart + 12);
    fails(length, /declares 2147483647 bytes/);
    const tail = Buffer.from(SLE15);
    const blobEnd = blobStart + SLE15.readUInt32LE(slot + 12) * 16;
    tail[blobEnd - 1] = 0;
    fails(tail, /damaged blob tail/);
  });

  it('throws only its own errors on damaged files (seeded fuzzing)', () => {
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
    for (let round = 0; round < 300; round++) {
      const file = Buffer.from(CONVERTED);
      // half of the damage lands in the slot page, where it matters most
      for (let flips = 0; flips < 4; flips++) file[Math.floor(random() * (flips % 2 === 0 ? 4096 : file.length))] = Math.floor(random() * 256);
      try {
        for (const { blob } of read(file)) {
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
