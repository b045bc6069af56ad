/**
 * PDM's `pdm.lock` (TOML, lock_version 4.x). Each `[[package]]` lists its `dependencies` as
 * dependency specifiers; from lock 4.5 each also lists the `groups` that need it. A group is the
 * project's `default`, one of its extras (`[project.optional-dependencies]`) or a development
 * group: a package in no default group is optional when an extra needs it, else for development.
 * Older locks record groups only in `[metadata]`, so there the `pyproject.toml` beside the lock
 * decides, by what its dependencies of each kind lead to. The same name and version locked for
 * several extras (`extras = [...]`) is one package.
 * @module
 */
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, ProjectDraft, RelationshipDraft } from '../cataloger.js';
import { mergeResults } from '../merge-results.js';
import { markByReachability } from './dependency-marks.js';
import { firstSha256, LockPackages, markerMetadata, PYTHON_LOCKFILE_EXCLUDES, PYTHON_LOCKFILE_MAX_BYTES, readToml, text } from './lock-package.js';
import { MANIFEST_PATTERNS, projectDraft, projectEdges, readPyproject } from './pyproject.js';
import { parseRequirement } from './requirement.js';
import { normalizePythonName } from '../../purl.js';
import { isRecord } from '../../../util/is-record.js';

/** The PDM lockfile cataloger (`python-pdm-lock`). */
export const pdmLockCataloger: Cataloger = {
  name: 'python-pdm-lock',
  sources: ['directory', 'lockfile'],
  patterns: ['**/pdm.lock'],
  related: MANIFEST_PATTERNS,
  exclude: PYTHON_LOCKFILE_EXCLUDES,
  maxFileSize: PYTHON_LOCKFILE_MAX_BYTES,
  parse: parsePdmLocks,
};

function parsePdmLocks(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  return mergeResults(files, context, 'pdm.lock', parsePdmLock);
}

/** One `pdm.lock`. */
export function parsePdmLock(file: CatalogFile, context: CatalogContext): CatalogResult | undefined {
  const lock = readToml(file, context, 'pdm.lock');
  if (lock === undefined) return undefined;
  const warn = (message: string) => context.warn({ code: 'METADATA_UNPARSABLE', message, path: file.path });
  const skip = (message: string) => context.warn({ code: 'PACKAGE_SKIPPED', message, path: file.path });
  const metadata = isRecord(lock.metadata) ? lock.metadata : {};
  const lockVersion = text(metadata, 'lock_version');
  if (lockVersion === undefined || !lockVersion.startsWith('4.')) {
    warn(`unsupported pdm.lock lock_version ${JSON.stringify(lockVersion ?? null)}`);
    return undefined;
  }
  if (lock.package !== undefined && !Array.isArray(lock.package)) {
    warn('invalid pdm.lock: "package" is not an array of tables');
    return undefined;
  }
  const packages = new LockPackages(file.path);
  const groups = new Map<PackageDraft, Set<string>>();
  const dependencies = new Map<PackageDraft, string[]>();
  let skipped = 0;
  for (const raw of (lock.package ?? []) as unknown[]) {
    const name = isRecord(raw) ? text(raw, 'name') : undefined;
    const version = isRecord(raw) ? text(raw, 'version') : undefined;
    if (!isRecord(raw) || name === undefined || version === undefined) {
      skipped++;
      continue;
    }
    const files = Array.isArray(raw.files) ? raw.files.map((item) => (isRecord(item) ? item.hash : undefined)) : [];
    const draft = packages.add(name, version, {
      sha256: firstSha256(files),
      ...markerMetadata(text(raw, 'marker')),
      sourceType: text(raw, 'git') !== undefined ? 'git' : text(raw, 'url') !== undefined ? 'url' : text(raw, 'path') !== undefined ? 'path' : undefined,
      sourceUrl: text(raw, 'git') ?? text(raw, 'url') ?? text(raw, 'path'),
      sourceReference: text(raw, 'revision'),
    });
    const known = groups.get(draft) ?? new Set<string>();
    if (Array.isArray(raw.groups)) for (const group of raw.groups) if (typeof group === 'string') known.add(normalizeGroup(group));
    groups.set(draft, known);
    const list = dependencies.get(draft) ?? [];
    if (Array.isArray(raw.dependencies)) list.push(...raw.dependencies.filter((d): d is string => typeof d === 'string'));
    dependencies.set(draft, list);
  }
  if (skipped > 0) skip(`${skipped} pdm.lock packages without a name or version were skipped`);

  const relationships: RelationshipDraft[] = [];
  const linked = new Set<string>();
  for (const [draft, specs] of dependencies) {
    for (const spec of specs) {
      const requirement = parseRequirement(spec);
      if (requirement === undefined) continue;
      for (const target of packages.find(requirement.key)) {
        const key = `${draft.ref}\u0000${target.ref}`;
        if (target === draft || linked.has(key)) continue;
        linked.add(key);
        relationships.push({ from: draft.ref, to: target.ref, type: 'depends-on' });
      }
    }
  }

  const drafts = packages.all();
  const manifest = readPyproject(file.path, context);
  const optionalGroups = manifest?.optionalGroups ?? new Set<string>();
  const perPackageGroups = [...groups.values()].some((set) => set.size > 0);
  if (perPackageGroups) {
    for (const draft of drafts) {
      const set = groups.get(draft) ?? new Set<string>();
      draft.metadata.groups = [...set].sort().join(',');
      if (set.size === 0 || set.has('default')) continue;
      if ([...set].some((group) => optionalGroups.has(group))) draft.metadata.optional = 'true';
      else draft.dev = true;
    }
  }

  const projects: ProjectDraft[] = [];
  if (manifest?.name !== undefined) {
    const project = projectDraft(file.path, manifest.name, manifest.version, [manifest.path]);
    projects.push(project);
    const packageEdges = [...relationships];
    relationships.push(...projectEdges(project.ref, manifest.dependencies, packages));
    if (!perPackageGroups) {
      const refs = (kind: string) => manifest.dependencies.filter((d) => d.kind === kind).flatMap((d) => packages.find(d.key).map((p) => p.ref));
      markByReachability(drafts, packageEdges, { main: refs('main'), optional: refs('optional'), dev: refs('dev') });
    }
  }
  return { packages: drafts, relationships, projects };
}

function normalizeGroup(group: string): string {
  return group === 'default' ? group : normalizePythonName(group);
}
