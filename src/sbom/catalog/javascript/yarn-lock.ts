/**
 * `yarn.lock`, both generations. Yarn 1 writes its own syntax (`# yarn lockfile v1`) and no
 * workspace entries; Yarn 2 and later (Berry) write YAML with a `__metadata` entry, a
 * `resolution` per entry and the workspaces as `name@workspace:path` entries. Either way an
 * entry is keyed by the descriptors (`name@range`) that resolve to it, and a dependency
 * `name: range` leads to the entry keyed by `name@range`. The root project and workspace
 * members come from the lockfile (Berry) and the `package.json` files beside it.
 * @module
 */
import { parseYaml } from '../parsers.js';
import type { RelationshipType } from '../../model.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger } from '../cataloger.js';

import { LockGraph } from './lock-graph.js';
import { MANIFEST_RELATED, folderOf, manifestDependencies, manifestIdentity, readManifest, splitIdent, workspaceManifests, type Manifest } from './manifest.js';
import { mergeResults } from '../merge-results.js';
import { parseYarnV1 } from './yarn-v1-syntax.js';
import { isRecord } from '../../../util/is-record.js';

/** The yarn.lock cataloger (`yarn-lock`). */
export const yarnLockCataloger: Cataloger = {
  name: 'yarn-lock',
  sources: ['directory', 'lockfile'],
  patterns: ['**/yarn.lock'],
  related: MANIFEST_RELATED,
  exclude: ['**/node_modules/**'],
  maxFileSize: 64 * 1024 * 1024,
  parse: (files, context) => mergeResults(files, context, 'yarn.lock', parseYarnLock),
};

/** One lockfile entry, under every descriptor that resolves to it. */
interface YarnEntry {
  descriptors: string[];
  fields: Record<string, unknown>;
}

function parseYarnLock(file: CatalogFile, context: CatalogContext): CatalogResult | undefined {
  const text = file.content.toString('utf8');
  const warn = (message: string) => context.warn({ code: 'METADATA_UNPARSABLE', message, path: file.path });
  const skip = (message: string) => context.warn({ code: 'PACKAGE_SKIPPED', message, path: file.path });
  let document: unknown;
  let berry: boolean;
  try {
    berry = /^__metadata:/m.test(text);
    document = berry ? parseYaml(text, { uniqueKeys: false }) : parseYarnV1(text);
  } catch (error) {
    warn(`invalid yarn.lock: ${(error as Error).message}`);
    return undefined;
  }
  if (!isRecord(document) || (berry && !isRecord(document.__metadata))) {
    warn(berry ? 'invalid yarn.lock: __metadata is not a map' : 'invalid yarn.lock: not a map of entries');
    return undefined;
  }
  const entries: YarnEntry[] = [];
  const byDescriptor = new Map<string, YarnEntry>();
  for (const key of Object.keys(document).sort()) {
    const fields = document[key];
    if (key === '__metadata' || !isRecord(fields)) continue;
    const entry: YarnEntry = { descriptors: key.split(',').map((d) => d.trim()).filter((d) => d !== ''), fields };
    entries.push(entry);
    for (const descriptor of entry.descriptors) byDescriptor.set(descriptor, entry);
  }
  const folder = folderOf(file.path);
  const graph = new LockGraph(file.path);
  const refs = new Map<YarnEntry, string>();
  const names = new Map<string, string>();
  const workspaces = new Map<string, YarnEntry>();
  for (const entry of entries) {
    const identity = berry ? berryIdentity(entry) : v1Identity(entry);
    if (identity === undefined) {
      skip(`yarn.lock entry ${JSON.stringify(entry.descriptors.join(', '))} has no name or version`);
      continue;
    }
    if (identity.workspace !== undefined) {
      workspaces.set(identity.workspace, entry);
      continue;
    }
    if (identity.link) continue;
    const metadata: Record<string, string> = {};
    const resolved = typeof entry.fields.resolved === 'string' ? entry.fields.resolved : typeof entry.fields.resolution === 'string' ? entry.fields.resolution : undefined;
    if (resolved !== undefined) metadata.resolved = resolved;
    for (const key of ['integrity', 'checksum'] as const) {
      if (typeof entry.fields[key] === 'string') metadata[key] = entry.fields[key] as string;
    }
    if (typeof entry.fields.conditions === 'string') metadata.platform = entry.fields.conditions.replace(/ & /g, ',');
    try {
      const ref = graph.addPackage({ name: identity.name, version: identity.version, metadata });
      refs.set(entry, ref);
      names.set(ref, identity.name);
    } catch (error) {
      skip(`yarn.lock entry ${JSON.stringify(identity.name)}: ${(error as Error).message}`);
    }
  }
  const lookup = (name: string, range: string): string | undefined => {
    const entry = byDescriptor.get(`${name}@${range}`) ?? byDescriptor.get(`${name}@npm:${range}`);
    return entry === undefined ? undefined : refs.get(entry);
  };
  const byName = uniqueNames(names);
  for (const [entry, ref] of refs) {
    for (const dependency of entryDependencies(entry.fields)) {
      const target = lookup(dependency.name, dependency.range) ?? (dependency.peer ? byName.get(dependency.name) : undefined);
      if (target !== undefined) graph.addEdge(ref, target, dependency.type);
    }
  }
  addProjects(graph, file.path, folder, workspaces, context, lookup, byName);
  return graph.finish();
}

interface Identity {
  name: string;
  version: string;
  /** The folder of a Berry workspace entry, relative to the lockfile. */
  workspace?: string;
  /** A `link:` or `portal:` entry: a folder outside the project, not a locked package. */
  link?: boolean;
}

/** Yarn 1: the name from a descriptor (the aliased name for `npm:` aliases), the `version` field. */
function v1Identity(entry: YarnEntry): Identity | undefined {
  const descriptor = splitIdent(entry.descriptors[0] ?? '');
  const version = entry.fields.version;
  if (descriptor === undefined || typeof version !== 'string' || version === '') return undefined;
  const alias = descriptor.rest.startsWith('npm:') ? splitIdent(descriptor.rest.slice(4)) : undefined;
  const link = descriptor.rest.startsWith('link:');
  return { name: alias?.name ?? (descriptor.rest.startsWith('npm:') ? descriptor.rest.slice(4) : descriptor.name), version, link };
}

/** Berry: the name from `resolution` (the real package behind an alias), the `version` field. */
function berryIdentity(entry: YarnEntry): Identity | undefined {
  const resolution = typeof entry.fields.resolution === 'string' ? splitIdent(entry.fields.resolution) : undefined;
  const version = entry.fields.version;
  if (resolution === undefined || (typeof version !== 'string' && typeof version !== 'number')) return undefined;
  if (resolution.rest.startsWith('workspace:')) return { name: resolution.name, version: String(version), workspace: resolution.rest.slice('workspace:'.length) };
  const link = resolution.rest.startsWith('link:') || resolution.rest.startsWith('portal:');
  return { name: resolution.name, version: String(version), link };
}

interface EntryDependency {
  name: string;
  range: string;
  type: RelationshipType;
  peer: boolean;
}

/**
 * `dependencies`, `optionalDependencies` (Yarn 1) and those `dependenciesMeta` marks optional
 * (Berry), and `peerDependencies` (Berry), which the lockfile leaves unresolved.
 */
function entryDependencies(fields: Record<string, unknown>): EntryDependency[] {
  const out: EntryDependency[] = [];
  const meta = isRecord(fields.dependenciesMeta) ? fields.dependenciesMeta : {};
  const peerMeta = isRecord(fields.peerDependenciesMeta) ? fields.peerDependenciesMeta : {};
  const add = (map: unknown, kind: 'required' | 'optional' | 'peer') => {
    if (!isRecord(map)) return;
    for (const [name, range] of Object.entries(map)) {
      if (typeof range !== 'string' && typeof range !== 'number') continue;
      const flags = kind === 'peer' ? peerMeta[name] : meta[name];
      const optional = kind === 'optional' || (isRecord(flags) && flags.optional === true);
      out.push({ name, range: String(range), type: optional ? 'optional-depends-on' : 'depends-on', peer: kind === 'peer' });
    }
  };
  add(fields.dependencies, 'required');
  add(fields.optionalDependencies, 'optional');
  add(fields.peerDependencies, 'peer');
  return out;
}

/** Names locked at exactly one version: where an unresolved peer dependency can only lead. */
export function uniqueNames(names: ReadonlyMap<string, string>): Map<string, string> {
  const seen = new Map<string, string | null>();
  for (const [ref, name] of names) seen.set(name, seen.has(name) ? null : ref);
  const unique = new Map<string, string>();
  for (const [name, ref] of seen) if (ref !== null) unique.set(name, ref);
  return unique;
}

/**
 * The root project and workspace members: Berry's workspace entries, else the `package.json`
 * beside the lockfile and the members its `workspaces` name. Each links to what it declares.
 */
function addProjects(
  graph: LockGraph,
  lockfilePath: string,
  folder: string,
  workspaces: Map<string, YarnEntry>,
  context: CatalogContext,
  lookup: (name: string, range: string) => string | undefined,
  byName: Map<string, string>,
): void {
  const root = readManifest(folder, '', context);
  const manifests = new Map<string, Manifest | undefined>();
  if (workspaces.size > 0) {
    for (const key of workspaces.keys()) manifests.set(normalizeKey(key), readManifest(folder, normalizeKey(key), context));
  } else {
    manifests.set('', root);
    if (root !== undefined) for (const member of workspaceManifests(folder, root, context)) manifests.set(member.key, member);
  }
  for (const [key, manifest] of [...manifests].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const entry = workspaces.get(key === '' ? '.' : key) ?? workspaces.get(key);
    const identity = manifestIdentity(manifest);
    const lockedName = entry === undefined ? undefined : berryIdentity(entry)?.name;
    const name = identity.name ?? lockedName ?? (key === '' ? folder.split('/').pop() || folder : key);
    const ref = graph.addProject(key, {
      name,
      ...(identity.version === undefined ? {} : { version: identity.version }),
      private: identity.private,
      paths: manifest === undefined ? [lockfilePath] : [lockfilePath, manifest.path],
    });
    // the lockfile's copy of a workspace's dependencies is what was resolved; the manifest may be newer
    const declared = entry !== undefined ? berryWorkspaceDependencies(entry.fields, manifest) : manifest === undefined ? [] : manifestDependencies(manifest.fields);
    for (const dependency of declared) {
      const target = lookup(dependency.name, dependency.range) ?? byName.get(dependency.name);
      if (target !== undefined) graph.addEdge(ref, target, dependency.type);
    }
  }
}

/** `.` is the root workspace's folder in Berry. */
function normalizeKey(key: string): string {
  return key === '.' ? '' : key.replace(/^\.\//, '');
}

/**
 * A Berry workspace entry lists its dependencies and dev dependencies together; the manifest,
 * when read, says which were for development.
 */
function berryWorkspaceDependencies(fields: Record<string, unknown>, manifest: Manifest | undefined) {
  const declared = manifest === undefined ? [] : manifestDependencies(manifest.fields);
  const kinds = new Map(declared.map((dependency) => [dependency.name, dependency.type]));
  return entryDependencies(fields).map((dependency) => ({
    ...dependency,
    type: dependency.type === 'optional-depends-on' ? dependency.type : (kinds.get(dependency.name) ?? dependency.type),
  }));
}
