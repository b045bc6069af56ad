/**
 * Pipenv's `Pipfile.lock` (JSON, pipfile-spec 6): every installed package in `default` and
 * `develop`, flat, with no graph. A package only in `develop` is for development. The project is
 * the folder (a Pipfile names none); its direct dependencies are the `Pipfile` beside the lock
 * (`[packages]`, `[dev-packages]`). An entry installed from the project's own folder (`path: "."`)
 * is the project itself. A git entry's version is the `ref` the lock records.
 * @module
 */
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, ProjectDraft, RelationshipDraft } from '../cataloger.js';
import { mergeResults } from '../merge-results.js';
import { firstSha256, folderOf, LockPackages, markerMetadata, PYTHON_LOCKFILE_EXCLUDES, PYTHON_LOCKFILE_MAX_BYTES, text } from './lock-package.js';
import { projectDraft, projectEdges, readManifestToml, type DirectDependency } from './pyproject.js';
import { normalizePythonName } from '../../purl.js';
import { isRecord } from '../../../util/is-record.js';

/** The Pipenv lockfile cataloger (`python-pipfile-lock`). */
export const pipfileLockCataloger: Cataloger = {
  name: 'python-pipfile-lock',
  sources: ['directory', 'lockfile'],
  patterns: ['**/Pipfile.lock'],
  related: ['**/Pipfile'],
  exclude: PYTHON_LOCKFILE_EXCLUDES,
  maxFileSize: PYTHON_LOCKFILE_MAX_BYTES,
  parse: parsePipfileLocks,
};

function parsePipfileLocks(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  return mergeResults(files, context, 'Pipfile.lock', parsePipfileLock);
}

/** One `Pipfile.lock`. */
export function parsePipfileLock(file: CatalogFile, context: CatalogContext): CatalogResult | undefined {
  const warn = (message: string) => context.warn({ code: 'METADATA_UNPARSABLE', message, path: file.path });
  const skip = (message: string) => context.warn({ code: 'PACKAGE_SKIPPED', message, path: file.path });
  let lock: unknown;
  try {
    lock = JSON.parse(file.content.toString('utf8'));
  } catch (error) {
    warn(`invalid Pipfile.lock: ${(error as Error).message}`);
    return undefined;
  }
  if (!isRecord(lock) || !isRecord(lock._meta)) {
    warn('not a Pipfile.lock: no "_meta" object');
    return undefined;
  }
  const packages = new LockPackages(file.path);
  const inDefault = new Set<string>();
  const inDevelop = new Set<string>();
  const unversioned: string[] = [];
  let selfInstalled = false;
  for (const section of ['default', 'develop'] as const) {
    const entries = lock[section];
    if (entries === undefined) continue;
    if (!isRecord(entries)) {
      warn(`invalid Pipfile.lock: "${section}" is not an object`);
      continue;
    }
    for (const [name, entry] of Object.entries(entries)) {
      if (!isRecord(entry)) continue;
      const path = text(entry, 'path');
      if (path === '.' || path === './') {
        selfInstalled = true;
        continue;
      }
      const version = text(entry, 'version')?.replace(/^===?/, '') ?? text(entry, 'ref');
      if (version === undefined) {
        unversioned.push(name);
        continue;
      }
      const draft = packages.add(name, version, {
        sha256: firstSha256(Array.isArray(entry.hashes) ? entry.hashes : []),
        ...markerMetadata(text(entry, 'markers')),
        index: text(entry, 'index'),
        sourceType: text(entry, 'git') !== undefined ? 'git' : text(entry, 'file') !== undefined ? 'url' : path !== undefined ? 'path' : undefined,
        sourceUrl: text(entry, 'git') ?? text(entry, 'file') ?? path,
      });
      (section === 'default' ? inDefault : inDevelop).add(draft.ref);
    }
  }
  if (unversioned.length > 0) skip(`Pipfile.lock entries with no version or ref were skipped: ${unversioned.sort().join(', ')}`);
  const drafts = packages.all();
  for (const draft of drafts) if (inDevelop.has(draft.ref) && !inDefault.has(draft.ref)) draft.dev = true;

  const relationships: RelationshipDraft[] = [];
  const projects: ProjectDraft[] = [];
  const pipfile = readManifestToml(file.path, 'Pipfile', context);
  if (pipfile !== undefined || selfInstalled) {
    const folder = folderOf(file.path).replace(/\/$/, '');
    const name = folder.slice(folder.lastIndexOf('/') + 1) || 'Pipfile.lock';
    const project = projectDraft(file.path, name, undefined, pipfile !== undefined ? [pipfile.path] : []);
    // a Pipfile names no project: the folder does, without a registry identity
    projects.push(project);
    if (pipfile !== undefined) {
      const direct: DirectDependency[] = [];
      for (const [table, kind] of [['packages', 'main'], ['dev-packages', 'dev']] as const) {
        const entries = pipfile.document[table];
        if (isRecord(entries)) for (const name of Object.keys(entries)) direct.push({ key: normalizePythonName(name), extras: [], kind });
      }
      relationships.push(...projectEdges(project.ref, direct, packages));
    }
  }
  return { packages: drafts, relationships, projects };
}
