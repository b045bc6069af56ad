/**
 * What the installed-npm and npm-lockfile catalogers share: Node's `node_modules` lookup and the
 * reading of `package.json` fields (licenses, author, dependency maps).
 * @module
 */
import type { License, Relationship } from '../model.js';
import { normalizeLicense, uniqueLicenses } from '../license.js';
import { isRecord } from '../../util/is-record.js';

/**
 * The directories Node searches for `name` from a package at `dir`, nearest first:
 * `<dir>/node_modules/<name>`, then the same under each ancestor that is not itself a
 * `node_modules` folder. Paths are `/`-separated; `''` is the root of a relative tree.
 */
export function* lookupPaths(dir: string, name: string): Generator<string> {
  let current = dir;
  for (;;) {
    if (!current.endsWith('/node_modules') && current !== 'node_modules') {
      yield current === '' ? `node_modules/${name}` : current === '/' ? `/node_modules/${name}` : `${current}/node_modules/${name}`;
    }
    if (current === '' || current === '/') return;
    const slash = current.lastIndexOf('/');
    current = slash < 0 ? '' : slash === 0 ? '/' : current.slice(0, slash);
  }
}

/** A dependency of a package, as declared in its manifest. */
export interface DeclaredDependency {
  name: string;
  type: Relationship['type'];
}

/**
 * The dependencies npm installs for a package: `dependencies`, `optionalDependencies`
 * (optional, and winning over a duplicate in `dependencies`), `peerDependencies` (optional when
 * `peerDependenciesMeta` says so) and, with `includeDev` (workspace and root projects),
 * `devDependencies`. Sorted by name.
 */
export function declaredDependencies(manifest: Record<string, unknown>, includeDev = false): DeclaredDependency[] {
  const types = new Map<string, Relationship['type']>();
  if (includeDev) for (const name of keysOf(manifest.devDependencies)) types.set(name, 'dev-depends-on');
  const peerMeta = isRecord(manifest.peerDependenciesMeta) ? manifest.peerDependenciesMeta : {};
  for (const name of keysOf(manifest.peerDependencies)) {
    const meta = peerMeta[name];
    types.set(name, isRecord(meta) && meta.optional === true ? 'optional-depends-on' : 'depends-on');
  }
  for (const name of keysOf(manifest.dependencies)) types.set(name, 'depends-on');
  for (const name of keysOf(manifest.optionalDependencies)) types.set(name, 'optional-depends-on');
  return [...types]
    .map(([name, type]) => ({ name, type }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function keysOf(value: unknown): string[] {
  return isRecord(value) ? Object.keys(value) : [];
}

/**
 * Licenses from a manifest: `license` as a string or a legacy `{type}` object, and the legacy
 * `licenses` array of strings or `{type}` objects.
 */
export function manifestLicenses(manifest: Record<string, unknown>): License[] {
  const declared: string[] = [];
  const add = (value: unknown) => {
    const text = typeof value === 'string' ? value : isRecord(value) && typeof value.type === 'string' ? value.type : undefined;
    if (text !== undefined && text.trim() !== '') declared.push(text);
  };
  add(manifest.license);
  if (Array.isArray(manifest.licenses)) for (const item of manifest.licenses) add(item);
  else add(manifest.licenses);
  return uniqueLicenses(declared.map(normalizeLicense));
}

/** `author` as written (`Name <email> (url)`), or built from an `{name, email, url}` object. */
export function manifestAuthor(manifest: Record<string, unknown>): string | undefined {
  const author = manifest.author;
  if (typeof author === 'string') return author.trim() === '' ? undefined : author.trim();
  if (!isRecord(author) || typeof author.name !== 'string' || author.name.trim() === '') return undefined;
  let text = author.name.trim();
  if (typeof author.email === 'string' && author.email !== '') text += ` <${author.email}>`;
  if (typeof author.url === 'string' && author.url !== '') text += ` (${author.url})`;
  return text;
}

/** A string field, trimmed, or undefined when absent or empty. */
export function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}
