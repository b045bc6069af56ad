/**
 * The syntax of a yarn v1 lockfile (`# yarn lockfile v1`): entries keyed by one or more
 * descriptors, fields as `key value` pairs, nested maps by two-space indentation, strings
 * quoted as JSON strings or bare. It is not YAML, so it is read here, line by line, without
 * recursion; a line that fits none of these forms is an error naming its line number.
 * @module
 */

/** A parsed map: string values, or nested maps. */
export interface YarnV1Map {
  [key: string]: string | YarnV1Map;
}

/** Parses the text; throws an Error naming the first line it cannot read. */
export function parseYarnV1(text: string): YarnV1Map {
  const root: YarnV1Map = Object.create(null) as YarnV1Map;
  // stack[depth] is the map that lines indented by 2 * depth spaces belong to
  const stack: YarnV1Map[] = [root];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1}: ${why}`);
    };
    const indent = line.length - line.trimStart().length;
    if (indent % 2 !== 0 || line.slice(0, indent).includes('\t')) fail('indentation is not a multiple of two spaces');
    const depth = indent / 2;
    if (depth > stack.length - 1) fail('indented deeper than the map it is in');
    stack.length = depth + 1;
    const target = stack[depth] as YarnV1Map;
    const [key, rest] = readToken(trimmed, fail);
    if (rest.trim() === ':') {
      const child: YarnV1Map = Object.create(null) as YarnV1Map;
      target[key] = child;
      stack.push(child);
      continue;
    }
    // `key value`, and the `key: value` form yarn also accepts
    const valueText = rest.startsWith(':') ? rest.slice(1).trim() : rest.trim();
    if (valueText === '') fail('a key without a value');
    const [value, after] = readToken(valueText, fail);
    if (after.trim() !== '') fail('text after a value');
    target[key] = value;
  }
  return root;
}

/**
 * Reads a key of an entry line: a quoted string, or bare text up to a space or a colon at the
 * end of the key (descriptor lists such as `a@^1, "b@^2":` stay whole).
 */
function readToken(text: string, fail: (why: string) => never): [string, string] {
  if (text.startsWith('"')) {
    const end = closingQuote(text);
    if (end < 0) fail('unterminated string');
    let value: unknown;
    try {
      value = JSON.parse(text.slice(0, end + 1));
    } catch {
      fail('invalid string escape');
    }
    // a descriptor list continues after the first quoted descriptor
    const rest = text.slice(end + 1);
    if (rest.startsWith(',')) {
      const [more, after] = readToken(rest.slice(1).trimStart(), fail);
      return [`${value as string}, ${more}`, after];
    }
    return [value as string, rest];
  }
  const match = /^([^\s:",]+(?:, ?[^\s:",]+)*)(.*)$/.exec(text);
  if (match === null) return fail('expected a key or a value');
  const token = match[1] as string;
  const after = match[2] as string;
  if (after.startsWith(', "')) {
    const [more, rest] = readToken(after.slice(2), fail);
    return [`${token}, ${more}`, rest];
  }
  return [token, after];
}

function closingQuote(text: string): number {
  for (let i = 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === '"') return i;
  }
  return -1;
}
