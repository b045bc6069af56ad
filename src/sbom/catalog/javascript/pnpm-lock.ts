/**
 * `pnpm-lock.yaml`, lockfileVersion 6 and 9 (YAML). `importers` are the projects (`.` the root,
 * other keys workspace members' folders) with their direct dependencies; locked packages are
 * keyed `name@version` (6.x with a leading `/`), a key with a peer suffix
 * (`a@1.0.0(b@2.0.0)`) being the same package as `a@1.0.0`. 6.x lists each package's
 * dependencies in `packages`; 9.0 moves them to `snapshots`, keyed with the peer suffix. A
 * dependency's value is the version of that name, or `name@version` for an alias, or `link:` to
 * a project.
 * @module
 */
import { parseYaml } from '../parsers.js';
import type { RelationshipType } from '../../model.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger } from '../cataloger.js';

import { LockGraph } from './lock-graph.js';
import { MANIFEST_RELATED, folderOf, manifestIdentity, platformOf, readManifest, splitIdent } from './manifest.js';
import { mergeResults } from '../merge-results.js';
import { isRecord } from '../../../util/is-record.js';

/** The pnpm cataloger (`pnpm-lock`). */
export const pnpmLockCataloger: Cataloger = {
  name: 'pnpm-lock',
  sources: ['directory', 'lockfile'],
  patterns: ['**/pnpm-lock.yaml'],
  related: MANIFEST_RELATED,
  exclude: ['**/node_modules/**'],
  maxFileSize: 64 * 1024 * 1024,
  parse: (files, context) => mergeResults(files, context, 'pnpm-lock.yaml', parsePnpmLock),
};

/** The dependency maps of an importer or a locked package, and the edge each gives. */
const DEPENDENCY_MAPS: ReadonlyArray<[string, RelationshipType]> = [
  ['devDependencies', 'dev-depends-on'],
  ['dependencies', 'depends-on'],
  ['optionalDependencies', 'optional-depends-on'],
];

function parsePnpmLock(file: CatalogFile, context: CatalogContext): CatalogResult | undefined {
  const warn = (message: string) => context.warn({ code: 'METADATA_UNPARSABLE', message, path: file.path });
  const skip = (message: string) => context.warn({ code: 'PACKAGE_SKIPPED', message, path: file.path });
  let lock: unknown;
  try {
    lock = parseYaml(file.content.toString('utf8'));
  } catch (error) {
    warn(`invalid pnpm-lock.yaml: ${(error as Error).message}`);
    return undefined;
  }
  if (!isRecord(lock)) {
    warn('invalid pnpm-lock.yaml: not a map');
    return undefined;
  }
  const version = Number.parseFloat(String(lock.lockfileVersion));
  if (!(version >= 6 && version < 10)) {
    warn(`unsupported pnpm lockfileVersion ${JSON.stringify(lock.lockfileVersion ?? null)}`);
    return undefined;
  }
  const packages = isRecord(lock.packages) ? lock.packages : {};
  // 9.0 keeps dependencies in `snapshots`; 6.x in `packages`
  const snapshots = isRecord(lock.snapshots) ? lock.snapshots : packages;
  const graph = new LockGraph(file.path);
  // the package each key (with or without `/` and peer suffix) stands for
  const refs = new Map<string, string>();
  for (const key of Object.keys(packages).sort()) {
    const entry = packages[key];
    const id = baseKey(key);
    const ident = splitIdent(id);
    // a git or tarball package (6.x keys it by URL) records its name and version beside the key
    const name = isRecord(entry) && typeof entry.name === 'string' ? entry.name : ident?.name;
    const locked = isRecord(entry) && (typeof entry.version === 'string' || typeof entry.version === 'number') ? String(entry.version) : ident?.rest;
    if (!isRecord(entry) || name === undefined || locked === undefined || locked === '') {
      skip(`pnpm-lock.yaml package ${JSON.stringify(key)} has no name or version`);
      continue;
    }
    const metadata: Record<string, string> = {};
    const resolution = isRecord(entry.resolution) ? entry.resolution : {};
    for (const [field, key2] of [['integrity', 'integrity'], ['tarball', 'resolved'], ['repo', 'resolved'], ['commit', 'commit']] as const) {
      if (typeof resolution[field] === 'string') metadata[key2] ??= resolution[field];
    }
    const platform = platformOf(entry);
    if (platform !== undefined) metadata.platform = platform;
    try {
      refs.set(id, graph.addPackage({ name, version: locked, metadata }));
    } catch (error) {
      skip(`pnpm-lock.yaml package ${JSON.stringify(key)}: ${(error as Error).message}`);
    }
  }
  const resolve = (dependency: string, value: unknown): string | undefined => {
    if (typeof value !== 'string' && typeof value !== 'number') return undefined;
    const text = String(value);
    // a version of the dependency's own name; else a key of its own (an alias `real@1.0.0`, a URL)
    return refs.get(baseKey(`${dependency}@${text.replace(/^\//, '')}`)) ?? refs.get(baseKey(text));
  };
  for (const key of Object.keys(snapshots).sort()) {
    const from = refs.get(baseKey(key));
    const snapshot = snapshots[key];
    if (from === undefined || !isRecord(snapshot)) continue;
    for (const [map, type] of DEPENDENCY_MAPS) {
      const dependencies = snapshot[map];
      if (!isRecord(dependencies) || type === 'dev-depends-on') continue;
      for (const [name, value] of Object.entries(dependencies)) {
        const to = resolve(name, value);
        if (to !== undefined) graph.addEdge(from, to, type);
      }
    }
  }
  addImporters(graph, file.path, lock.importers, context, resolve);
  return graph.finish();
}

/** `/a@1.0.0(b@2.0.0)(c@3.0.0)` -> `a@1.0.0`. */
function baseKey(key: string): string {
  const bare = key.startsWith('/') ? key.slice(1) : key;
  const ident = splitIdent(bare);
  if (ident === undefined) return bare;
  const paren = ident.rest.indexOf('(');
  return `${ident.name}@${paren < 0 ? ident.rest : ident.rest.slice(0, paren)}`;
}

/**
 * The importers: projects named by their `package.json` (read through the resolver) or by their
 * folder. A lockfile without `importers` (a single project before 6.0 moved it) has none.
 */
function addImporters(
  graph: LockGraph,
  lockfilePath: string,
  importers: unknown,
  context: CatalogContext,
  resolve: (name: string, value: unknown) => string | undefined,
): void {
  if (!isRecord(importers)) return;
  const folder = folderOf(lockfilePath);
  for (const importer of Object.keys(importers).sort()) {
    const declared = importers[importer];
    if (!isRecord(declared)) continue;
    const key = importer === '.' ? '' : importer.replace(/^\.\//, '');
    if (key.startsWith('..') || key.startsWith('/')) continue;
    const manifest = readManifest(folder, key, context);
    const identity = manifestIdentity(manifest);
    const ref = graph.addProject(key, {
      name: identity.name ?? (key === '' ? folder.split('/').pop() || folder : key),
      ...(identity.version === undefined ? {} : { version: identity.version }),
      private: identity.private,
      paths: manifest === undefined ? [lockfilePath] : [lockfilePath, manifest.path],
    });
    for (const [map, type] of DEPENDENCY_MAPS) {
      const dependencies = declared[map];
      if (!isRecord(dependencies)) continue;
      for (const [name, value] of Object.entries(dependencies)) {
        // 6.0 and later: `{ specifier, version }`
        const version = isRecord(value) ? value.version : value;
        const to = resolve(name, version);
        if (to !== undefined) graph.addEdge(ref, to, type);
      }
    }
  }
}
