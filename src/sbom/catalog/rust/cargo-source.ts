/**
 * The `source` of a Cargo.lock package: where Cargo fetched it from. Cargo writes it as
 * `<kind>+<url>`: `registry+<index url>` and `sparse+<index url>` for a registry,
 * `git+<repository url>?<branch|tag|rev>=<name>#<commit>` for a git checkout. A package without
 * a source is a path dependency or a workspace member: code of the project itself.
 * @module
 */

/** A package source split into the facts an SBOM records. */
export interface CargoSource {
  kind: 'registry' | 'git' | 'other';
  /** The registry index or the git repository, without Cargo's `kind+` prefix, query or fragment. */
  url: string;
  /** The commit a git source is locked to (after `#`). */
  commit?: string;
  /** What the manifest asked for: `branch=main`, `tag=v1.0.0`, `rev=…` (a git source's query). */
  reference?: string;
}

/** The index every crates.io package names, in its git and its sparse form. */
const CRATES_IO = new Set(['https://github.com/rust-lang/crates.io-index', 'https://index.crates.io/', 'https://index.crates.io']);

/** Splits a lockfile `source` string; never throws. */
export function parseCargoSource(source: string): CargoSource {
  const plus = source.indexOf('+');
  const kind = plus > 0 ? source.slice(0, plus) : '';
  const rest = plus > 0 ? source.slice(plus + 1) : source;
  if (kind === 'registry' || kind === 'sparse') return { kind: 'registry', url: rest };
  if (kind !== 'git') return { kind: 'other', url: source };
  const hash = rest.indexOf('#');
  const beforeHash = hash >= 0 ? rest.slice(0, hash) : rest;
  const commit = hash >= 0 ? rest.slice(hash + 1) : undefined;
  const question = beforeHash.indexOf('?');
  const url = question >= 0 ? beforeHash.slice(0, question) : beforeHash;
  const query = question >= 0 ? beforeHash.slice(question + 1) : '';
  const parsed: CargoSource = { kind: 'git', url };
  if (commit !== undefined && commit !== '') parsed.commit = commit;
  if (query !== '') parsed.reference = query;
  return parsed;
}

/** True for crates.io, whichever index protocol the lockfile names. */
export function isCratesIo(source: CargoSource): boolean {
  return source.kind === 'registry' && CRATES_IO.has(source.url);
}
