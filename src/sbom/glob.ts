/**
 * Root-relative path globs: `**` is any number of whole segments, `*` and `?` stay inside one
 * segment. Matching runs for every entry of every layer, so a set of globs is indexed by the
 * literal last segment most globs end in (`METADATA`, `package.json`), or by the extension a
 * wildcard name ends in (`*.jar`, `*.deps.json`), and only the few candidates with that name or
 * extension, or with another wildcard name, are tested with a regular expression.
 * @module
 */

/** A compiled glob. */
export interface Glob {
  readonly source: string;
  test(path: string): boolean;
}

/** Compiles one glob; paths given to `test` have no leading slash. */
export function compileGlob(glob: string): Glob {
  const source = stripSlash(glob);
  const segments = source.split('/');
  let pattern = '';
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') {
      // zero or more whole segments, each followed by a slash (or the end when last)
      pattern += last ? '.*' : '(?:[^/]+/)*';
      return;
    }
    pattern += segmentPattern(segment) + (last ? '' : '/');
  });
  const regex = new RegExp(`^${pattern}$`);
  return { source, test: (path) => regex.test(path) };
}

function segmentPattern(segment: string): string {
  let out = '';
  for (const ch of segment) {
    if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

function stripSlash(path: string): string {
  return path.startsWith('/') ? path.slice(1) : path;
}

/** True when a segment has no wildcard, so it can be used as an index key. */
function isLiteral(segment: string): boolean {
  return !/[*?]/.test(segment);
}

/**
 * A set of globs, each carrying a value (e.g. the largest size a cataloger accepts).
 * `match` returns the values of every glob that matches, or undefined.
 */
interface GlobEntry<T> {
  glob: Glob;
  value: T;
  exclude: Glob[];
}

export class GlobSet<T> {
  private readonly byName = new Map<string, Array<GlobEntry<T>>>();
  private readonly byExtension = new Map<string, Array<GlobEntry<T>>>();
  private readonly wildcardNamed: Array<GlobEntry<T>> = [];

  /** Adds `glob` with its value; paths matching one of `exclude` do not match this glob. */
  add(glob: string, value: T, exclude: readonly string[] = []): this {
    const compiled = compileGlob(glob);
    const entry: GlobEntry<T> = { glob: compiled, value, exclude: exclude.map(compileGlob) };
    const name = compiled.source.slice(compiled.source.lastIndexOf('/') + 1);
    const star = name.lastIndexOf('*');
    if (isLiteral(name)) addTo(this.byName, name, entry);
    // `*.jar`, `lib*.so.1`: whatever the star takes, a matching name ends in that extension.
    else if (name.lastIndexOf('.') > star && isLiteral(name.slice(star + 1))) addTo(this.byExtension, extensionOf(name) as string, entry);
    else this.wildcardNamed.push(entry);
    return this;
  }

  /** Values of the globs matching `path` (no leading slash), or undefined when none does. */
  match(path: string): T[] | undefined {
    const name = path.slice(path.lastIndexOf('/') + 1);
    let found: T[] | undefined;
    const named = this.byName.get(name);
    if (named !== undefined) {
      for (const entry of named) if (matches(entry, path)) (found ??= []).push(entry.value);
    }
    const extension = this.byExtension.size === 0 ? undefined : extensionOf(name);
    const sameExtension = extension === undefined ? undefined : this.byExtension.get(extension);
    if (sameExtension !== undefined) {
      for (const entry of sameExtension) if (matches(entry, path)) (found ??= []).push(entry.value);
    }
    for (const entry of this.wildcardNamed) if (matches(entry, path)) (found ??= []).push(entry.value);
    return found;
  }
}

/** What follows the last dot of a file name (`jar`, `json`), or undefined without one. */
function extensionOf(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot === -1 ? undefined : name.slice(dot + 1);
}

function addTo<T>(index: Map<string, Array<GlobEntry<T>>>, key: string, entry: GlobEntry<T>): void {
  const list = index.get(key);
  if (list === undefined) index.set(key, [entry]);
  else list.push(entry);
}

function matches<T>(entry: GlobEntry<T>, path: string): boolean {
  return entry.glob.test(path) && !entry.exclude.some((glob) => glob.test(path));
}
