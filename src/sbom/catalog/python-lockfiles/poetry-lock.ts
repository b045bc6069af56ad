/**
 * Poetry's `poetry.lock`, every lock version: 1.0 (hashes in `[metadata.hashes]`), 1.1
 * (`[metadata.files]`), 2.0 (`files` per package) and 2.1 (`groups` and `markers` per package).
 * Versions 1.x say `category = "dev"` of a package only development needs and 2.1 lists its
 * groups; 2.0 says neither, so there development packages are those only the development groups
 * of the `pyproject.toml` beside the lock lead to. The project is that `pyproject.toml`'s.
 * @module
 */
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, ProjectDraft, RelationshipDraft } from '../cataloger.js';
import { mergeResults } from '../merge-results.js';
import { markByReachability } from './dependency-marks.js';
import { firstSha256, LockPackages, markerMetadata, PYTHON_LOCKFILE_EXCLUDES, PYTHON_LOCKFILE_MAX_BYTES, readToml, text } from './lock-package.js';
import { MANIFEST_PATTERNS, projectDraft, projectEdges, readPyproject } from './pyproject.js';
import { isRecord } from '../../../util/is-record.js';

/** The Poetry lockfile cataloger (`python-poetry-lock`). */
export const poetryLockCataloger: Cataloger = {
  name: 'python-poetry-lock',
  sources: ['directory', 'lockfile'],
  patterns: ['**/poetry.lock'],
  related: MANIFEST_PATTERNS,
  exclude: PYTHON_LOCKFILE_EXCLUDES,
  maxFileSize: PYTHON_LOCKFILE_MAX_BYTES,
  parse: parsePoetryLocks,
};

function parsePoetryLocks(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  return mergeResults(files, context, 'poetry.lock', parsePoetryLock);
}

interface PoetryEntry {
  draft: PackageDraft;
  raw: Record<string, unknown>;
}

/** One `poetry.lock`: its packages, their graph and the project beside it. */
export function parsePoetryLock(file: CatalogFile, context: CatalogContext): CatalogResult | undefined {
  const lock = readToml(file, context, 'poetry.lock');
  if (lock === undefined) return undefined;
  const warn = (message: string) => context.warn({ code: 'METADATA_UNPARSABLE', message, path: file.path });
  const skip = (message: string) => context.warn({ code: 'PACKAGE_SKIPPED', message, path: file.path });
  if (!Array.isArray(lock.package) && lock.package !== undefined) {
    warn('invalid poetry.lock: "package" is not an array of tables');
    return undefined;
  }
  const metadata = isRecord(lock.metadata) ? lock.metadata : {};
  const hashesByName = isRecord(metadata.hashes) ? metadata.hashes : isRecord(metadata.files) ? metadata.files : {};
  const packages = new LockPackages(file.path);
  const entries: PoetryEntry[] = [];
  const seen = new Set<PackageDraft>();
  let skipped = 0;
  for (const raw of (lock.package ?? []) as unknown[]) {
    const name = isRecord(raw) ? text(raw, 'name') : undefined;
    const version = isRecord(raw) ? text(raw, 'version') : undefined;
    if (!isRecord(raw) || name === undefined || version === undefined) {
      skipped++;
      continue;
    }
    const source = isRecord(raw.source) ? raw.source : {};
    const draft = packages.add(name, version, {
      sha256: firstSha256(hashList(raw.files ?? hashesByName[name])),
      ...markerMetadata(markerText(raw.markers ?? raw.marker)),
      optional: raw.optional === true ? 'true' : undefined,
      category: text(raw, 'category'),
      groups: Array.isArray(raw.groups) ? raw.groups.filter((group) => typeof group === 'string').join(',') : undefined,
      sourceType: text(source, 'type'),
      sourceUrl: text(source, 'url'),
      sourceReference: text(source, 'resolved_reference') ?? text(source, 'reference'),
    });
    // the same name and version twice (two sources) is one package
    if (seen.has(draft)) continue;
    seen.add(draft);
    entries.push({ draft, raw });
  }
  if (skipped > 0) skip(`${skipped} poetry.lock packages without a name or version were skipped`);

  const relationships: RelationshipDraft[] = [];
  const linked = new Set<string>();
  for (const { draft, raw } of entries) {
    if (!isRecord(raw.dependencies)) continue;
    for (const [name, constraint] of Object.entries(raw.dependencies)) {
      const optional = (Array.isArray(constraint) ? constraint : [constraint]).every((item) => isRecord(item) && item.optional === true);
      for (const target of packages.find(name)) {
        const key = `${draft.ref}\u0000${target.ref}`;
        if (target === draft || linked.has(key)) continue;
        linked.add(key);
        relationships.push({ from: draft.ref, to: target.ref, type: optional ? 'optional-depends-on' : 'depends-on' });
      }
    }
  }

  const drafts = entries.map((entry) => entry.draft);
  const hasCategory = entries.some(({ raw }) => typeof raw.category === 'string');
  const hasGroups = entries.some(({ raw }) => Array.isArray(raw.groups));
  if (hasCategory) for (const { draft, raw } of entries) draft.dev = raw.category === 'dev' || undefined;
  else if (hasGroups) for (const { draft, raw } of entries) draft.dev = (Array.isArray(raw.groups) && !raw.groups.includes('main')) || undefined;
  for (const draft of drafts) if (draft.dev === undefined) delete draft.dev;

  const projects: ProjectDraft[] = [];
  const manifest = readPyproject(file.path, context);
  if (manifest?.name !== undefined) {
    const project = projectDraft(file.path, manifest.name, manifest.version, [manifest.path]);
    projects.push(project);
    relationships.push(...projectEdges(project.ref, manifest.dependencies, packages));
    if (!hasCategory && !hasGroups) {
      const refs = (kind: string) => manifest.dependencies.filter((d) => d.kind === kind).flatMap((d) => packages.find(d.key).map((p) => p.ref));
      markByReachability(drafts, relationships.filter((edge) => edge.from !== project.ref), { main: refs('main'), optional: refs('optional'), dev: refs('dev') });
    }
  }
  return { packages: drafts, relationships, projects };
}

/** Lock 2.1 writes `markers` as a string, or a table of markers per group. */
function markerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!isRecord(value)) return undefined;
  const markers = Object.values(value).filter((marker): marker is string => typeof marker === 'string');
  return markers.length === 0 ? undefined : [...new Set(markers)].map((marker) => `(${marker})`).join(' or ');
}

/** `sha256:` hashes of a `files` list, or the bare hex digests lock 1.0 records. */
function hashList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    if (typeof item === 'string') return [/^[0-9a-fA-F]{64}$/.test(item) ? `sha256:${item}` : item];
    if (isRecord(item) && typeof item.hash === 'string') return [item.hash];
    return [];
  });
}
