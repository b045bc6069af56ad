/**
 * Composer lockfiles (`composer.lock`) in directories and lockfile sources. Every entry of
 * `packages` and `packages-dev` is a package, `pkg:composer/<vendor>/<name>@<version>` with the
 * version as Composer records it (`v` included, as for installed packages); those of
 * `packages-dev` are locked only for development. A `require` links to the locked package of
 * that name, or to one that `replace`s or `provide`s it; platform requirements (`php`, `ext-*`)
 * have no package. The lockfile does not name the project it locks: its `composer.json`, when
 * beside it, gives the root project, whose `require` and `require-dev` are its direct
 * dependencies.
 * @module
 */
import { posix } from 'node:path';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, ProjectDraft, RelationshipDraft } from '../cataloger.js';
import { composerLicenses, composerPurl, linkNames } from './composer-package.js';
import { isRecord } from '../../../util/is-record.js';

/** The composer.lock cataloger (`php-composer-lock`). */
export const composerLockCataloger: Cataloger = {
  name: 'php-composer-lock',
  sources: ['directory', 'lockfile'],
  patterns: ['**/composer.lock'],
  related: ['**/composer.json'],
  // installed packages (vendor/) may ship the lockfiles of their own development
  exclude: ['**/vendor/**', '**/node_modules/**'],
  maxFileSize: 64 * 1024 * 1024,
  parse: parseComposerLocks,
};

interface LockEntry {
  draft: PackageDraft;
  /** Lowercased package names in `require`. */
  requires: string[];
  /** Lowercased names in `replace` and `provide`. */
  provides: string[];
}

function parseComposerLocks(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const result: Required<CatalogResult> = { packages: [], relationships: [], projects: [] };
  for (const file of files) {
    try {
      readLockfile(file, context, result);
    } catch (error) {
      context.warn({ code: 'METADATA_UNPARSABLE', message: `unreadable composer.lock: ${(error as Error).message}`, path: file.path });
    }
  }
  return result;
}

function readLockfile(file: CatalogFile, context: CatalogContext, result: Required<CatalogResult>): void {
  const warn = (message: string, path = file.path) => context.warn({ code: 'METADATA_UNPARSABLE', message, path });
  const skip = (message: string) => context.warn({ code: 'PACKAGE_SKIPPED', message, path: file.path });
  const lock = parseJson(file.content, (message) => warn(`invalid composer.lock: ${message}`));
  if (lock === undefined) return;
  if (!isRecord(lock) || !Array.isArray(lock.packages)) {
    warn('not a composer.lock: no "packages" list');
    return;
  }
  // `composer update --no-dev` writes `packages-dev: null`
  const devList = Array.isArray(lock['packages-dev']) ? lock['packages-dev'] : [];
  const entries: LockEntry[] = [];
  let skipped = 0;
  const lists: Array<[unknown[], boolean]> = [
    [lock.packages, false],
    [devList, true],
  ];
  for (const [list, dev] of lists) {
    for (const raw of list) {
      const entry = isRecord(raw) ? toEntry(raw, file.path, dev) : undefined;
      if (entry === undefined) skipped++;
      else entries.push(entry);
    }
  }
  const total = lock.packages.length + devList.length;
  if (skipped > 0) skip(`${skipped} of ${total} composer.lock packages without a name or version were skipped`);

  const byName = new Map<string, LockEntry>();
  const byProvided = new Map<string, LockEntry>();
  for (const entry of entries) {
    byName.set(entry.draft.name.toLowerCase(), entry);
    result.packages.push(entry.draft);
  }
  for (const entry of entries) {
    for (const name of entry.provides) if (!byName.has(name) && !byProvided.has(name)) byProvided.set(name, entry);
  }
  const link = (from: string, names: readonly string[], type: RelationshipDraft['type'], linked: Set<string>) => {
    for (const name of names) {
      const target = byName.get(name) ?? byProvided.get(name);
      if (target === undefined || target.draft.ref === from || linked.has(target.draft.ref)) continue;
      linked.add(target.draft.ref);
      result.relationships.push({ from, to: target.draft.ref, type });
    }
  };
  for (const entry of entries) link(entry.draft.ref, entry.requires, 'depends-on', new Set());

  const manifestPath = posix.join(posix.dirname(file.path), 'composer.json');
  const manifestBytes = context.resolver.read(manifestPath);
  if (manifestBytes === undefined) return;
  const manifest = parseJson(manifestBytes, (message) => warn(`invalid composer.json: ${message}`, manifestPath));
  if (!isRecord(manifest)) {
    if (manifest !== undefined) warn('invalid composer.json: not a JSON object', manifestPath);
    return;
  }
  const project = rootProject(manifest, file.path, manifestPath);
  result.projects.push(project);
  const linked = new Set<string>();
  link(project.ref, linkNames(manifest.require), 'depends-on', linked);
  link(project.ref, linkNames(manifest['require-dev']), 'dev-depends-on', linked);
}

function rootProject(manifest: Record<string, unknown>, lockPath: string, manifestPath: string): ProjectDraft {
  const name = stringOf(manifest.name);
  const version = stringOf(manifest.version);
  const project: ProjectDraft = {
    ref: `${lockPath}#composer.json`,
    // an application need not have a name; its folder stands for it
    name: name ?? (posix.basename(posix.dirname(lockPath)) || 'composer.json'),
    locations: [{ path: lockPath }, { path: manifestPath }],
  };
  if (version !== undefined) project.version = version;
  if (name !== undefined) project.purl = composerPurl(name, version);
  return project;
}

function toEntry(raw: Record<string, unknown>, path: string, dev: boolean): LockEntry | undefined {
  const name = stringOf(raw.name);
  const version = stringOf(raw.version);
  if (name === undefined || version === undefined) return undefined;
  const metadata: Record<string, string> = {};
  const type = stringOf(raw.type);
  if (type !== undefined) metadata.composerType = type;
  const dist = isRecord(raw.dist) ? raw.dist : {};
  const source = isRecord(raw.source) ? raw.source : {};
  const reference = stringOf(dist.reference) ?? stringOf(source.reference);
  if (reference !== undefined) metadata.reference = reference;
  const sourceUrl = stringOf(source.url);
  if (sourceUrl !== undefined) metadata.sourceUrl = sourceUrl;
  const shasum = stringOf(dist.shasum);
  if (shasum !== undefined) metadata.distSha1 = shasum;
  const draft: PackageDraft = {
    ref: `${path}#${dev ? 'packages-dev' : 'packages'}/${name}`,
    name,
    version,
    type: 'php',
    purl: composerPurl(name, version),
    licenses: composerLicenses(raw.license),
    metadata,
    locations: [{ path }],
  };
  if (dev) draft.dev = true;
  const description = stringOf(raw.description);
  if (description !== undefined) draft.description = description;
  const homepage = stringOf(raw.homepage);
  if (homepage !== undefined) draft.homepage = homepage;
  const authors = Array.isArray(raw.authors) ? raw.authors.flatMap((author) => (isRecord(author) && stringOf(author.name) !== undefined ? [stringOf(author.name) as string] : [])) : [];
  if (authors.length > 0) draft.supplier = authors.join(', ');
  return { draft, requires: linkNames(raw.require), provides: [...linkNames(raw.replace), ...linkNames(raw.provide)] };
}

function parseJson(bytes: Buffer, onError: (message: string) => void): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    onError((error as Error).message);
    return undefined;
  }
}

function stringOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}
