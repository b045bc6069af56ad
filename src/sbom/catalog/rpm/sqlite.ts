/**
 * rpm's SQLite database (`rpmdb.sqlite`, rpm 4.16 and later): table `Packages` maps the header
 * number `hnum` to the header `blob`. Read with SQLite compiled to WebAssembly (sql.js), whose
 * wasm file is loaded from node_modules, so it works offline and from the built `dist/`.
 *
 * sql.js starts asynchronously while parsers are synchronous, and starting it costs memory (the
 * compiled module and its linear memory, over 20 MiB) that most images, having no rpm database,
 * never need. So it is started by {@link loadSqlite}, which the rpm cataloger's `prepare` awaits
 * only when a scan found an SQLite database; {@link readSqliteDatabase} needs it done.
 *
 * A started SQLite is let go once the reads of the synchronous run that needed it are over (at the
 * next turn of the event loop, see {@link readSqliteDatabase}), so that its memory is not carried
 * through the rest of the scan. sql.js keeps the instance it started in its own module scope, which
 * the module cache keeps for the life of the process; so its script is evaluated here, into a
 * scope of our own for each start, and nothing else refers to what it starts.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { compileFunction } from 'node:vm';
import type { SqlJsStatic } from 'sql.js';
import { applyWal } from './sqlite-wal.js';
import type { HeaderBlob } from './records.js';

const require = createRequire(import.meta.url);
type SqlJsFactory = (config: { wasmBinary: ArrayBuffer }) => Promise<SqlJsStatic>;
/** sql.js's script compiled as a CommonJS module body: each call evaluates it into a fresh scope. */
type SqlJsScript = (module: { exports: unknown }, exports: unknown, load: NodeJS.Require, filename: string, directory: string) => void;
let evaluateSqlJs: SqlJsScript | undefined;
let sqlite: SqlJsStatic | undefined;
let loading: Promise<void> | undefined;
/** Counts {@link loadSqlite} calls, so that a release planned before a later call is called off. */
let loads = 0;
let loadsAtLastRead = 0;
let releasePlanned = false;

/**
 * Starts SQLite, unless it is started and not yet let go; calls in between share one start. A
 * failed start (a broken install) is not remembered, so a later call tries again.
 */
export function loadSqlite(): Promise<void> {
  loads++;
  loading ??= start().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function start(): Promise<void> {
  const script = require.resolve('sql.js');
  evaluateSqlJs ??= compileFunction(await readFile(script, 'utf8'), ['module', 'exports', 'require', '__filename', '__dirname'], { filename: script }) as SqlJsScript;
  const module: { exports: unknown } = { exports: {} };
  evaluateSqlJs(module, module.exports, require, script, dirname(script));
  const initSqlJs = module.exports as SqlJsFactory;
  const wasm = await readFile(require.resolve('sql.js/dist/sql-wasm.wasm'));
  sqlite = await initSqlJs({ wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) });
}

/**
 * Lets SQLite go at the next turn of the event loop, unless {@link loadSqlite} is called after the
 * last read.
 * A scan's reads of one cataloger all run synchronously after its `prepare`, so they are over by
 * then, and the scan waits for that turn before the next cataloger (see catalog-views.ts), whose
 * collection then returns SQLite's memory.
 */
function planRelease(): void {
  loadsAtLastRead = loads;
  if (releasePlanned) return;
  releasePlanned = true;
  setImmediate(() => {
    releasePlanned = false;
    if (loads !== loadsAtLastRead) return;
    sqlite = undefined;
    loading = undefined;
  });
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
 * the database has no `Packages` table. SQLite stays started for reads in the same synchronous
 * run and is let go after it: a read after an `await` needs {@link loadSqlite} again.
 */
export function readSqliteDatabase(db: Uint8Array, wal?: Uint8Array): SqliteRead {
  if (sqlite === undefined) throw new Error('SQLite (sql.js) was not started: await loadSqlite() first');
  planRelease();
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
