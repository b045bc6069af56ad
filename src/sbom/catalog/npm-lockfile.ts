/**
 * npm lockfiles (`package-lock.json`, `npm-shrinkwrap.json`) outside `node_modules`.
 * lockfileVersion 2 and 3 describe the tree in `packages`, keyed by install path
 * (`node_modules/a/node_modules/b`); version 1 nests `dependencies` and lists `requires`.
 * Both become install paths, and dependencies resolve by Node's `node_modules` walk-up, so a
 * lockfile and the tree `npm ci` would build from it give the same graph. The root (`""`) and
 * the workspaces (folders outside `node_modules`, which `link: true` entries point at) are
 * projects, not packages; their direct dependencies are relationships from the project. npm's
 * `dev` and `devOptional` flags make a package dev (`devOptional` is optional too).
 * @module
 */
import { npmPurl } from '../purl.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, ProjectDraft, RelationshipDraft } from './cataloger.js';
import { MANIFEST_RELATED, folderOf, manifestIdentity, platformOf, readManifest } from './javascript/manifest.js';
import { declaredDependencies, lookupPaths, manifestLicenses, stringField, type DeclaredDependency } from './node-modules.js';
import { isRecord } from '../../util/is-record.js';

/** The npm-lockfile cataloger (`npm-lockfile`). */
export const npmLockfileCataloger: Cataloger = {
  name: 'npm-lockfile',
  sources: ['directory', 'lockfile'],
  patterns: ['**/package-lock.json', '**/npm-shrinkwrap.json'],
  related: MANIFEST_RELATED,
  exclude: ['**/node_modules/**'],
  maxFileSize: 64 * 1024 * 1024,
  parse: parseLockfiles,
};

/** Flags npm records on lockfile entries, kept as package metadata. */
const FLAGS = ['dev', 'optional', 'devOptional', 'peer', 'inBundle', 'extraneous'] as const;

interface LockEntry {
  /** Install path relative to the lockfile's folder. */
  path: string;
  draft: PackageDraft;
  dependencies: DeclaredDependency[];
}

/** A project: the root (`''`) or a workspace folder, with what it declares. */
interface LockProject {
  path: string;
  draft: ProjectDraft;
  dependencies: DeclaredDependency[];
}

/** A lockfile reduced to install paths: packages and projects by path, and link paths to their targets. */
interface LockTree {
  entries: Map<string, LockEntry>;
  projects: Map<string, LockProject>;
  links: Map<string, string>;
}

function parseLockfiles(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const packages: PackageDraft[] = [];
  const relationships: RelationshipDraft[] = [];
  const projects: ProjectDraft[] = [];
  for (const file of files) {
    let tree: LockTree | undefined;
    try {
      tree = readLockfile(file, context);
    } catch (error) {
      context.warn({ code: 'METADATA_UNPARSABLE', message: `unreadable npm lockfile: ${(error as Error).message}`, path: file.path });
    }
    if (tree === undefined) continue;
    for (const entry of tree.entries.values()) {
      packages.push(entry.draft);
      for (const dependency of entry.dependencies) {
        const target = resolve(tree, entry.path, dependency.name);
        if (target === undefined || target === entry) continue;
        relationships.push({ from: entry.draft.ref, to: target.draft.ref, type: dependency.type });
      }
    }
    for (const project of tree.projects.values()) {
      projects.push(project.draft);
      for (const dependency of project.dependencies) {
        // a workspace depending on another workspace is a link between projects, not a package
        const target = resolve(tree, project.path, dependency.name);
        if (target !== undefined) relationships.push({ from: project.draft.ref, to: target.draft.ref, type: dependency.type });
      }
    }
  }
  return { packages, relationships, projects };
}

function readLockfile(file: CatalogFile, context: CatalogContext): LockTree | undefined {
  const warn = (message: string) => context.warn({ code: 'METADATA_UNPARSABLE', message, path: file.path });
  let lock: unknown;
  try {
    lock = JSON.parse(file.content.toString('utf8'));
  } catch (error) {
    warn(`invalid npm lockfile: ${(error as Error).message}`);
    return undefined;
  }
  if (!isRecord(lock)) {
    warn('invalid npm lockfile: not a JSON object');
    return undefined;
  }
  const version = lock.lockfileVersion;
  const tree: LockTree = { entries: new Map(), projects: new Map(), links: new Map() };
  if ((version === 2 || version === 3) && isRecord(lock.packages)) {
    readPackages(lock.packages, file.path, tree, context);
  } else if (version === 1 || (version === 2 && isRecord(lock.dependencies))) {
    if (lock.dependencies !== undefined && !isRecord(lock.dependencies)) {
      warn('invalid npm lockfile: "dependencies" is not an object');
      return undefined;
    }
    readNestedDependencies(lock.dependencies ?? {}, '', file.path, tree);
    addV1Root(lock, file.path, tree, context);
  } else if (version === 3) {
    warn('invalid npm lockfile: lockfileVersion 3 without "packages"');
    return undefined;
  } else {
    warn(`unsupported npm lockfileVersion ${JSON.stringify(version ?? null)}`);
    return undefined;
  }
  return tree;
}

/** lockfileVersion 2 and 3: the flat `packages` map. */
function readPackages(packages: Record<string, unknown>, lockfilePath: string, tree: LockTree, context: CatalogContext): void {
  for (const path of Object.keys(packages).sort()) {
    const entry = packages[path];
    if (!isRecord(entry)) continue;
    if (entry.link === true) {
      const target = stringField(entry, 'resolved');
      if (target !== undefined) tree.links.set(path, target);
      continue;
    }
    if (path === '' || !isInstallPath(path)) {
      // the root and the workspaces: npm installs their devDependencies too
      const manifest = readManifest(folderOf(lockfilePath), path, context);
      const draft = makeProject(lockfilePath, path, stringField(entry, 'name'), stringField(entry, 'version'), manifestIdentity(manifest).private, manifest?.path);
      tree.projects.set(path, { path, draft, dependencies: declaredDependencies(entry, true) });
      continue;
    }
    const name = stringField(entry, 'name') ?? nameFromPath(path);
    const version = stringField(entry, 'version');
    if (name === undefined || version === undefined) continue;
    const draft = makeDraft(lockfilePath, path, name, version, entry);
    draft.licenses = manifestLicenses(entry);
    tree.entries.set(path, { path, draft, dependencies: declaredDependencies(entry) });
  }
}

/**
 * lockfileVersion 1 records the root's name and version but not what it declares: that comes
 * from the `package.json` beside the lockfile, when the source holds it.
 */
function addV1Root(lock: Record<string, unknown>, lockfilePath: string, tree: LockTree, context: CatalogContext): void {
  const manifest = readManifest(folderOf(lockfilePath), '', context);
  const identity = manifestIdentity(manifest);
  const draft = makeProject(lockfilePath, '', stringField(lock, 'name') ?? identity.name, stringField(lock, 'version') ?? identity.version, identity.private, manifest?.path);
  tree.projects.set('', { path: '', draft, dependencies: manifest === undefined ? [] : declaredDependencies(manifest.fields, true) });
}

function makeProject(lockfilePath: string, path: string, name: string | undefined, version: string | undefined, isPrivate: boolean | undefined, manifestPath: string | undefined): ProjectDraft {
  const folder = folderOf(lockfilePath);
  let purl: string | undefined;
  if (name !== undefined && version !== undefined && isPrivate !== true) {
    try {
      purl = npmPurl(name, version);
    } catch {
      // a name npm would not publish: no registry identity
    }
  }
  return {
    ref: `${lockfilePath}#project:${path}`,
    name: name ?? (path === '' ? folder : path),
    ...(version === undefined ? {} : { version }),
    ...(purl === undefined ? {} : { purl }),
    locations: (manifestPath === undefined ? [lockfilePath] : [lockfilePath, manifestPath].sort()).map((location) => ({ path: location })),
  };
}

/** lockfileVersion 1: `dependencies` nested by install location, `requires` by name. */
function readNestedDependencies(dependencies: Record<string, unknown>, parentPath: string, lockfilePath: string, tree: LockTree): void {
  for (const key of Object.keys(dependencies).sort()) {
    const entry = dependencies[key];
    if (!isRecord(entry)) continue;
    const path = parentPath === '' ? `node_modules/${key}` : `${parentPath}/node_modules/${key}`;
    const spec = stringField(entry, 'version');
    if (spec !== undefined && !spec.startsWith('file:') && !spec.startsWith('link:')) {
      // an alias (`"version": "npm:real-name@1.2.3"`) installs another package under this key
      const alias = /^npm:((?:@[^/@]+\/)?[^@]+)@(.+)$/.exec(spec);
      const name = alias?.[1] ?? key;
      const version = alias?.[2] ?? spec;
      const draft = makeDraft(lockfilePath, path, name, version, entry);
      if (entry.bundled === true) draft.metadata.inBundle = 'true';
      const requires = isRecord(entry.requires) ? Object.keys(entry.requires).sort() : [];
      tree.entries.set(path, { path, draft, dependencies: requires.map((dependency) => ({ name: dependency, type: 'depends-on' })) });
    }
    // `file:` entries are links to folders whose version v1 does not record: not packages here
    if (isRecord(entry.dependencies)) readNestedDependencies(entry.dependencies, path, lockfilePath, tree);
  }
}

function makeDraft(lockfilePath: string, path: string, name: string, version: string, entry: Record<string, unknown>): PackageDraft {
  const metadata: Record<string, string> = {};
  for (const flag of FLAGS) if (entry[flag] === true) metadata[flag] = 'true';
  if (entry.devOptional === true) metadata.optional = 'true';
  const platform = platformOf(entry);
  if (platform !== undefined) metadata.platform = platform;
  const resolved = stringField(entry, 'resolved');
  if (resolved !== undefined) metadata.resolved = resolved;
  const integrity = stringField(entry, 'integrity');
  if (integrity !== undefined) metadata.integrity = integrity;
  return {
    ref: `${lockfilePath}#${path}`,
    name,
    version,
    type: 'npm',
    purl: npmPurl(name, version),
    licenses: [],
    metadata,
    locations: [{ path: lockfilePath }],
    ...(entry.dev === true || entry.devOptional === true ? { dev: true } : {}),
  };
}

function isInstallPath(path: string): boolean {
  return path === 'node_modules' || path.startsWith('node_modules/') || path.includes('/node_modules/');
}

/** `node_modules/a/node_modules/@s/b` -> `@s/b`. */
function nameFromPath(path: string): string | undefined {
  const at = path.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const name = path.slice(at + 'node_modules/'.length).trim();
  return name === '' ? undefined : name;
}

/** Node's lookup over the lockfile's install paths; a link leads to its target's entry. */
function resolve(tree: LockTree, from: string, name: string): LockEntry | undefined {
  for (const candidate of lookupPaths(from, name)) {
    const entry = tree.entries.get(candidate);
    if (entry !== undefined) return entry;
    const link = tree.links.get(candidate);
    if (link !== undefined) return tree.entries.get(link);
  }
  return undefined;
}
