/**
 * Installed rpm packages (Fedora, RHEL and its rebuilds, SUSE, Amazon Linux, Mariner) from the
 * rpm database, in any of its three formats (see `database.ts` for which one a view's rpm reads).
 * Each header becomes one package; `REQUIRENAME` entries become relationships to the installed
 * package that provides the capability or owns the required file. The header's file list becomes
 * the package's owned files, so that a jar or a Python distribution an rpm installed is related
 * to it.
 * @module
 */
import { normalizeLicense } from '../../license.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, RelationshipDraft } from '../cataloger.js';
import { RPM_DATABASE_DIRECTORIES, RPM_DATABASE_FORMATS, readHeaderBlobs, selectDatabase, type DatabaseRead } from './database.js';
import { readRpmPackage, type RpmPackageInfo } from './header.js';
import { rpmPurl } from './purl.js';
import { loadSqlite } from './sqlite.js';

/** One installed rpm: its draft and what it owns and needs. */
export interface InstalledRpm {
  draft: PackageDraft;
  info: RpmPackageInfo;
}

/** What {@link catalogRpmDatabase} returns: the cataloger's result and the packages behind it. */
export interface RpmCatalog extends CatalogResult {
  /**
   * The installed packages in database order, each with its full header facts, among them
   * `info.files`, the absolute paths it owns (for relating files found by other catalogers to the
   * rpm that installed them).
   */
  installed: InstalledRpm[];
}

/** The rpm database cataloger (`rpm-db`). */
export const rpmCataloger: Cataloger = {
  name: 'rpm-db',
  sources: ['image', 'directory'],
  patterns: RPM_DATABASE_DIRECTORIES.flatMap((directory) => [
    ...RPM_DATABASE_FORMATS.map(({ file }) => `${directory}/${file}`),
    `${directory}/rpmdb.sqlite-wal`,
  ]),
  // a container image's database is a few MiB to tens of MiB; a full desktop install's, ~100 MiB
  maxFileSize: 128 * 1024 * 1024,
  // SQLite is started only for a scan that found an SQLite database
  prepare: async (paths) => {
    if (paths.some((path) => path.endsWith('/rpmdb.sqlite'))) await loadSqlite();
  },
  parse: (files, context) => {
    const { packages, relationships } = catalogRpmDatabase(files, context);
    return { packages, relationships };
  },
};

/**
 * Reads the database a view's rpm would read (the others are left alone) into packages and
 * relationships. A database that cannot be read, or a header that cannot, is a warning naming
 * the file; the other headers are still read.
 */
export function catalogRpmDatabase(files: readonly CatalogFile[], context: CatalogContext): RpmCatalog {
  const empty: RpmCatalog = { packages: [], relationships: [], installed: [] };
  const selected = selectDatabase(files);
  if (selected === undefined) return empty;
  const path = selected.file.path;
  let read: DatabaseRead;
  try {
    read = readHeaderBlobs(selected);
  } catch (error) {
    context.warn({ code: 'METADATA_UNPARSABLE', message: `unreadable rpm ${selected.format} database: ${(error as Error).message}`, path });
    return empty;
  }
  if (read.problem !== undefined) context.warn({ code: 'METADATA_UNPARSABLE', message: read.problem, path });
  const installed: InstalledRpm[] = [];
  const seen = new Set<string>();
  for (const { key, blob } of read.blobs) {
    let info: RpmPackageInfo;
    try {
      info = readRpmPackage(blob);
    } catch (error) {
      context.warn({ code: 'METADATA_UNPARSABLE', message: `unreadable rpm header ${key}: ${(error as Error).message}`, path });
      continue;
    }
    const draft = toDraft(info, path, context);
    if (seen.has(draft.ref)) continue;
    seen.add(draft.ref);
    installed.push({ draft, info });
  }
  return { packages: installed.map((entry) => entry.draft), relationships: relate(installed), installed };
}

/** `name-[epoch:]version-release.arch`, rpm's own unique name of an installed package. */
function nevra(info: RpmPackageInfo): string {
  const epoch = info.epoch === undefined ? '' : `${info.epoch}:`;
  return `${info.name}-${epoch}${info.version}-${info.release}${info.arch === undefined ? '' : `.${info.arch}`}`;
}

function toDraft(info: RpmPackageInfo, path: string, context: CatalogContext): PackageDraft {
  const metadata: Record<string, string> = { release: info.release };
  if (info.arch !== undefined) metadata.architecture = info.arch;
  if (info.epoch !== undefined) metadata.epoch = String(info.epoch);
  if (info.sourceRpm !== undefined) metadata.sourceRpm = info.sourceRpm;
  if (info.vendor !== undefined) metadata.vendor = info.vendor;
  if (info.size !== undefined) metadata.installedSize = String(info.size);
  if (info.modularityLabel !== undefined) metadata.modularityLabel = info.modularityLabel;
  const draft: PackageDraft = {
    ref: nevra(info),
    name: info.name,
    // rpm's EVR: the epoch only when the package declares one, as `rpm -q` prints it
    version: `${info.epoch === undefined ? '' : `${info.epoch}:`}${info.version}-${info.release}`,
    type: 'rpm',
    purl: rpmPurl(info, context.distro),
    licenses: info.license === undefined ? [] : [normalizeLicense(info.license)],
    metadata,
    locations: [{ path }],
    // already parsed for `relate` below; the pipeline reads it once more, then lets it go
    ownedFiles: info.files,
  };
  if (info.summary !== undefined) draft.description = info.summary;
  if (info.url !== undefined) draft.homepage = info.url;
  if (info.vendor !== undefined) draft.supplier = info.vendor;
  return draft;
}

/**
 * Links each package to the installed packages that satisfy its requirements, as rpm resolves
 * them: a capability by the first package (in database order) providing it, a path by the
 * package owning that file. Versions in requirements are not checked: the database records what
 * is installed, and linking to it is the point. `rpmlib(...)` requirements name features of rpm
 * itself, not packages, and no package provides them.
 */
function relate(installed: readonly InstalledRpm[]): RelationshipDraft[] {
  const providers = new Map<string, InstalledRpm>();
  const wantedPaths = new Set<string>();
  for (const entry of installed) {
    for (const capability of [entry.info.name, ...entry.info.provides]) if (!providers.has(capability)) providers.set(capability, entry);
    for (const requirement of entry.info.requires) if (requirement.startsWith('/')) wantedPaths.add(requirement);
  }
  // only paths some package requires are indexed, so memory does not grow with the file lists
  const owners = new Map<string, InstalledRpm>();
  for (const entry of installed) {
    for (const file of entry.info.files) if (wantedPaths.has(file) && !owners.has(file)) owners.set(file, entry);
  }
  const relationships: RelationshipDraft[] = [];
  for (const entry of installed) {
    const linked = new Set<string>();
    for (const requirement of entry.info.requires) {
      const target = providers.get(requirement) ?? (requirement.startsWith('/') ? owners.get(requirement) : undefined);
      if (target === undefined || target === entry || linked.has(target.draft.ref)) continue;
      linked.add(target.draft.ref);
      relationships.push({ from: entry.draft.ref, to: target.draft.ref, type: 'depends-on' });
    }
  }
  return relationships;
}
