/**
 * Source and workflow URIs in the forms provenance, certificates and people write them —
 * `git+https://github.com/o/r@refs/heads/main`, `https://github.com/o/r.git`, `github.com/o/r`,
 * `https://gitlab.com/g/p//.gitlab-ci.yml@refs/heads/main` — brought to one form to compare.
 * @module
 */

/**
 * Splits `<location>@<ref>`. The ref starts at the first `@` of the path: an `@` before the
 * path is user info, and refs themselves hold slashes (`refs/tags/v1.2.3`).
 */
export function splitRef(uri: string): { location: string; ref: string | undefined } {
  const scheme = uri.indexOf('://');
  const pathStart = uri.indexOf('/', scheme === -1 ? 0 : scheme + 3);
  const at = pathStart === -1 ? -1 : uri.indexOf('@', pathStart);
  return at === -1 ? { location: uri, ref: undefined } : { location: uri.slice(0, at), ref: uri.slice(at + 1) || undefined };
}

/** `git+<repository>@<ref>` -> its parts; undefined when `uri` is not a git URI. */
export function parseGitUri(uri: string | undefined): { repository: string; ref?: string } | undefined {
  if (!uri?.startsWith('git+')) return undefined;
  const { location, ref } = splitRef(uri.slice('git+'.length));
  return ref === undefined ? { repository: location } : { repository: location, ref };
}

/**
 * A repository as `host/path`: no scheme, no `git+`, no `.git`, no trailing slash, host in
 * lower case. Paths keep their case: two spellings are two repositories unless the host says
 * otherwise, and a verifier must not guess that it does.
 */
export function normalizeRepository(repository: string): string {
  let value = repository.trim().replace(/^git\+/, '').replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  value = value.replace(/\/+$/, '').replace(/\.git$/, '');
  const slash = value.indexOf('/');
  return slash === -1 ? value.toLowerCase() : value.slice(0, slash).toLowerCase() + value.slice(slash);
}

/** Two repository spellings name the same repository. */
export function sameRepository(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && normalizeRepository(a) === normalizeRepository(b);
}

/**
 * A workflow or pipeline URI (`<repository>/<path>@<ref>`) in a comparable form: GitLab writes
 * `//` between the project and the file, GitHub a single `/`.
 */
export function normalizeConfigUri(uri: string): string {
  const { location, ref: bare } = splitRef(uri);
  const ref = bare === undefined ? '' : `@${bare}`;
  const withoutScheme = location.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return `${normalizeRepository(withoutScheme.replace(/\/{2,}/g, '/'))}${ref}`;
}

/** A URI without its `@ref` suffix: the builder id a policy names, whatever version ran. */
export function withoutRef(uri: string): string {
  return splitRef(uri).location;
}
