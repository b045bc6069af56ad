/**
 * SQLite (sql.js) is started only when a scan needs it: reading before {@link loadSqlite} fails,
 * the rpm cataloger's prepare starts it for an SQLite database only, and a scan of an rpm root
 * starts it by itself. Each test file runs in a process of its own, so nothing has started it here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

  it('is started by a scan that finds an SQLite database, before the rpm cataloger parses it', async () => {
    const root = await writeEntries(join(await tempDir(), 'root'), [fixtureFile(`rpm/sqlite/${DB_PATH}`, DB_PATH)]);
    const sbom = await generateSbom(`dir:${root}`, { catalogers: ['rpm-db'], timestamp: 0 });
    expect(sbom.warnings).toEqual([]);
    expect(sbom.packages.length).toBeGreaterThan(0);
    expect(readSqliteDatabase(DB).blobs).toHaveLength(sbom.packages.length);
  });

  it('is started once: later calls share it', async () => {
    const first = loadSqlite();
    expect(loadSqlite()).toBe(first);
    await first;
  });
});
