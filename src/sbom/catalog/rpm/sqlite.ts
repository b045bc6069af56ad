/**
 * rpm's SQLite database (`rpmdb.sqlite`, rpm 4.16 and later): table `Packages` maps the header
 * number `hnum` to the header `blob`. Read with SQLite compiled to WebAssembly (sql.js), whose
 * wasm file is loaded from node_modules, so it works offline and from the built `dist/`.
 *
 * sql.js starts asynchronously while parsers are synchronous, so the module starts it at load
 * time (top-level await): importing the catalogers waits for the compiled SQLite once.
 * @module
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import initSqlJs from 'sql.js';
import { applyWal } from './sqlite-wal.js';
import type { HeaderBlob } from './records.js';

const require = createRequire(import.meta.url);
const wasm = readFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'));
const sqlite = await initSqlJs({ wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) });

/** What {@link readSqliteDatabase} found. */
export interface SqliteRead {
  blobs: HeaderBlob[];
  /** WAL frames of committed transactions that were applied. */
  walFrames: number;
  /** Why a non-empty WAL was ignored. */
  walProblem?: string;
}

/**
 * Every header blob of an rpm SQLite database, with the committed transactions of its WAL
 * applied. Throws when SQLite cannot read the database or it has no `Packages` table.
 */
export function readSqliteDatabase(db: Uint8Array, wal?: Uint8Array): SqliteRead {
  const merged = applyWal(db, wal);
  const database = new sqlite.Database(merged.image);
  try {
    const statement = database.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum');
    const blobs: HeaderBlob[] = [];
    try {
      while (statement.step()) {
        const [key, blob] = statement.get();
        if (typeof key !== 'number' || !(blob instanceof Uint8Array)) continue;
        blobs.push({ key, blob: Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength) });
      }
    } finally {
      statement.free();
    }
    return { blobs, walFrames: merged.frames, ...(merged.problem === undefined ? {} : { walProblem: merged.problem }) };
  } finally {
    database.close();
  }
}
