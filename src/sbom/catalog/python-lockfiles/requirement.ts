/**
 * Dependency specifiers (PEP 508) as lockfiles and manifests write them:
 * `name[extra,…] specifier ; marker` or `name[extra] @ url ; marker`. Only what a cataloger
 * needs is taken apart: the name, the extras, the version specifier, the URL and the marker.
 * @module
 */
import { normalizePythonName } from '../../purl.js';

/** One parsed dependency specifier. */
export interface Requirement {
  /** The name as written. */
  name: string;
  /** The name normalized as PEP 503 and the purl specification say. */
  key: string;
  /** Extras, normalized. */
  extras: string[];
  /** The version specifier (`==1.2`, `>=1,<2`), empty when there is none. */
  specifier: string;
  /** The direct reference after `@`, when given. */
  url?: string;
  /** The environment marker after `;`, when given. */
  marker?: string;
}

const NAME = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*/;

/** Parses one specifier; undefined when it does not start with a project name. */
export function parseRequirement(text: string): Requirement | undefined {
  const match = NAME.exec(text);
  if (match === null) return undefined;
  const name = match[1] as string;
  const extras = (match[2] ?? '')
    .split(',')
    .map((extra) => extra.trim())
    .filter((extra) => extra !== '')
    .map(normalizePythonName);
  let rest = text.slice(match[0].length);
  const requirement: Requirement = { name, key: normalizePythonName(name), extras, specifier: '' };
  if (rest.startsWith('@')) {
    // a URL may hold `;` only after whitespace starts the marker (PEP 508)
    const url = /^@\s*(\S+)\s*/.exec(rest) as RegExpExecArray;
    requirement.url = url[1] as string;
    rest = rest.slice(url[0].length);
  } else {
    const semicolon = rest.indexOf(';');
    requirement.specifier = (semicolon < 0 ? rest : rest.slice(0, semicolon)).replace(/[()\s]/g, '');
    rest = semicolon < 0 ? '' : rest.slice(semicolon);
  }
  const marker = rest.startsWith(';') ? rest.slice(1).trim() : '';
  if (marker !== '') requirement.marker = marker;
  return requirement;
}

/**
 * The version a specifier pins: one `==` or `===` clause without a wildcard. `==1.*`, ranges and
 * several clauses lock nothing.
 */
export function pinnedVersion(specifier: string): string | undefined {
  const match = /^(?:===?)([^,;=<>!~*\s]+)$/.exec(specifier.trim());
  return match?.[1];
}

/** Marker variables that tie a package to an operating system or machine. */
const PLATFORM_VARIABLES = /\b(sys_platform|platform_system|os_name|platform_machine|platform_release|platform_version)\b/;

/** True when an environment marker restricts a package to some platforms. */
export function isPlatformMarker(marker: string): boolean {
  return PLATFORM_VARIABLES.test(marker);
}
