/**
 * What an archive's file name says about it: `commons-lang3-3.12.0.jar` is `commons-lang3` at
 * `3.12.0`. It is the weakest evidence the Java cataloger uses, after pom.properties, pom.xml and
 * the manifest.
 * @module
 */

/** The name and version read from an archive's file name; `version` is empty when it has none. */
export interface ArchiveName {
  /** The base name without its extension, e.g. `commons-lang3-3.12.0`. */
  stem: string;
  name: string;
  version: string;
}

/**
 * Splits `<name>-<version>.<ext>`. The version starts at the first dash-separated part that
 * begins with a digit, or is `build<digits>…` or `r<digits>`/`rc<digits>` (`jetpack-build235-rc5`,
 * `ironman-r4-2009`); parts like `http2` in `my-http2-server-5` stay in the name. Without such a
 * dash, a version after `_` or `.` is taken (`org.eclipse.osgi_3.18.0.v2022`).
 */
export function parseArchiveName(path: string): ArchiveName {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const parts = stem.split('-');
  for (let i = 1; i < parts.length; i++) {
    if (startsVersion(parts[i] ?? '')) return { stem, name: parts.slice(0, i).join('-'), version: parts.slice(i).join('-') };
  }
  const secondary = /^(.+?)[._](\d.*)$/.exec(stem);
  if (secondary?.[1] !== undefined && secondary[2] !== undefined && /^[A-Za-z]/.test(secondary[1])) {
    return { stem, name: secondary[1], version: secondary[2] };
  }
  return { stem, name: stem, version: '' };
}

function startsVersion(part: string): boolean {
  return /^\d/.test(part) || /^build\d/i.test(part) || /^rc?\d+(?![A-Za-z])/i.test(part);
}

/**
 * The artifact name a file name stands for. A dotted name made of Java identifiers
 * (`org.foo.bar`) is a groupId and artifactId joined, so its last part is the artifact; Eclipse
 * bundles (`org.eclipse.*`) keep the whole name, which is their artifactId.
 */
export function artifactFromArchiveName(name: string): string {
  if (!name.includes('.') || name.startsWith('org.eclipse.')) return name;
  const fields = name.split('.');
  return fields.every((field) => /^[\p{L}\p{Nl}\p{Sc}\p{Pc}]/u.test(field)) ? (fields[fields.length - 1] ?? name) : name;
}

/**
 * True when a pom.properties `artifactId` names the archive called `fileName`: equal, or one a
 * prefix of the other (`geronimo-annotation_1.3_spec` in `geronimo-annotation-1.3-spec.jar`),
 * ignoring case and the `.`/`_`/`-` separators (Debian renames `jakarta.annotation-api` to
 * `jakarta-annotation-api.jar`). When some artifactId equals the file name exactly, only that
 * one matches, so a shaded `foo` does not claim `foo-core`'s jar.
 */
export function artifactMatchesFileName(artifactId: string, fileName: string, allArtifactIds: readonly string[]): boolean {
  const artifact = normalizeName(artifactId);
  const file = normalizeName(fileName);
  if (artifact === '' || file === '') return false;
  if (allArtifactIds.some((id) => normalizeName(id) === file)) return artifact === file;
  return artifact.startsWith(file) || file.endsWith(artifact);
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[._]/g, '-');
}
