/**
 * JSON with the two liberties `bun.lock` takes: trailing commas and comments. Both are removed
 * outside strings in one linear pass, and the rest is read by `JSON.parse`, so every other
 * mistake is reported as JSON's own error.
 * @module
 */

/** Parses JSON that may have comments and trailing commas. */
export function parseJsonc(text: string): unknown {
  const pieces: string[] = [];
  let start = 0;
  // the index in `pieces` of a comma not yet known to be trailing
  let pendingComma = -1;
  const flush = (end: number) => {
    if (end > start) pieces.push(text.slice(start, end));
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      pendingComma = -1;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (ch === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      flush(i);
      const line = text[i + 1] === '/';
      const end = line ? text.indexOf('\n', i) : text.indexOf('*/', i + 2);
      if (end < 0 && !line) throw new SyntaxError('unterminated comment');
      i = end < 0 ? text.length : line ? end - 1 : end + 1;
      start = i + 1;
    } else if (ch === ',') {
      flush(i);
      pendingComma = pieces.length;
      pieces.push(',');
      start = i + 1;
    } else if (ch === '}' || ch === ']') {
      if (pendingComma >= 0) pieces[pendingComma] = '';
      pendingComma = -1;
    } else if (ch !== ' ' && ch !== '\n' && ch !== '\r' && ch !== '\t') {
      pendingComma = -1;
    }
  }
  flush(text.length);
  return JSON.parse(pieces.join(''));
}
