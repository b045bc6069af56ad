/**
 * Applies an SQLite write-ahead log to its database image, the way SQLite itself reads a WAL
 * database (sqlite.org "Database File Format", section 4): frames are taken in order while their
 * salts match the WAL header and their cumulative checksums hold, and only up to the last commit
 * frame; a later frame of a page replaces an earlier one. rpm's SQLite backend runs in WAL mode,
 * so an image taken while rpm or another reader had the database open holds its newest
 * transactions only in `rpmdb.sqlite-wal`.
 *
 * sql.js keeps its files in a virtual file system it does not expose, so it cannot be handed the
 * WAL: the merged image is given to it instead, marked as a rollback-journal database (bytes 18
 * and 19 set to 1) so that SQLite does not look for a WAL or shared memory it cannot have.
 * @module
 */

const WAL_HEADER = 32;
const FRAME_HEADER = 24;
const MAGIC_LITTLE = 0x377f0682;
const MAGIC_BIG = 0x377f0683;

/** The result of {@link applyWal}. */
export interface WalMerge {
  /** The database as SQLite would see it, in rollback-journal mode. */
  image: Uint8Array;
  /** Frames applied (those of committed transactions). */
  frames: number;
  /** Why the WAL was ignored, when it was not empty and yet unusable. */
  problem?: string;
}

/** SQLite's page size from the database header: a power of two from 512 to 65536. */
export function sqlitePageSize(db: Uint8Array): number | undefined {
  if (db.length < 100) return undefined;
  const raw = (db[16] as number) * 256 + (db[17] as number);
  const size = raw === 1 ? 65536 : raw;
  return size >= 512 && size <= 65536 && (size & (size - 1)) === 0 ? size : undefined;
}

/**
 * The database image with the committed frames of `wal` applied. A WAL that is empty, belongs
 * to another page size or has a bad header is ignored, as SQLite ignores it; `problem` says so
 * when the WAL held bytes.
 */
export function applyWal(db: Uint8Array, wal: Uint8Array | undefined): WalMerge {
  const pageSize = sqlitePageSize(db);
  const ignored = (problem?: string): WalMerge => ({ image: asRollbackJournal(db), frames: 0, ...(problem === undefined ? {} : { problem }) });
  if (wal === undefined || wal.length === 0) return ignored();
  if (pageSize === undefined) return ignored('the database header has no valid page size');
  if (wal.length < WAL_HEADER) return ignored(`the WAL is ${wal.length} bytes, shorter than its header`);
  const view = new DataView(wal.buffer, wal.byteOffset, wal.byteLength);
  const magic = view.getUint32(0);
  if (magic !== MAGIC_LITTLE && magic !== MAGIC_BIG) return ignored('the WAL has no WAL magic number');
  const bigEndian = magic === MAGIC_BIG;
  if (view.getUint32(8) !== pageSize) return ignored(`the WAL's page size ${view.getUint32(8)} is not the database's ${pageSize}`);
  let sums = checksum(view, 0, 24, bigEndian, [0, 0]);
  if (sums[0] !== view.getUint32(24) || sums[1] !== view.getUint32(28)) return ignored('the WAL header checksum does not match');
  const salt1 = view.getUint32(16);
  const salt2 = view.getUint32(20);

  const frameSize = FRAME_HEADER + pageSize;
  // pages of committed transactions, frame offsets by page number; later frames win
  const committed = new Map<number, number>();
  const pending = new Map<number, number>();
  let databasePages: number | undefined;
  let frames = 0;
  let pendingFrames = 0;
  for (let at = WAL_HEADER; at + frameSize <= wal.length; at += frameSize) {
    const pageNumber = view.getUint32(at);
    const commitSize = view.getUint32(at + 4);
    if (pageNumber === 0 || view.getUint32(at + 8) !== salt1 || view.getUint32(at + 12) !== salt2) break;
    sums = checksum(view, at, 8, bigEndian, sums);
    sums = checksum(view, at + FRAME_HEADER, pageSize, bigEndian, sums);
    if (sums[0] !== view.getUint32(at + 16) || sums[1] !== view.getUint32(at + 20)) break;
    pending.set(pageNumber, at + FRAME_HEADER);
    pendingFrames++;
    if (commitSize !== 0) {
      for (const [page, offset] of pending) committed.set(page, offset);
      pending.clear();
      frames += pendingFrames;
      pendingFrames = 0;
      databasePages = commitSize;
    }
  }
  if (databasePages === undefined) return ignored();
  // every page past the old end must come from a frame, which bounds the image by both files
  const size = databasePages * pageSize;
  if (size > db.length + wal.length) return ignored(`the WAL commits a ${size}-byte database from ${db.length + wal.length} bytes of files`);
  const image = new Uint8Array(size);
  image.set(db.subarray(0, Math.min(db.length, size)));
  for (const [page, offset] of committed) {
    if (page <= databasePages) image.set(wal.subarray(offset, offset + pageSize), (page - 1) * pageSize);
  }
  markRollbackJournal(image);
  return { image, frames };
}

/** SQLite's WAL checksum over `length` bytes (a multiple of 8) from `offset`, continuing `seed`. */
function checksum(view: DataView, offset: number, length: number, bigEndian: boolean, seed: readonly [number, number]): [number, number] {
  let s0 = seed[0];
  let s1 = seed[1];
  const littleEndian = !bigEndian;
  for (let i = offset; i < offset + length; i += 8) {
    s0 = (s0 + view.getUint32(i, littleEndian) + s1) >>> 0;
    s1 = (s1 + view.getUint32(i + 4, littleEndian) + s0) >>> 0;
  }
  return [s0, s1];
}

/** `db` itself when it is already in rollback-journal mode, else a marked copy. */
function asRollbackJournal(db: Uint8Array): Uint8Array {
  if (db.length < 100 || (db[18] !== 2 && db[19] !== 2)) return db;
  const copy = new Uint8Array(db);
  markRollbackJournal(copy);
  return copy;
}

function markRollbackJournal(image: Uint8Array): void {
  if (image.length < 100) return;
  image[18] = 1;
  image[19] = 1;
}
