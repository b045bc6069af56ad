/**
 * Where rpm keeps its database and which of its three formats a view holds. rpm reads one
 * database, at its configured `_dbpath` and with its configured backend; sealkit, not knowing the
 * configuration, takes the first database found in this order: the directory first —
 * `/usr/lib/sysimage/rpm` (the `_dbpath` of Fedora 36+, RHEL 10 and openSUSE, which leave
 * `/var/lib/rpm` as a link to it or as a stale copy), then `/var/lib/rpm` (rpm's historic
 * default), then `/usr/share/rpm` (rpm-ostree) — and within a directory the format in the order
 * rpm's backend detection tries them (`lib/backend/dbi.c`): SQLite, NDB, Berkeley DB.
 * @module
 */
import { bufferContent, type CatalogFile, type FileContent } from '../cataloger.js';
import { readBerkeleyDb } from './berkeley-db.js';
import { readNdb } from './ndb.js';
import type { HeaderBlob } from './records.js';
import { readSqliteDatabase } from './sqlite.js';

/** Directories rpm databases live in, most preferred first (root-relative). */
export const RPM_DATABASE_DIRECTORIES: readonly string[] = ['usr/lib/sysimage/rpm', 'var/lib/rpm', 'usr/share/rpm'];

/** The database formats by file name, in rpm's detection order. */
export const RPM_DATABASE_FORMATS = [
  { file: 'rpmdb.sqlite', format: 'sqlite' },
  { file: 'Packages.db', format: 'ndb' },
  { file: 'Packages', format: 'bdb' },
] as const;

/** One of rpm's database formats. */
export type RpmDatabaseFormat = (typeof RPM_DATABASE_FORMATS)[number]['format'];

/** The database a view's rpm would read, with the WAL beside an SQLite one. */
export interface SelectedDatabase {
  file: CatalogFile;
  format: RpmDatabaseFormat;
  wal?: CatalogFile;
}

/** The first database of {@link RPM_DATABASE_DIRECTORIES} x {@link RPM_DATABASE_FORMATS} present among `files`. */
export function selectDatabase(files: readonly CatalogFile[]): SelectedDatabase | undefined {
  const byPath = new Map(files.map((file) => [file.path, file]));
  for (const directory of RPM_DATABASE_DIRECTORIES) {
    for (const { file: name, format } of RPM_DATABASE_FORMATS) {
      const file = byPath.get(`/${directory}/${name}`);
      if (file === undefined) continue;
      const wal = format === 'sqlite' ? byPath.get(`/${directory}/${name}-wal`) : undefined;
      return wal === undefined ? { file, format } : { file, format, wal };
    }
  }
  return undefined;
}

/** What {@link readHeaderBlobs} returns. */
export interface DatabaseRead {
  blobs: HeaderBlob[];
  /** A problem that did not stop the read (an unusable WAL). */
  problem?: string;
}

/** Every header blob of the selected database. Throws when the file is not readable as its format. */
export function readHeaderBlobs(selected: SelectedDatabase): DatabaseRead {
  const content = contentOf(selected.file);
  switch (selected.format) {
    case 'sqlite': {
      const wal = selected.wal === undefined ? undefined : wholeFile(contentOf(selected.wal));
      const read = readSqliteDatabase(wholeFile(content), wal);
      return read.walProblem === undefined ? { blobs: read.blobs } : { blobs: read.blobs, problem: `${selected.file.path}-wal ignored: ${read.walProblem}` };
    }
    case 'ndb':
      return { blobs: readNdb(content) };
    case 'bdb':
      return { blobs: readBerkeleyDb(content) };
  }
}

function contentOf(file: CatalogFile): FileContent {
  return file.reader ?? bufferContent(file.content);
}

function wholeFile(content: FileContent): Buffer {
  return content.read(0, content.size);
}
