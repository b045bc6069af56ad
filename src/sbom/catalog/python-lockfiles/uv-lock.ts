/**
 * uv's `uv.lock` (`version = 1`, every revision). Each `[[package]]` names its `source`: a
 * registry, git, a URL, a path or directory, or `editable` / `virtual` for the projects of the
 * workspace (the root project, `[manifest] members`), which are the SBOM's subject and not
 * packages. Dependencies name packages (with version and source when a name is locked twice),
 * optionally with extras, whose `optional-dependencies` they then pull in too. The lock records
 * development groups only on the projects, so development and optional packages are those that
 * only a project's `dev-dependencies`, or only its extras, lead to.
 * @module
 */
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, ProjectDraft, RelationshipDraft } from '../cataloger.js';
import { mergeResults } from '../merge-results.js';
import { reach } from './dependency-marks.js';
import { normalizePythonName } from '../../purl.js';
import { LockPackages, markerMetadata, PYTHON_LOCKFILE_EXCLUDES, PYTHON_LOCKFILE_MAX_BYTES, readToml, text } from './lock-package.js';
import { projectDraft } from './pyproject.js';
import { isRecord } from '../../../util/is-record.js';

/** The uv lockfile cataloger (`python-uv-lock`). */
export const uvLockCataloger: Cataloger = {
  name: 'python-uv-lock',
  sources: ['directory', 'lockfile'],
  patterns: ['**/uv.lock'],
  exclude: PYTHON_LOCKFILE_EXCLUDES,
  maxFileSize: PYTHON_LOCKFILE_MAX_BYTES,
  parse: parseUvLocks,
};

function parseUvLocks(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  return mergeResults(files, context, 'uv.lock', parseUvLock);
}

/** A dependency as uv writes it: `{ name, version?, source?, marker?, extra? }`. */
interface UvDependency {
  name: string;
  version?: string;
  extras: string[];
  marker?: string;
}

interface UvEntry {
  ref: string;
  name: string;
  version?: string;
  /** Set for packages; projects have none. */
  draft?: PackageDraft;
  project?: ProjectDraft;
  dependencies: UvDependency[];
  optional: Map<string, UvDependency[]>;
  dev: Map<string, UvDependency[]>;
}

/** One `uv.lock`: packages, their graph, and the workspace's projects. */
export function parseUvLock(file: CatalogFile, context: CatalogContext): CatalogResult | undefined {
  const lock = readToml(file, context, 'uv.lock');
  if (lock === undefined) return undefined;
  const warn = (message: string) => context.warn({ code: 'METADATA_UNPARSABLE', message, path: file.path });
  const skip = (message: string) => context.warn({ code: 'PACKAGE_SKIPPED', message, path: file.path });
  if (lock.version !== 1) {
    warn(`unsupported uv.lock version ${JSON.stringify(lock.version ?? null)}`);
    return undefined;
  }
  if (lock.package !== undefined && !Array.isArray(lock.package)) {
    warn('invalid uv.lock: "package" is not an array of tables');
    return undefined;
  }
  const manifest = isRecord(lock.manifest) ? lock.manifest : {};
  const members = Array.isArray(manifest.members) ? new Set(manifest.members.filter((m): m is string => typeof m === 'string').map(normalizePythonName)) : undefined;
  const packages = new LockPackages(file.path);
  const entries: UvEntry[] = [];
  const byName = new Map<string, UvEntry[]>();
  const seen = new Set<PackageDraft>();
  let skipped = 0;
  for (const raw of (lock.package ?? []) as unknown[]) {
    const name = isRecord(raw) ? text(raw, 'name') : undefined;
    if (!isRecord(raw) || name === undefined) {
      skipped++;
      continue;
    }
    const version = text(raw, 'version');
    const source = isRecord(raw.source) ? raw.source : {};
    const local = text(source, 'editable') ?? text(source, 'virtual');
    const isProject = local !== undefined && (members !== undefined ? members.has(normalizePythonName(name)) : local === '.');
    const entry: UvEntry = {
      ref: '',
      name,
      dependencies: dependencyList(raw.dependencies),
      optional: dependencyGroups(raw['optional-dependencies']),
      dev: dependencyGroups(raw['dev-dependencies']),
    };
    if (version !== undefined) entry.version = version;
    if (isProject) {
      entry.project = projectDraft(file.path, name, version);
      entry.ref = entry.project.ref;
    } else if (version === undefined) {
      skipped++;
      continue;
    } else {
      const [sourceType, sourceUrl] = Object.entries(source).find(([, value]) => typeof value === 'string') ?? [];
      entry.draft = packages.add(name, version, {
        sha256: sdistOrWheelHash(raw),
        sourceType,
        sourceUrl: typeof sourceUrl === 'string' ? sourceUrl : undefined,
      });
      entry.ref = entry.draft.ref;
      if (seen.has(entry.draft)) continue;
      seen.add(entry.draft);
    }
    entries.push(entry);
    const key = normalizePythonName(name);
    byName.set(key, [...(byName.get(key) ?? []), entry]);
  }
  if (skipped > 0) skip(`${skipped} uv.lock packages without a name, or a version outside the workspace, were skipped`);

  const resolve = (dependency: UvDependency): UvEntry[] => {
    const all = byName.get(normalizePythonName(dependency.name)) ?? [];
    return dependency.version === undefined ? all : all.filter((entry) => entry.version === dependency.version);
  };

  // edges: runtime dependencies, then an extra's dependencies as optional, then groups as dev
  const relationships: RelationshipDraft[] = [];
  const linked = new Set<string>();
  const link = (from: UvEntry, dependency: UvDependency, type: RelationshipDraft['type']) => {
    for (const target of resolve(dependency)) {
      if (target.draft === undefined || target === from || linked.has(`${from.ref}\u0000${target.ref}`)) continue;
      linked.add(`${from.ref}\u0000${target.ref}`);
      relationships.push({ from: from.ref, to: target.ref, type });
    }
  };
  for (const entry of entries) {
    for (const dependency of entry.dependencies) link(entry, dependency, 'depends-on');
    for (const list of entry.optional.values()) for (const dependency of list) link(entry, dependency, 'optional-depends-on');
    for (const list of entry.dev.values()) for (const dependency of list) link(entry, dependency, 'dev-depends-on');
  }

  markPackages(entries, resolve);
  const drafts = entries.flatMap((entry) => (entry.draft !== undefined ? [entry.draft] : []));
  const projects = entries.flatMap((entry) => (entry.project !== undefined ? [entry.project] : []));
  return { packages: drafts, relationships, projects };
}

/**
 * Marks from what the projects lead to: nodes are packages and package extras (`name[extra]`),
 * so that an extra's dependencies count only where something asks for that extra.
 */
function markPackages(entries: readonly UvEntry[], resolve: (dependency: UvDependency) => UvEntry[]): void {
  const byRef = new Map(entries.map((entry) => [entry.ref, entry]));
  const targets = (dependency: UvDependency): string[] =>
    resolve(dependency).flatMap((target) => [target.ref, ...dependency.extras.map((extra) => `${target.ref}[${extra}]`)]);
  const next = new Map<string, string[]>();
  const markers = new Map<string, Set<string | undefined>>();
  for (const entry of entries) {
    next.set(entry.ref, entry.dependencies.flatMap(targets));
    for (const [extra, list] of entry.optional) next.set(`${entry.ref}[${extra}]`, [entry.ref, ...list.flatMap(targets)]);
    for (const dependency of [...entry.dependencies, ...[...entry.optional.values()].flat()]) {
      for (const target of resolve(dependency)) markers.set(target.ref, (markers.get(target.ref) ?? new Set()).add(dependency.marker));
    }
  }
  const projects = entries.filter((entry) => entry.project !== undefined);
  const main = reach(projects.map((project) => project.ref), next);
  const optional = reach(projects.flatMap((project) => [...project.optional.keys()].map((extra) => `${project.ref}[${extra}]`)), next);
  const dev = reach(projects.flatMap((project) => [...project.dev.values()].flat().flatMap(targets)), next);
  for (const [ref, entry] of byRef) {
    const draft = entry.draft;
    if (draft === undefined) continue;
    const seen = markers.get(ref);
    // a platform-specific package: every edge to it carries a marker
    if (seen !== undefined && !seen.has(undefined)) Object.assign(draft.metadata, definedOnly(markerMetadata([...seen].map((m) => `(${m})`).join(' or '))));
    if (main.has(ref)) continue;
    if (optional.has(ref)) draft.metadata.optional = 'true';
    else if (dev.has(ref)) draft.dev = true;
  }
}

function definedOnly(record: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function dependencyList(value: unknown): UvDependency[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    if (!isRecord(item)) return [];
    const name = text(item, 'name');
    if (name === undefined) return [];
    const dependency: UvDependency = {
      name,
      extras: (Array.isArray(item.extra) ? item.extra : []).filter((e): e is string => typeof e === 'string').map(normalizePythonName),
    };
    const version = text(item, 'version');
    if (version !== undefined) dependency.version = version;
    const marker = text(item, 'marker');
    if (marker !== undefined) dependency.marker = marker;
    return [dependency];
  });
}

function dependencyGroups(value: unknown): Map<string, UvDependency[]> {
  const groups = new Map<string, UvDependency[]>();
  if (isRecord(value)) for (const [group, list] of Object.entries(value)) groups.set(normalizePythonName(group), dependencyList(list));
  return groups;
}

function sdistOrWheelHash(raw: Record<string, unknown>): string | undefined {
  const candidates = [raw.sdist, ...(Array.isArray(raw.wheels) ? raw.wheels : [])];
  for (const candidate of candidates) {
    const hash = isRecord(candidate) ? text(candidate, 'hash') : undefined;
    const match = hash === undefined ? null : /^sha256:([0-9a-fA-F]{64})$/.exec(hash);
    if (match) return (match[1] as string).toLowerCase();
  }
  return undefined;
}
