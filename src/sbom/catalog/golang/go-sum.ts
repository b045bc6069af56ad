/**
 * `go.sum`: one line per module zip or module go.mod the build checked, `<path> <version>[/go.mod]
 * h1:<base64 SHA-256 of the module's file tree>`. Only the hashes of module zips name the code a
 * build uses; the `/go.mod` lines are kept out.
 * @module
 */

/** The `h1:` hashes of module zips, keyed by `path version`, and how many lines were malformed. */
export interface GoSum {
  hashes: Map<string, string>;
  malformed: number;
}

/** Reads a go.sum text; a malformed line is counted, never thrown. */
export function parseGoSum(text: string): GoSum {
  const hashes = new Map<string, string>();
  let malformed = 0;
  for (const line of text.split(/\r?\n/)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length === 1 && fields[0] === '') continue;
    const [path, version, hash] = fields;
    if (fields.length !== 3 || path === undefined || version === undefined || hash === undefined || !/^h\d+:/.test(hash)) {
      malformed++;
      continue;
    }
    if (version.endsWith('/go.mod')) continue;
    hashes.set(sumKey(path, version), hash);
  }
  return { hashes, malformed };
}

/** The key of a module version in {@link GoSum.hashes}. */
export function sumKey(path: string, version: string): string {
  return `${path} ${version}`;
}
