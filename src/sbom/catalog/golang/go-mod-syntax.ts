/**
 * The `go.mod` grammar: lines of tokens (identifiers, quoted or raw strings, and the punctuation
 * `( ) [ ] { } ,`), `//` comments, and `verb ( … )` blocks that repeat a directive once per line.
 * A line the `go` command would reject (a non-canonical version, a malformed `replace`) is kept
 * out and reported as a problem instead, so one bad line never hides the rest of the file.
 * @module
 */

/** A module path with a version; `version` is empty where the directive gives none. */
export interface ModuleVersion {
  path: string;
  version: string;
}

/** One `require` line. */
export interface Requirement extends ModuleVersion {
  /** Marked `// indirect`: needed by a dependency, not by the module's own packages. */
  indirect: boolean;
}

/** One `replace` line: `old [version] => new [version]`. */
export interface Replacement {
  old: ModuleVersion;
  /** A module path with a version, or a directory with none. */
  new: ModuleVersion;
}

/** One `retract` line: a version (`low` = `high`) or an interval. */
export interface Retraction {
  low: string;
  high: string;
  rationale?: string;
}

/** What a go.mod declares. */
export interface GoModFile {
  module?: string;
  go?: string;
  toolchain?: string;
  require: Requirement[];
  exclude: ModuleVersion[];
  replace: Replacement[];
  retract: Retraction[];
  /** Lines left out, each with its line number and why. */
  problems: string[];
}

/** Directives a go.mod may hold; the ones after `retract` are read and not used here. */
const KNOWN = new Set(['module', 'go', 'toolchain', 'require', 'exclude', 'replace', 'retract', 'godebug', 'tool', 'ignore']);
const BLOCK_VERBS = new Set(['require', 'exclude', 'replace', 'retract', 'godebug', 'tool', 'ignore']);
const PUNCTUATION = new Set(['(', ')', '[', ']', '{', '}', ',']);
/** Canonical semantic versions only, as the go command writes and requires them in go.mod. */
const VERSION = /^v(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
const GO_VERSION = /^[1-9]\d*\.(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))?(?:(?:rc|beta)[1-9]\d*)?$/;

interface Token {
  text: string;
  /** A quoted string, never punctuation even when it reads `(`. */
  quoted: boolean;
}

interface Line {
  number: number;
  tokens: Token[];
  /** The text of the trailing `//` comment, trimmed; undefined without one. */
  comment?: string;
}

/** Parses a go.mod text. Never throws: what cannot be read is in {@link GoModFile.problems}. */
export function parseGoMod(text: string): GoModFile {
  const file: GoModFile = { require: [], exclude: [], replace: [], retract: [], problems: [] };
  let block: { verb: string; start: number } | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const number = index + 1;
    let line: Line;
    try {
      line = tokenize(raw, number);
    } catch (error) {
      file.problems.push(`line ${number}: ${(error as Error).message}`);
      return;
    }
    const { tokens } = line;
    if (tokens.length === 0) return;
    if (block !== undefined) {
      if (tokens.length === 1 && isPunct(tokens[0], ')')) block = undefined;
      else directive(file, block.verb, tokens, line);
      return;
    }
    const verb = tokens[0] as Token;
    if (verb.quoted || !KNOWN.has(verb.text)) {
      file.problems.push(`line ${number}: unknown directive ${JSON.stringify(verb.text)}`);
      return;
    }
    if (tokens.length === 2 && isPunct(tokens[1], '(') && BLOCK_VERBS.has(verb.text)) {
      block = { verb: verb.text, start: number };
      return;
    }
    if (tokens.length === 3 && isPunct(tokens[1], '(') && isPunct(tokens[2], ')')) return;
    directive(file, verb.text, tokens.slice(1), line);
  });
  if (block !== undefined) file.problems.push(`line ${block.start}: "${block.verb} (" block never closed`);
  return file;
}

function isPunct(token: Token | undefined, text: string): boolean {
  return token !== undefined && !token.quoted && token.text === text;
}

function directive(file: GoModFile, verb: string, args: Token[], line: Line): void {
  const problem = (message: string): void => {
    file.problems.push(`line ${line.number}: ${verb}: ${message}`);
  };
  const words = args.map((token) => token.text);
  const plain = args.every((token) => token.quoted || !PUNCTUATION.has(token.text));
  switch (verb) {
    case 'module':
      if (words.length !== 1 || !plain) return problem('expected one module path');
      if (file.module !== undefined) return problem('repeated');
      file.module = words[0];
      return;
    case 'go':
    case 'toolchain': {
      const value = words[0];
      if (words.length !== 1 || !plain || value === undefined) return problem('expected one version');
      if (verb === 'go' ? !GO_VERSION.test(value) : !/^(?:go[1-9]\S*|default)$/.test(value)) return problem(`invalid version ${JSON.stringify(value)}`);
      if (file[verb] !== undefined) return problem('repeated');
      file[verb] = value;
      return;
    }
    case 'require':
    case 'exclude': {
      const [path, version] = words;
      if (words.length !== 2 || !plain || path === undefined || version === undefined) return problem('expected a module path and a version');
      if (!VERSION.test(version)) return problem(`${path}: invalid version ${JSON.stringify(version)}`);
      if (verb === 'require') file.require.push({ path, version, indirect: isIndirect(line.comment) });
      else file.exclude.push({ path, version });
      return;
    }
    case 'replace':
      return replacement(file, words, plain, problem);
    case 'retract':
      return retraction(file, args, line.comment, problem);
    default:
      // godebug, tool and ignore change nothing about which modules are required
      return;
  }
}

function replacement(file: GoModFile, words: string[], plain: boolean, problem: (message: string) => void): void {
  const arrow = words.indexOf('=>');
  const left = words.slice(0, Math.max(arrow, 0));
  const right = words.slice(arrow + 1);
  if (!plain || arrow < 1 || left.length > 2 || right.length < 1 || right.length > 2) return problem('expected "old [version] => new [version]"');
  const [oldPath = '', oldVersion = ''] = left;
  const [newPath = '', newVersion = ''] = right;
  if (oldVersion !== '' && !VERSION.test(oldVersion)) return problem(`${oldPath}: invalid version ${JSON.stringify(oldVersion)}`);
  if (newVersion === '' && !isDirectoryPath(newPath)) return problem(`${oldPath}: a replacement module without a version must be a directory (./, ../ or rooted)`);
  if (newVersion !== '' && isDirectoryPath(newPath)) return problem(`${oldPath}: a directory replacement takes no version`);
  if (newVersion !== '' && !VERSION.test(newVersion)) return problem(`${oldPath}: invalid replacement version ${JSON.stringify(newVersion)}`);
  file.replace.push({ old: { path: oldPath, version: oldVersion }, new: { path: newPath, version: newVersion } });
}

function retraction(file: GoModFile, args: Token[], comment: string | undefined, problem: (message: string) => void): void {
  const words = args.map((token) => (token.quoted ? `"${token.text}"` : token.text));
  let low: string | undefined;
  let high: string | undefined;
  if (words.length === 1) low = high = words[0];
  else if (words.length === 5 && words[0] === '[' && words[2] === ',' && words[4] === ']') [low, high] = [words[1], words[3]];
  if (low === undefined || high === undefined || !VERSION.test(low) || !VERSION.test(high)) return problem('expected a version or an interval "[low, high]"');
  file.retract.push(comment === undefined || comment === '' ? { low, high } : { low, high, rationale: comment });
}

/** `// indirect`, possibly followed by `;` and more, marks an indirect requirement. */
function isIndirect(comment: string | undefined): boolean {
  return comment === 'indirect' || (comment?.startsWith('indirect;') ?? false);
}

/** A replacement that names a directory rather than a module: rooted, or starting with ./ or ../. */
export function isDirectoryPath(path: string): boolean {
  return (
    path === '.' ||
    path === '..' ||
    /^\.\.?[/\\]/.test(path) ||
    path.startsWith('/') ||
    // a Windows drive or UNC path, as written on Windows
    /^[A-Za-z]:[/\\]/.test(path) ||
    path.startsWith('\\\\')
  );
}

function tokenize(text: string, number: number): Line {
  const tokens: Token[] = [];
  let comment: string | undefined;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\uFEFF') {
      i++;
    } else if (c === '/' && text[i + 1] === '/') {
      comment = text.slice(i + 2).trim();
      break;
    } else if (PUNCTUATION.has(c)) {
      tokens.push({ text: c, quoted: false });
      i++;
    } else if (c === '"') {
      const [value, end] = interpreted(text, i);
      tokens.push({ text: value, quoted: true });
      i = end;
    } else if (c === '`') {
      const end = text.indexOf('`', i + 1);
      if (end < 0) throw new Error('unterminated raw string');
      tokens.push({ text: text.slice(i + 1, end), quoted: true });
      i = end + 1;
    } else {
      let end = i;
      while (end < text.length && !/[\s()[\]{},"`]/.test(text[end] as string)) end++;
      tokens.push({ text: text.slice(i, end), quoted: false });
      i = end;
    }
  }
  return comment === undefined ? { number, tokens } : { number, tokens, comment };
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** A Go interpreted string literal starting at `start`: its value and the index after it. */
function interpreted(text: string, start: number): [string, number] {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') return [value, i + 1];
    if (c !== '\\') {
      value += c;
      i++;
      continue;
    }
    const e = text[i + 1] ?? '';
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      value += simple;
      i += 2;
      continue;
    }
    const hexLength = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const digits = hexLength > 0 ? text.slice(i + 2, i + 2 + hexLength) : text.slice(i + 1, i + 4);
    const code = hexLength > 0 ? (/^[0-9a-fA-F]+$/.test(digits) && digits.length === hexLength ? parseInt(digits, 16) : NaN) : /^[0-7]{3}$/.test(digits) ? parseInt(digits, 8) : NaN;
    if (Number.isNaN(code) || code > 0x10ffff) throw new Error(`invalid escape in quoted string`);
    value += String.fromCodePoint(code);
    i += hexLength > 0 ? 2 + hexLength : 4;
  }
  throw new Error('unterminated quoted string');
}
