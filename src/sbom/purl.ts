/**
 * package-url (purl) builders for the ecosystems sealkit catalogs.
 *
 * Components are validated and type-normalized by `packageurl-js` (lowercase names for deb, apk,
 * npm and pypi; required parts present), then serialized by sealkit itself, because
 * `packageurl-js` 2.x leaves `+` unencoded in versions and percent-encodes `:` in qualifier
 * values, while the purl specification ("Character encoding") allows only the alphanumerics,
 * `.-_~` and `:` to stay unencoded. So `5.2.15-2+b7` becomes `5.2.15-2%2Bb7`, an epoch stays
 * `1:1.2.13`, and `@` inside a qualifier value becomes `%40`. Qualifiers are sorted by key,
 * as the specification requires; empty values are dropped, as it also requires.
 * @module
 */
import { PackageURL } from 'packageurl-js';
import { UsageError } from '../errors.js';
import type { Distro } from './model.js';

/** The parts of a purl before encoding. */
export interface PurlParts {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  /** Entries whose value is undefined or empty are left out. */
  qualifiers?: Record<string, string | undefined>;
  subpath?: string;
}

/**
 * Builds a canonical purl string. Throws {@link UsageError} (`INVALID_ARGUMENT`) when the parts
 * cannot form a purl (an empty name, a malformed qualifier key).
 */
export function buildPurl(parts: PurlParts): string {
  const qualifiers: Record<string, string> = {};
  for (const [key, value] of Object.entries(parts.qualifiers ?? {})) {
    if (value !== undefined && value !== '') qualifiers[key] = value;
  }
  let purl: PackageURL;
  try {
    purl = new PackageURL(
      parts.type,
      emptyToUndefined(parts.namespace),
      parts.name,
      emptyToUndefined(parts.version),
      Object.keys(qualifiers).length > 0 ? qualifiers : undefined,
      emptyToUndefined(parts.subpath),
    );
  } catch (error) {
    throw new UsageError('INVALID_ARGUMENT', `cannot build a purl for ${parts.type} package "${parts.name}": ${(error as Error).message}`, {
      cause: error,
      details: { type: parts.type, name: parts.name },
    });
  }
  return serialize(purl);
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function serialize(purl: PackageURL): string {
  let out = `pkg:${purl.type}/`;
  if (purl.namespace) out += `${encodeSegments(purl.namespace)}/`;
  out += encodeComponent(purl.name);
  if (purl.version) out += `@${encodeComponent(purl.version)}`;
  const qualifiers = purl.qualifiers;
  if (qualifiers) {
    const keys = Object.keys(qualifiers).sort();
    if (keys.length > 0) out += `?${keys.map((key) => `${key}=${encodeComponent(qualifiers[key] ?? '')}`).join('&')}`;
  }
  if (purl.subpath) out += `#${encodeSegments(purl.subpath)}`;
  return out;
}

function encodeSegments(value: string): string {
  return value
    .split('/')
    .filter((segment) => segment !== '')
    .map(encodeComponent)
    .join('/');
}

/**
 * Percent-encodes everything outside the purl "allowed set" (alphanumerics and `.-_~`) except `:`,
 * which the specification forbids encoding. `encodeURIComponent` leaves `!'()*` alone, so those
 * are encoded here too.
 */
export function encodeComponent(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%3A/g, ':');
}

/**
 * The `distro` qualifier of OS packages: `<id>-<most precise version>` (`debian-12.10`,
 * `alpine-3.19.1`), falling back to the codename when no numeric version is known
 * (`debian-trixie` on a testing image), or the bare id.
 */
export function distroQualifier(distro: Distro | undefined): string | undefined {
  if (distro === undefined) return undefined;
  const version = distro.version ?? distro.versionId ?? distro.codename;
  return version === undefined || version === '' ? distro.id : `${distro.id}-${version}`;
}

/** What a Debian binary package contributes to its purl. */
export interface DebPurlInput {
  name: string;
  version: string;
  architecture?: string;
  /** Source package name, when it differs from the binary name. */
  source?: string;
  /** Source package version, when dpkg records one. */
  sourceVersion?: string;
}

/**
 * `pkg:deb/<distro id>/<name>@<version>?arch=…&distro=…&upstream=…`. The namespace is the
 * os-release `ID` (`debian`, `ubuntu`…), `debian` when the distro is unknown. `upstream` names the
 * source package when it differs from the binary (`<source>@<version>` when the source version
 * differs too); a binNMU of a same-named source (`bash` 5.2.15-2+b7 from `bash` 5.2.15-2) has none.
 */
export function debPurl(pkg: DebPurlInput, distro: Distro | undefined): string {
  return buildPurl({
    type: 'deb',
    namespace: distro?.id ?? 'debian',
    name: pkg.name,
    version: pkg.version,
    qualifiers: {
      arch: pkg.architecture,
      distro: distroQualifier(distro),
      upstream: upstreamQualifier(pkg.name, pkg.version, pkg.source, pkg.sourceVersion),
    },
  });
}

/** What an Alpine package contributes to its purl. */
export interface ApkPurlInput {
  name: string;
  version: string;
  architecture?: string;
  /** The `o:` origin (source package) of the package. */
  origin?: string;
}

/**
 * `pkg:apk/<distro id>/<name>@<version>?arch=…&distro=…`, with `upstream=<origin>` when the package
 * was built from an origin of another name (`libcrypto3` from `openssl`). The namespace falls back
 * to `alpine` when the distro is unknown.
 */
export function apkPurl(pkg: ApkPurlInput, distro: Distro | undefined): string {
  return buildPurl({
    type: 'apk',
    namespace: distro?.id ?? 'alpine',
    name: pkg.name,
    version: pkg.version,
    qualifiers: {
      arch: pkg.architecture,
      distro: distroQualifier(distro),
      upstream: upstreamQualifier(pkg.name, pkg.version, pkg.origin, undefined),
    },
  });
}

function upstreamQualifier(name: string, version: string, source: string | undefined, sourceVersion: string | undefined): string | undefined {
  if (source === undefined || source === '' || source === name) return undefined;
  return sourceVersion !== undefined && sourceVersion !== '' && sourceVersion !== version ? `${source}@${sourceVersion}` : source;
}

/** PEP 503 normalized project name: runs of `-`, `_`, `.` become one `-`, lowercased. */
export function normalizePythonName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** `pkg:pypi/<PEP 503 normalized name>@<version>`. */
export function pypiPurl(name: string, version: string): string {
  return buildPurl({ type: 'pypi', name: normalizePythonName(name), version });
}

/** `pkg:npm/<name>@<version>`, with a scope as the namespace: `pkg:npm/%40scope/name@1.0.0`. */
export function npmPurl(name: string, version: string): string {
  const slash = name.startsWith('@') ? name.indexOf('/') : -1;
  return slash > 0 && slash < name.length - 1
    ? buildPurl({ type: 'npm', namespace: name.slice(0, slash), name: name.slice(slash + 1), version })
    : buildPurl({ type: 'npm', name, version });
}
