/**
 * `bun.lock`, the text lockfile of bun (lockfileVersion 0 and 1): JSON with trailing commas.
 * `workspaces` holds the projects (`""` the root, other keys members' folders) and what they
 * declare; `packages` maps a key to `[ident, …]`, the ident being `name@version` for a registry
 * package (with the real name behind an alias) or `name@<protocol>` otherwise, and an object of
 * its dependencies, `os` and `cpu`. The key is the package's place in the tree: `a` at the top,
 * `b/a` for the `a` that `b` needs when it differs, so a dependency resolves by the nearest key,
 * the way Node walks up `node_modules`.
 * @module
 */
import type { RelationshipType } from '../../model.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger } from '../cataloger.js';

import { parseJsonc } from './jsonc.js';
import { LockGraph } from './lock-graph.js';
import { MANIFEST_RELATED, folderOf, manifestDependencies, manifestIdentity, platformOf, readManifest, splitIdent } from './manifest.js';
import { mergeResults } from '../merge-results.js';
import { isRecord } from '../../../util/is-record.js';

/** The bun.lock cataloger (`bun-lock`). */
export const bunLockCataloger: Cataloger = {
  name: 'bun-lock',
  sources: ['directory', 'lockfile'],
  patterns: ['**/bun.lock'],
  related: MANIFEST_RELATED,
  exclude: ['**/node_modules/**'],
  maxFileSize: 64 * 1024 * 1024,
  parse: (files, context) => mergeResults(files, context, 'bun.lock', parseBunLock),
};

/** Protocols whose ident is a project or a link, not a locked package. */
const NOT_PACKAGES = ['workspace:', 'link:', 'root:'];

function parseBunLock(file: CatalogFile, context: CatalogContext): CatalogResult | undefined {
  const warn = (message: string) => context.warn({ code: 'METADATA_UNPARSABLE', message, path: file.path });
  const skip = (message: string) => context.warn({ code: 'PACKAGE_SKIPPED', message, path: file.path });
  let lock: unknown;
  try {
    lock = parseJsonc(file.content.toString('utf8'));
  } catch (error) {
    warn(`invalid bun.lock: ${(error as Error).message}`);
    return undefined;
  }
  if (!isRecord(lock) || !isRecord(lock.packages)) {
    warn('invalid bun.lock: no "packages" object');
    return undefined;
  }
  if (lock.lockfileVersion !== 0 && lock.lockfileVersion !== 1) {
    warn(`unsupported bun lockfileVersion ${JSON.stringify(lock.lockfileVersion ?? null)}`);
    return undefined;
  }
  const graph = new LockGraph(file.path);
  const refs = new Map<string, string>();
  const infos = new Map<string, Record<string, unknown>>();
  for (const key of Object.keys(lock.packages).sort()) {
    const entry = lock.packages[key];
    const ident = Array.isArray(entry) && typeof entry[0] === 'string' ? splitIdent(entry[0]) : undefined;
    if (!Array.isArray(entry) || ident === undefined || ident.rest === '') {
      skip(`bun.lock package ${JSON.stringify(key)} has no name and version`);
      continue;
    }
    if (NOT_PACKAGES.some((protocol) => ident.rest.startsWith(protocol))) continue;
    const info = (entry.slice(1).find((item) => isRecord(item)) as Record<string, unknown> | undefined) ?? {};
    const metadata: Record<string, string> = {};
    const registry = entry[1];
    const npm = typeof registry === 'string';
    if (npm && registry !== '') metadata.resolved = registry;
    if (!npm) metadata.resolved = ident.rest;
    const integrity = entry[entry.length - 1];
    if (npm && typeof integrity === 'string' && integrity !== '') metadata.integrity = integrity;
    const platform = platformOf(info);
    if (platform !== undefined) metadata.platform = platform;
    try {
      refs.set(key, graph.addPackage({ name: ident.name, version: ident.rest, metadata }));
      infos.set(key, info);
    } catch (error) {
      skip(`bun.lock package ${JSON.stringify(key)}: ${(error as Error).message}`);
    }
  }
  for (const [key, info] of infos) {
    const from = refs.get(key) as string;
    for (const dependency of declared(info)) {
      const to = resolveKey(refs, nameSegments(key), dependency.name);
      if (to !== undefined) graph.addEdge(from, to, dependency.type);
    }
  }
  addWorkspaces(graph, file.path, lock.workspaces, refs, context);
  return graph.finish();
}

/** A locked package's `dependencies`, `optionalDependencies` and `peerDependencies` (`optionalPeers` optional). */
function declared(info: Record<string, unknown>): Array<{ name: string; type: RelationshipType }> {
  const optionalPeers = new Set(Array.isArray(info.optionalPeers) ? info.optionalPeers : []);
  const out = new Map<string, RelationshipType>();
  const add = (map: unknown, type: (name: string) => RelationshipType) => {
    if (isRecord(map)) for (const name of Object.keys(map)) out.set(name, type(name));
  };
  add(info.peerDependencies, (name) => (optionalPeers.has(name) ? 'optional-depends-on' : 'depends-on'));
  add(info.dependencies, () => 'depends-on');
  add(info.optionalDependencies, () => 'optional-depends-on');
  return [...out].map(([name, type]) => ({ name, type }));
}

/** `@s/a/b/@t/c` -> `['@s/a', 'b', '@t/c']`. */
function nameSegments(key: string): string[] {
  const parts = key.split('/');
  const names: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    names.push(part.startsWith('@') && i + 1 < parts.length ? `${part}/${parts[++i] as string}` : part);
  }
  return names;
}

/** The nearest key for `name` seen from the package at `path`: `path/name`, then each ancestor's. */
function resolveKey(refs: Map<string, string>, path: string[], name: string): string | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const ref = refs.get([...path.slice(0, depth), name].join('/'));
    if (ref !== undefined) return ref;
  }
  return undefined;
}

/** The projects of `workspaces`, named by the lockfile or their `package.json`, with what they declare. */
function addWorkspaces(graph: LockGraph, lockfilePath: string, workspaces: unknown, refs: Map<string, string>, context: CatalogContext): void {
  if (!isRecord(workspaces)) return;
  const folder = folderOf(lockfilePath);
  for (const key of Object.keys(workspaces).sort()) {
    const workspace = workspaces[key];
    if (!isRecord(workspace) || key.startsWith('..') || key.startsWith('/')) continue;
    const manifest = readManifest(folder, key, context);
    const identity = manifestIdentity(manifest);
    const name = typeof workspace.name === 'string' && workspace.name !== '' ? workspace.name : (identity.name ?? (key === '' ? folder.split('/').pop() || folder : key));
    const version = typeof workspace.version === 'string' ? workspace.version : identity.version;
    const ref = graph.addProject(key, {
      name,
      ...(version === undefined ? {} : { version }),
      private: identity.private,
      paths: manifest === undefined ? [lockfilePath] : [lockfilePath, manifest.path],
    });
    // a member's own versions of a dependency are keyed under its name
    const scope = key === '' ? [] : [name];
    for (const dependency of manifestDependencies(workspace)) {
      const to = resolveKey(refs, scope, dependency.name);
      if (to !== undefined) graph.addEdge(ref, to, dependency.type);
    }
  }
}
