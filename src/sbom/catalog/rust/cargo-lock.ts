/**
 * Rust lockfiles (`Cargo.lock`) in directories and lockfile sources. Every `[[package]]` with a
 * `source` is a package (`pkg:cargo/<name>@<version>`), from a registry or a git checkout alike;
 * a package without one is a path dependency or a workspace member, that is, the project itself.
 * Dependencies are written as `name`, `name version` or `name version (source)`, as much as Cargo
 * needs to tell same-named packages apart, and resolve to exactly one entry. Every lockfile
 * version is read: version 1 keeps checksums in a `[metadata]` table and always writes the long
 * dependency form, versions 2 to 4 keep the checksum on the package. Cargo.lock does not record
 * which dependencies are for development only; the projects' `Cargo.toml` files do, and when
 * every one of them was captured, the packages only their dev-dependencies lead to are marked
 * dev (see `cargo-dev.ts`).
 * @module
 */
import { parseToml } from '../parsers.js';
import { buildPurl } from '../../purl.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, ProjectDraft, RelationshipDraft } from '../cataloger.js';
import { markDevPackages, type DevNode } from './cargo-dev.js';
import { isCratesIo, parseCargoSource } from './cargo-source.js';
import { isRecord } from '../../../util/is-record.js';

/** The Cargo.lock cataloger (`rust-cargo-lock`). */
export const cargoLockCataloger: Cataloger = {
  name: 'rust-cargo-lock',
  sources: ['directory', 'lockfile'],
  patterns: ['**/Cargo.lock'],
  // the projects' manifests say which of their dependencies are dev-dependencies
  related: ['**/Cargo.toml'],
  // build output and Cargo's own download caches hold the lockfiles of other crates
  exclude: ['**/target/**', '**/vendor/**', '**/node_modules/**', '**/.cargo/registry/**', '**/.cargo/git/**'],
  maxFileSize: 64 * 1024 * 1024,
  parse: parseCargoLocks,
};

/** Newest lockfile version this reader knows; Cargo itself refuses newer ones. */
const NEWEST_VERSION = 4;

interface LockEntry extends DevNode {
  ref: string;
  name: string;
  version: string;
  /** The raw `source`, undefined for path dependencies and workspace members. */
  source: string | undefined;
  /** The package's own `checksum` (version 2 and later). */
  checksum: string | undefined;
  /** The dependency strings as written. */
  written: string[];
  dependencies: LockEntry[];
  /** The draft, for entries with a source. */
  draft?: PackageDraft;
}

function parseCargoLocks(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const result: Required<CatalogResult> = { packages: [], relationships: [], projects: [] };
  for (const file of files) {
    try {
      readLockfile(file, context, result);
    } catch (error) {
      context.warn({ code: 'METADATA_UNPARSABLE', message: `unreadable Cargo.lock: ${(error as Error).message}`, path: file.path });
    }
  }
  return result;
}

function readLockfile(file: CatalogFile, context: CatalogContext, result: Required<CatalogResult>): void {
  const warn = (message: string) => context.warn({ code: 'METADATA_UNPARSABLE', message, path: file.path });
  const skip = (message: string) => context.warn({ code: 'PACKAGE_SKIPPED', message, path: file.path });
  let document: Record<string, unknown>;
  try {
    document = parseToml(file.content.toString('utf8'));
  } catch (error) {
    warn(`invalid Cargo.lock: ${(error as Error).message.split('\n')[0]}`);
    return;
  }
  const version = document.version;
  if (version !== undefined && (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > NEWEST_VERSION)) {
    warn(`unsupported Cargo.lock version ${JSON.stringify(version)}`);
    return;
  }
  const rawPackages = document.package ?? [];
  if (!Array.isArray(rawPackages)) {
    warn('invalid Cargo.lock: "package" is not an array of tables');
    return;
  }
  // lockfiles written before Cargo 0.22 put the root package in its own table
  const raws: unknown[] = isRecord(document.root) ? [document.root, ...rawPackages] : rawPackages;
  const checksums = isRecord(document.metadata) ? document.metadata : {};
  const entries: LockEntry[] = [];
  let skipped = 0;
  for (const raw of raws) {
    const entry = isRecord(raw) ? toEntry(raw, file.path) : undefined;
    if (entry === undefined) skipped++;
    else entries.push(entry);
  }
  if (skipped > 0) skip(`${skipped} of ${raws.length} Cargo.lock packages without a name or version were skipped`);

  const byName = new Map<string, LockEntry[]>();
  for (const entry of entries) {
    const list = byName.get(entry.name);
    if (list === undefined) byName.set(entry.name, [entry]);
    else list.push(entry);
    if (entry.source === undefined) {
      result.projects.push({ ref: entry.ref, name: entry.name, version: entry.version, purl: buildPurl({ type: 'cargo', name: entry.name, version: entry.version }), locations: [{ path: file.path }] } satisfies ProjectDraft);
      continue;
    }
    entry.draft = makeDraft(entry, file.path, checksums);
    result.packages.push(entry.draft);
  }

  let unresolved = 0;
  for (const entry of entries) {
    for (const dependency of entry.written) {
      const target = resolve(byName, dependency);
      if (target === undefined) unresolved++;
      else if (target !== entry && !entry.dependencies.includes(target)) entry.dependencies.push(target);
    }
  }
  if (unresolved > 0) skip(`${unresolved} Cargo.lock dependencies name no single package of the lockfile`);

  const marks = markDevPackages(file.path, entries, context.resolver);
  for (const entry of entries) {
    if (entry.draft !== undefined && marks?.devNodes.has(entry) === true) entry.draft.dev = true;
    const devTargets = marks?.devEdges.get(entry);
    for (const target of entry.dependencies) {
      // an edge leads to a package; path dependencies and members are the project, not packages
      if (target.draft === undefined) continue;
      const type = devTargets?.has(target) === true ? 'dev-depends-on' : 'depends-on';
      result.relationships.push({ from: entry.ref, to: target.ref, type } satisfies RelationshipDraft);
    }
  }
}

function toEntry(raw: Record<string, unknown>, path: string): LockEntry | undefined {
  const name = raw.name;
  const version = raw.version;
  if (typeof name !== 'string' || typeof version !== 'string' || name === '' || version === '') return undefined;
  const source = typeof raw.source === 'string' && raw.source !== '' ? raw.source : undefined;
  const written = Array.isArray(raw.dependencies) ? raw.dependencies.filter((d): d is string => typeof d === 'string') : [];
  const checksum = typeof raw.checksum === 'string' && raw.checksum !== '' ? raw.checksum : undefined;
  const ref = `${path}#${name} ${version}${source === undefined ? '' : ` (${source})`}`;
  return { ref, name, version, project: source === undefined, source, checksum, written, dependencies: [] };
}

function makeDraft(entry: LockEntry, path: string, checksums: Record<string, unknown>): PackageDraft {
  const source = entry.source as string;
  const parsed = parseCargoSource(source);
  const metadata: Record<string, string> = { source };
  if (parsed.kind === 'git') {
    metadata.gitUrl = parsed.url;
    if (parsed.commit !== undefined) metadata.gitCommit = parsed.commit;
    if (parsed.reference !== undefined) metadata.gitReference = parsed.reference;
  } else if (parsed.kind === 'registry' && !isCratesIo(parsed)) {
    metadata.registry = parsed.url;
  }
  const checksum = packageChecksum(entry, source, checksums);
  if (checksum !== undefined) metadata.checksum = checksum;
  return {
    ref: entry.ref,
    name: entry.name,
    version: entry.version,
    type: 'rust',
    purl: buildPurl({ type: 'cargo', name: entry.name, version: entry.version }),
    licenses: [],
    metadata,
    locations: [{ path }],
  };
}

/** The package's own `checksum` (version 2 and later), else version 1's `[metadata]` entry. */
function packageChecksum(entry: LockEntry, source: string, checksums: Record<string, unknown>): string | undefined {
  const value = entry.checksum ?? checksums[`checksum ${entry.name} ${entry.version} (${source})`];
  const checksum = typeof value === 'string' ? value : undefined;
  // version 1 writes `<none>` for sources that have no checksum (git)
  return checksum === undefined || checksum === '<none>' ? undefined : checksum;
}

/**
 * The entry a dependency string names: `name`, `name version` or `name version (source)`; only
 * an entry that the string's parts single out.
 */
function resolve(byName: ReadonlyMap<string, LockEntry[]>, dependency: string): LockEntry | undefined {
  const match = /^(\S+)(?: (\S+))?(?: \((.+)\))?$/.exec(dependency.trim());
  if (match === null) return undefined;
  const [, name, version, source] = match;
  const candidates = (byName.get(name as string) ?? []).filter(
    (entry) => (version === undefined || entry.version === version) && (source === undefined || entry.source === source),
  );
  return candidates.length === 1 ? candidates[0] : undefined;
}
