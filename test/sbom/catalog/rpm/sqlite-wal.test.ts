import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { applyWal } from '../../../../src/sbom/catalog/rpm/sqlite-wal.js';
import { loadSqlite, readSqliteDatabase } from '../../../../src/sbom/catalog/rpm/sqlite.js';

// the reader is started by the rpm cataloger's prepare in a scan; these tests read SQLite directly
// SQLite is let go at the next turn of the event loop after a read: each test starts it
beforeEach(() => loadSqlite());

// A WAL rpm left behind: rpm installed tzdata and erased python3-requests while a reader held a
// snapshot, so both transactions are only in the WAL, beside the database of sqlite/.
const FIXTURES = join(import.meta.dirname, '../../../../fixtures/catalog/rpm');
const DB = readFileSync(join(FIXTURES, 'sqlite/usr/lib/sysimage/rpm/rpmdb.sqlite'));
const WAL = readFileSync(join(FIXTURES, 'sqlite-wal/var/lib/rpm/rpmdb.sqlite-wal'));
// rpm wrote both into a database made with SQLite's smallest pages, 512 bytes
const PAGE = WAL.readUInt32BE(8);
const FRAME = 24 + PAGE;
const FRAMES = (WAL.length - 32) / FRAME;
const scratch = mkdtempSync(join(tmpdir(), 'sealkit-wal-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const digest = (hnum: number, blob: Uint8Array) => `${hnum}:${createHash('sha256').update(blob).digest('hex').slice(0, 16)}`;

/** What SQLite itself (node:sqlite, a separate build) reads from the database with this WAL beside it. */
let run = 0;
function oracle(wal: Buffer | undefined): string[] {
  const path = join(scratch, `db-${run++}.sqlite`);
  writeFileSync(path, DB);
  if (wal !== undefined) writeFileSync(`${path}-wal`, wal);
  const db = new DatabaseSync(path);
  try {
    const rows = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').all() as Array<{ hnum: number; blob: Uint8Array }>;
    return rows.map((row) => digest(row.hnum, row.blob));
  } finally {
    db.close();
  }
}

function ours(wal: Buffer | undefined): string[] {
  return readSqliteDatabase(DB, wal).blobs.map((b) => digest(b.key, b.blob));
}

/** The WAL with one byte changed. */
function flipped(at: number): Buffer {
  const copy = Buffer.from(WAL);
  copy[at] = (copy[at] as number) ^ 0xff;
  return copy;
}

describe('applyWal against SQLite itself', () => {
  it("is a real multi-transaction WAL of the database's 512-byte pages", () => {
    expect(WAL.readUInt32BE(0) & 0xfffffffe).toBe(0x377f0682);
    expect(PAGE).toBe(512);
    expect(DB.readUInt16BE(16)).toBe(PAGE);
    expect(Number.isInteger(FRAMES)).toBe(true);
    const commits = Array.from({ length: FRAMES }, (_, i) => WAL.readUInt32BE(32 + i * FRAME + 4)).filter((size) => size !== 0);
    expect(commits.length).toBeGreaterThan(1);
  });

  it('applies every committed transaction, as SQLite does', () => {
    const expected = oracle(WAL);
    expect(ours(WAL)).toEqual(expected);
    // the WAL changes what the database says: one package erased, one installed
    expect(expected).not.toEqual(oracle(undefined));
    expect(applyWal(DB, WAL).frames).toBe(FRAMES);
  });

  it('agrees with SQLite on a WAL cut at every frame boundary and in the middle of every frame', () => {
    for (let frames = 0; frames <= FRAMES; frames++) {
      const end = 32 + frames * FRAME;
      expect(ours(WAL.subarray(0, end)), `cut after ${frames} frames`).toEqual(oracle(WAL.subarray(0, end)));
      if (frames < FRAMES) {
        const middle = end + 24 + PAGE / 2;
        expect(ours(WAL.subarray(0, middle)), `cut inside frame ${frames}`).toEqual(oracle(WAL.subarray(0, middle)));
      }
    }
  });

  it('agrees with SQLite when a frame is damaged: the transactions before it stand', () => {
    for (let frame = 0; frame < FRAMES; frame += 3) {
      const start = 32 + frame * FRAME;
      for (const at of [start + 1, start + 10, start + 24 + 100]) {
        const damaged = flipped(at);
        expect(ours(damaged), `byte ${at - start} of frame ${frame}`).toEqual(oracle(damaged));
      }
    }
  });

  it('ignores a WAL with a damaged header, as SQLite does, and says why', () => {
    for (const at of [0, 9, 17, 25]) {
      const damaged = flipped(at);
      expect(ours(damaged)).toEqual(oracle(damaged));
      expect(readSqliteDatabase(DB, damaged).walProblem).toBeDefined();
    }
    expect(ours(Buffer.alloc(0))).toEqual(oracle(undefined));
    expect(readSqliteDatabase(DB, Buffer.alloc(0)).walProblem).toBeUndefined();
    expect(readSqliteDatabase(DB, WAL.subarray(0, 20)).walProblem).toMatch(/shorter than its header/);
  });

  it('never grows the image past the bytes of both files', () => {
    // forge a commit size far beyond the files, with checksums recomputed so every frame is valid
    const forged = Buffer.from(WAL.subarray(0, 32 + FRAME));
    forged.writeUInt32BE(0x00ffffff, 32 + 4);
    const little = forged.readUInt32BE(0) === 0x377f0682;
    let s0 = forged.readUInt32BE(24);
    let s1 = forged.readUInt32BE(28);
    const word = (at: number) => (little ? forged.readUInt32LE(at) : forged.readUInt32BE(at));
    for (const [from, length] of [
      [32, 8],
      [32 + 24, PAGE],
    ] as const) {
      for (let i = from; i < from + length; i += 8) {
        s0 = (s0 + word(i) + s1) >>> 0;
        s1 = (s1 + word(i + 4) + s0) >>> 0;
      }
    }
    forged.writeUInt32BE(s0, 32 + 16);
    forged.writeUInt32BE(s1, 32 + 20);
    const merge = applyWal(DB, forged);
    expect(merge.problem).toMatch(/commits a \d+-byte database from \d+ bytes of files/);
    expect(merge.image.length).toBe(DB.length);
  });
});
