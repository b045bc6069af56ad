/**
 * The `package.json` files beside a JavaScript lockfile: the root project's and its workspace
 * members'. They are read through the resolver, so they are used where the source captured them
 * (a directory) and missed quietly where it did not (a lockfile given alone).
 * @module
 */
import { posix } from 'node:path';
import type { RelationshipType } from '../../model.js';
import type { CatalogContext, FileResolver } from '../cataloger.js';
import { stringField } from '../node-modules.js';
import { isRecord } from '../../../util/is-record.js';

/** The globs a JavaScript lockfile cataloger asks for besides its lockfiles. */
export const MANIFEST_RELATED: readonly string[] = ['**/package.json'];

/** A dependency a manifest (or a lockfile's copy of one) declares. */
export interface ManifestDependency {
  name: string;
  /** The range or protocol as written (`^1.2.0`, `npm:real@1`, `workspace:*`). */
  range: string;
  type: RelationshipType;
}

/** A `package.json` that was read. */
export interface Manifest {
  /** Absolute path of the file. */
  path: string;
  /** Its folder relative to the lockfile's folder, `''` for the same folder. */
  key: string;
  fields: Record<string, unknown>;
}

/** The folder of an absolute file path (`/app/yarn.lock` -> `/app`). */
export function folderOf(path: string): string {
  return posix.dirname(path);
}

/** Reads `<folder>/<key>/package.json`; undefined when absent, warned when unreadable. */
export function readManifest(folder: string, key: string, context: CatalogContext): Manifest | undefined {
  const path = posix.join(folder, key, 'package.json');
  const content = context.resolver.read(path);
  if (content === undefined) return undefined;
  try {
    const fields: unknown = JSON.parse(content.toString('utf8'));
    if (isRecord(fields)) return { path, key, fields };
    context.warn({ code: 'METADATA_UNPARSABLE', message: 'package.json is not a JSON object', path });
  } catch (error) {
    context.warn({ code: 'METADATA_UNPARSABLE', message: `invalid package.json: ${(error as Error).message}`, path });
  }
  return undefined;
}

/**
 * The workspace members a root manifest declares (`workspaces` as a list, or as
 * `{ packages }`), as manifests found through the resolver; sorted by key. Negated globs leave
 * members out.
 */
export function workspaceManifests(folder: string, root: Manifest, context: CatalogContext): Manifest[] {
  const declared = root.fields.workspaces;
  const globs = Array.isArray(declared) ? declared : isRecord(declared) && Array.isArray(declared.packages) ? declared.packages : [];
  const keys = new Set<string>();
  const excluded = new Set<string>();
  for (const glob of globs) {
    if (typeof glob !== 'string' || glob.trim() === '') continue;
    const negated = glob.startsWith('!');
    for (const key of memberKeys(context.resolver, folder, negated ? glob.slice(1) : glob)) (negated ? excluded : keys).add(key);
  }
  const members: Manifest[] = [];
  for (const key of [...keys].sort()) {
    if (excluded.has(key) || key === '' || key.split('/').includes('node_modules')) continue;
    const manifest = readManifest(folder, key, context);
    if (manifest !== undefined) members.push(manifest);
  }
  return members;
}

function memberKeys(resolver: FileResolver, folder: string, glob: string): string[] {
  const pattern = posix.normalize(glob).replace(/^\.\/?/, '').replace(/\/+$/, '');
  if (pattern.startsWith('..') || pattern.startsWith('/')) return [];
  const base = folder === '/' ? '' : `${folder.slice(1)}/`;
  const prefix = folder === '/' ? '/' : `${folder}/`;
  return resolver
    .glob(`${base}${pattern === '' ? '' : `${pattern}/`}package.json`)
    .map((file) => posix.dirname(file.path.slice(prefix.length - 1)).replace(/^\/+/, ''))
    .map((key) => (key === '.' ? '' : key));
}

/** The name, version and privacy of a manifest. */
export function manifestIdentity(manifest: Manifest | undefined): { name?: string; version?: string; private?: boolean } {
  if (manifest === undefined) return {};
  return {
    name: stringField(manifest.fields, 'name'),
    version: stringField(manifest.fields, 'version'),
    private: manifest.fields.private === true,
  };
}

/**
 * What a project manifest declares: `dependencies`, `optionalDependencies` (optional),
 * `devDependencies` (dev) and `peerDependencies` (which package managers install for a project
 * too). A name in several maps keeps the strongest kind, in the order npm installs them.
 */
export function manifestDependencies(fields: Record<string, unknown>): ManifestDependency[] {
  const found = new Map<string, ManifestDependency>();
  const add = (map: unknown, type: RelationshipType) => {
    if (!isRecord(map)) return;
    for (const [name, range] of Object.entries(map)) {
      if (typeof range === 'string' && name !== '') found.set(name, { name, range, type });
    }
  };
  add(fields.peerDependencies, 'depends-on');
  add(fields.devDependencies, 'dev-depends-on');
  add(fields.dependencies, 'depends-on');
  add(fields.optionalDependencies, 'optional-depends-on');
  return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `os`/`cpu`/`libc` lists of a locked package as one `platform` string (`os=darwin,cpu=arm64`). */
export function platformOf(record: Record<string, unknown>): string | undefined {
  const parts: string[] = [];
  for (const key of ['os', 'cpu', 'libc']) {
    const value = record[key];
    const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((item) => typeof item === 'string') : [];
    if (list.length > 0) parts.push(`${key}=${list.join('|')}`);
  }
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** Splits `name@rest` (`@scope/name@rest` too); undefined without a name or an `@`. */
export function splitIdent(ident: string): { name: string; rest: string } | undefined {
  const at = ident.indexOf('@', 1);
  if (at <= 0) return undefined;
  return { name: ident.slice(0, at), rest: ident.slice(at + 1) };
}
