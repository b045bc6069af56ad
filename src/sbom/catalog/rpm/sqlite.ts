/**
 * rpm's SQLite database (`rpmdb.sqlite`, rpm 4.16 and later): table `Packages` maps the header
 * number `hnum` to the header `blob`. Read with SQLite compiled to WebAssembly (sql.js), whose
 * wasm file is loaded from node_modules, so it works offline and from the built `dist/`.
 *
 * sql.js starts asynchronously while parsers are synchronous, and starting it costs memory (the
 * compiled module and its linear memory) that most images, having no rpm database, never need.
 * So it is started by {@link loadSqlite}, which the rpm cataloger's `prepare` awaits only when a
 * scan found an SQLite database; {@link readSqliteDatabase} needs it done.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { SqlJsStatic } from 'sql.js';
import { applyWal } from './sqlite-wal.js';
import type { HeaderBlob } from './records.js';

const require = createRequire(import.meta.url);
let sqlite: SqlJsStatic | undefined;
let loading: Promise<void> | undefined;

/**
 * Starts SQLite once per process; later calls share the first. A failed start (a broken
 * install) is not remembered, so a later call tries again.
 */
export function loadSqlite(): Promise<void> {
  loading ??= start().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function start(): Promise<void> {
  const { default: initSqlJs } = await import('sql.js');
  const wasm = await readFile(require.resolve('sql.js/dist/sql-wasm.wasm'));
  sqlite = await initSqlJs({ wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) });
}

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
 * applied. Throws when SQLite was not started ({@link loadSqlite}), cannot read the database, or
 * the database has no `Packages` table.
 */
export function readSqliteDatabase(db: Uint8Array, wal?: Uint8Array): SqliteRead {
  if (sqlite === undefined) throw new Error('SQLite (sql.js) was not started: await loadSqlite() first');
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
