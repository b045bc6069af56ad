/**
 * SQLite (sql.js) is started only when a scan needs it: reading before {@link loadSqlite} fails,
 * the rpm cataloger's prepare starts it for an SQLite database only, and a scan of an rpm root
 * starts it by itself, and lets it go after its reads. Each test file runs in a process of its own,
 * so nothing has started it here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { rpmCataloger } from '../../../../src/sbom/catalog/rpm/cataloger.js';
import { loadSqlite, readSqliteDatabase } from '../../../../src/sbom/catalog/rpm/sqlite.js';
import { generateSbom } from '../../../../src/sbom/generate.js';
import { fixtureFile, writeEntries } from '../../../support/fixture-roots.js';
import { tempDir } from '../../../support/image-builder.js';
import { MemoryResolver, runCataloger } from '../memory-resolver.js';

const DB_PATH = 'usr/lib/sysimage/rpm/rpmdb.sqlite';
const DB = readFileSync(join(import.meta.dirname, '../../../../fixtures/catalog/rpm/sqlite', DB_PATH));

// in order (tests in a file run one after another): each step needs SQLite not started by a later one
describe('starting SQLite on demand', () => {
  it('is not started by importing the rpm cataloger; reading then fails, and a parse warns', () => {
    expect(() => readSqliteDatabase(DB)).toThrow(/not started/);
    const run = runCataloger(rpmCataloger, new MemoryResolver({ [`/${DB_PATH}`]: DB }));
    expect(run.packages).toEqual([]);
    expect(run.warnings).toEqual([expect.objectContaining({ code: 'METADATA_UNPARSABLE', path: `/${DB_PATH}`, message: expect.stringMatching(/not started/) })]);
  });

  it('is not started by the rpm cataloger for Berkeley DB and NDB databases', async () => {
    await rpmCataloger.prepare?.(['/var/lib/rpm/Packages', '/usr/lib/sysimage/rpm/Packages.db']);
    expect(() => readSqliteDatabase(DB)).toThrow(/not started/);
  });

  it('is started by a scan that finds an SQLite database, before the rpm cataloger parses it, and let go after', async () => {
    const root = await writeEntries(join(await tempDir(), 'root'), [fixtureFile(`rpm/sqlite/${DB_PATH}`, DB_PATH)]);
    const sbom = await generateSbom(`dir:${root}`, { catalogers: ['rpm-db'], timestamp: 0 });
    expect(sbom.warnings).toEqual([]);
    expect(sbom.packages.length).toBeGreaterThan(0);
    expect(() => readSqliteDatabase(DB)).toThrow(/not started/);
    await loadSqlite();
    expect(readSqliteDatabase(DB).blobs).toHaveLength(sbom.packages.length);
  });

  it('is started once: later calls share it', async () => {
    const first = loadSqlite();
    expect(loadSqlite()).toBe(first);
    await first;
  });
});

describe('letting SQLite go', () => {
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it('keeps it for the reads of one synchronous run and lets it go at the next turn of the event loop', async () => {
    await loadSqlite();
    const count = readSqliteDatabase(DB).blobs.length;
    expect(readSqliteDatabase(DB).blobs).toHaveLength(count);
    await nextTurn();
    expect(() => readSqliteDatabase(DB)).toThrow(/not started/);
    await loadSqlite();
    expect(readSqliteDatabase(DB).blobs).toHaveLength(count);
  });

  it('keeps it when it is loaded again before that turn (another scan prepared)', async () => {
    await loadSqlite();
    const count = readSqliteDatabase(DB).blobs.length;
    const again = loadSqlite();
    await nextTurn();
    await again;
    expect(readSqliteDatabase(DB).blobs).toHaveLength(count);
  });

  it('returns its memory to a collection once let go: nothing else keeps the instance', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // what the previous tests started and let go
    await nextTurn();
    // Collected until it holds still: memory that earlier tests let go may be freed a few
    // collections late (finalizers run between turns), and must not be counted as SQLite's.
    const collect = async () => {
      let last = Number.POSITIVE_INFINITY;
      for (let round = 0; round < 20; round++) {
        gc();
        await nextTurn();
        const now = process.memoryUsage().external;
        if (round >= 2 && Math.abs(now - last) < 256 * 1024) return now;
        last = now;
      }
      return last;
    };
    const before = await collect();
    await loadSqlite();
    readSqliteDatabase(DB);
    // its linear memory alone is 16 MiB
    expect(process.memoryUsage().external - before).toBeGreaterThan(16 * 1024 * 1024);
    await nextTurn();
    expect(await collect()).toBeLessThan(before + 4 * 1024 * 1024);
  });
});
