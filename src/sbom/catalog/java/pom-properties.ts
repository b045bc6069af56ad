/**
 * `META-INF/maven/<groupId>/<artifactId>/pom.properties`, which Maven writes into every artifact
 * it packages. It is a Java properties file: ISO-8859-1 with `\uXXXX` escapes, `#`/`!` comments,
 * `key=value`, `key: value` or `key value`, and backslash line continuations.
 * @module
 */

/** The coordinates a pom.properties declares; each may be missing. */
export interface PomProperties {
  groupId?: string;
  artifactId?: string;
  version?: string;
}

/** Parses a properties file into its key/value pairs (later keys win, as in `Properties.load`). */
export function parseProperties(bytes: Buffer): Map<string, string> {
  const properties = new Map<string, string>();
  const lines = bytes.toString('latin1').split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] ?? '').replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    // an odd number of trailing backslashes joins the next line, without its leading blanks
    while (endsWithOddBackslashes(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + (lines[++i] ?? '').replace(/^[ \t\f]+/, '');
    }
    if (endsWithOddBackslashes(line)) line = line.slice(0, -1);
    const { key, rest } = splitKey(line);
    properties.set(unescape(key), unescape(rest));
  }
  return properties;
}

/** The Maven coordinates of a pom.properties file; blank values count as missing. */
export function parsePomProperties(bytes: Buffer): PomProperties {
  const properties = parseProperties(bytes);
  const result: PomProperties = {};
  for (const key of ['groupId', 'artifactId', 'version'] as const) {
    const value = properties.get(key)?.trim();
    if (value !== undefined && value !== '') result[key] = value;
  }
  return result;
}

function endsWithOddBackslashes(line: string): boolean {
  let count = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) count++;
  return count % 2 === 1;
}

/** The key ends at the first unescaped `=`, `:` or blank; one separator and the blanks around it follow. */
function splitKey(line: string): { key: string; rest: string } {
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if (ch === '\\') {
      i += 2;
      continue;
    }
    if (ch === '=' || ch === ':' || ch === ' ' || ch === '\t' || ch === '\f') break;
    i++;
  }
  const key = line.slice(0, Math.min(i, line.length));
  let j = i;
  while (j < line.length && (line[j] === ' ' || line[j] === '\t' || line[j] === '\f')) j++;
  if (j < line.length && (line[j] === '=' || line[j] === ':')) j++;
  while (j < line.length && (line[j] === ' ' || line[j] === '\t' || line[j] === '\f')) j++;
  return { key, rest: line.slice(j) };
}

const ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(/\\(u[0-9A-Fa-f]{4}|.)/gs, (_, escape: string) =>
    escape.length === 5 ? String.fromCharCode(Number.parseInt(escape.slice(1), 16)) : (ESCAPES[escape] ?? escape),
  );
}
