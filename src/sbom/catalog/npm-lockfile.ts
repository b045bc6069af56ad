/**
 * npm lockfiles (`package-lock.json`, `npm-shrinkwrap.json`) outside `node_modules`.
 * lockfileVersion 2 and 3 describe the tree in `packages`, keyed by install path
 * (`node_modules/a/node_modules/b`); version 1 nests `dependencies` and lists `requires`.
 * Both become install paths, and dependencies resolve by Node's `node_modules` walk-up, so a
 * lockfile and the tree `npm ci` would build from it give the same graph. The root project (`""`)
 * is not a package; workspaces are, and `link: true` entries point at them.
 * @module
 */
import { npmPurl } from '../purl.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, RelationshipDraft } from './cataloger.js';
import { declaredDependencies, isRecord, lookupPaths, manifestLicenses, stringField, type DeclaredDependency } from './node-modules.js';

/** The npm-lockfile cataloger (`npm-lockfile`). */
export const npmLockfileCataloger: Cataloger = {
  name: 'npm-lockfile',
  sources: ['directory', 'lockfile'],
  patterns: ['**/package-lock.json', '**/npm-shrinkwrap.json'],
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

/** A lockfile reduced to install paths: packages by path, and link paths to their targets. */
interface LockTree {
  entries: Map<string, LockEntry>;
  links: Map<string, string>;
}

function parseLockfiles(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const packages: PackageDraft[] = [];
  const relationships: RelationshipDraft[] = [];
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
  }
  return { packages, relationships };
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
  const tree: LockTree = { entries: new Map(), links: new Map() };
  if ((version === 2 || version === 3) && isRecord(lock.packages)) {
    readPackages(lock.packages, file.path, tree);
  } else if (version === 1 || (version === 2 && isRecord(lock.dependencies))) {
    if (lock.dependencies !== undefined && !isRecord(lock.dependencies)) {
      warn('invalid npm lockfile: "dependencies" is not an object');
      return undefined;
    }
    readNestedDependencies(lock.dependencies ?? {}, '', file.path, tree);
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
function readPackages(packages: Record<string, unknown>, lockfilePath: string, tree: LockTree): void {
  for (const path of Object.keys(packages).sort()) {
    const entry = packages[path];
    if (path === '' || !isRecord(entry)) continue;
    if (entry.link === true) {
      const target = stringField(entry, 'resolved');
      if (target !== undefined) tree.links.set(path, target);
      continue;
    }
    const name = stringField(entry, 'name') ?? nameFromPath(path);
    const version = stringField(entry, 'version');
    if (name === undefined || version === undefined) continue;
    // a folder outside node_modules is a workspace: npm installs its devDependencies too
    const workspace = !isInstallPath(path);
    const draft = makeDraft(lockfilePath, path, name, version, entry);
    draft.licenses = manifestLicenses(entry);
    tree.entries.set(path, { path, draft, dependencies: declaredDependencies(entry, workspace) });
  }
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
