/**
 * Which operating system a root filesystem holds: os-release (freedesktop.org), refined by
 * `/etc/debian_version` and `/etc/alpine-release`, which carry the point release
 * (`12.10`, `3.19.1`) that os-release's `VERSION_ID` often lacks.
 * @module
 */
import type { Distro } from '../model.js';
import type { FileResolver } from './cataloger.js';

/** Files {@link detectDistro} reads; the source captures them for it. */
export const DISTRO_PATTERNS: readonly string[] = ['etc/os-release', 'usr/lib/os-release', 'etc/debian_version', 'etc/alpine-release'];

/**
 * Parses os-release: `KEY=value` lines whose values follow shell quoting (double quotes with
 * `\` escapes for `$ " \ \``, single quotes taken literally, adjacent pieces concatenated).
 * Comments, blank lines and malformed lines are skipped.
 */
export function parseOsRelease(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) continue;
    const value = unquote(line.slice(eq + 1));
    if (value !== undefined) fields.set(key, value);
  }
  return fields;
}

/** Shell word unquoting for one value; undefined when a quote is left open. */
function unquote(raw: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const ch = raw[i] as string;
    if (ch === "'") {
      const end = raw.indexOf("'", i + 1);
      if (end < 0) return undefined;
      out += raw.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      i++;
      let closed = false;
      while (i < raw.length) {
        const c = raw[i] as string;
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\\' && i + 1 < raw.length && '$"\\`'.includes(raw[i + 1] as string)) {
          out += raw[i + 1];
          i += 2;
          continue;
        }
        out += c;
        i++;
      }
      if (!closed) return undefined;
    } else if (ch === '\\' && i + 1 < raw.length) {
      out += raw[i + 1];
      i += 2;
    } else if (ch === ' ' || ch === '\t') {
      // an unquoted blank ends the word; anything after it is not part of the value
      break;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/**
 * The distro of a root filesystem, or undefined when nothing identifies one. os-release is read
 * from `/etc/os-release` first, then `/usr/lib/os-release` (the resolver follows the usual
 * `/etc/os-release -> ../usr/lib/os-release` link). Without os-release, `/etc/debian_version` or
 * `/etc/alpine-release` alone still identify Debian or Alpine.
 */
export function detectDistro(resolver: FileResolver): Distro | undefined {
  const osRelease = resolver.read('/etc/os-release') ?? resolver.read('/usr/lib/os-release');
  const debianVersion = firstLine(resolver.read('/etc/debian_version'));
  const alpineRelease = firstLine(resolver.read('/etc/alpine-release'));
  if (osRelease === undefined) {
    if (alpineRelease !== undefined && /^\d/.test(alpineRelease)) return { id: 'alpine', version: alpineRelease };
    if (debianVersion !== undefined && isNumericVersion(debianVersion)) return { id: 'debian', version: debianVersion };
    return undefined;
  }
  const fields = parseOsRelease(osRelease.toString('utf8'));
  const id = fields.get('ID')?.toLowerCase();
  if (id === undefined || id === '') return undefined;
  const distro: Distro = { id };
  const versionId = nonEmpty(fields.get('VERSION_ID'));
  const codename = nonEmpty(fields.get('VERSION_CODENAME'));
  const prettyName = nonEmpty(fields.get('PRETTY_NAME'));
  const idLike = nonEmpty(fields.get('ID_LIKE'));
  if (versionId !== undefined) distro.versionId = versionId;
  if (codename !== undefined) distro.codename = codename;
  if (prettyName !== undefined) distro.prettyName = prettyName;
  if (idLike !== undefined) distro.idLike = idLike.split(/\s+/);
  const precise = id === 'debian' ? debianVersion : id === 'alpine' ? alpineRelease : undefined;
  // debian_version on a derivative (Ubuntu: "bookworm/sid") is not that distro's version
  if (precise !== undefined && /^\d/.test(precise) && refines(precise, versionId)) distro.version = precise;
  else if (versionId !== undefined) distro.version = versionId;
  return distro;
}

function refines(precise: string, versionId: string | undefined): boolean {
  return versionId === undefined || precise === versionId || precise.startsWith(`${versionId}.`);
}

function isNumericVersion(text: string): boolean {
  return /^\d+(\.\d+)*$/.test(text);
}

function firstLine(content: Buffer | undefined): string | undefined {
  if (content === undefined) return undefined;
  return nonEmpty(content.toString('utf8').split('\n', 1)[0]?.trim());
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
