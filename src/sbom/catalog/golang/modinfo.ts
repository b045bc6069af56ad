/**
 * The module information text of a Go binary, parsed the way Go's `debug.ParseBuildInfo` reads
 * it: `path`, `mod`, `dep` and `=>` lines with tab-separated columns, and `build key=value`
 * settings whose key or value may be a Go-quoted string. A line Go would reject is reported,
 * not fatal, so one odd setting does not hide every module.
 * @module
 */

/** A module as the build recorded it. */
export interface GoModule {
  path: string;
  /** A semantic version, a pseudo-version, or `(devel)` for a module built from its own source tree. */
  version: string;
  /** The `h1:` hash from go.sum; empty for the main module and local replacements. */
  sum: string;
  /** The module actually built, when a `replace` directive substituted one. */
  replace?: GoModule;
}

/** Parsed module information. */
export interface GoModuleInfo {
  /** Import path of the main package (`path` line). */
  path?: string;
  /** The main module (`mod` line); absent for binaries built outside module mode. */
  main?: GoModule;
  deps: GoModule[];
  /** `build` settings in their recorded order (`-ldflags`, `GOOS`, `vcs.revision`…). */
  settings: Array<[key: string, value: string]>;
  /** Lines Go's own parser would reject, with the reason. */
  problems: string[];
}

/** Parses the text that {@link readRawBuildInfo} returns. */
export function parseModuleInfo(text: string): GoModuleInfo {
  const info: GoModuleInfo = { deps: [], settings: [], problems: [] };
  let last: GoModule | undefined;
  const lines = text.split('\n');
  // like Go, a last line without its newline is not read
  lines.pop();
  lines.forEach((line, index) => {
    const problem = (reason: string): void => {
      info.problems.push(`line ${index + 1}: ${reason}`);
    };
    const tab = line.indexOf('\t');
    const kind = tab < 0 ? line : line.slice(0, tab);
    const rest = line.slice(tab + 1);
    switch (tab < 0 ? '' : kind) {
      case 'path':
        info.path = rest;
        break;
      case 'mod':
      case 'dep': {
        const module = moduleOf(rest.split('\t'));
        if (module === undefined) {
          problem(`expected 2 or 3 columns in a ${kind} line`);
          last = undefined;
          break;
        }
        if (kind === 'mod') info.main = module;
        else info.deps.push(module);
        last = module;
        break;
      }
      case '=>': {
        const columns = rest.split('\t');
        if (columns.length !== 3) problem('expected 3 columns in a replacement line');
        else if (last === undefined) problem('replacement with no module on the previous line');
        else last.replace = { path: columns[0] as string, version: columns[1] as string, sum: columns[2] as string };
        last = undefined;
        break;
      }
      case 'build': {
        const setting = settingOf(rest);
        if (typeof setting === 'string') problem(setting);
        else info.settings.push(setting);
        break;
      }
      default:
      // blank lines and lines of kinds Go does not know are skipped, as Go skips them
    }
  });
  return info;
}

function moduleOf(columns: string[]): GoModule | undefined {
  if (columns.length !== 2 && columns.length !== 3) return undefined;
  return { path: columns[0] as string, version: columns[1] as string, sum: columns[2] ?? '' };
}

/** `key=value`, either side possibly quoted; a string explains why the line is not a setting. */
function settingOf(text: string): [string, string] | string {
  if (text === '') return "build line missing '='";
  let key: string;
  let rawValue: string;
  if (text[0] === '=') return 'build line with missing key';
  if (text[0] === '"' || text[0] === '`') {
    const quoted = quotedPrefix(text);
    if (quoted === undefined) return 'invalid quoted key in build line';
    if (text[quoted.length] !== '=') return "build line missing '=' after quoted key";
    key = quoted.value;
    rawValue = text.slice(quoted.length + 1);
  } else {
    const equals = text.indexOf('=');
    if (equals < 0) return "build line missing '=' after key";
    key = text.slice(0, equals);
    rawValue = text.slice(equals + 1);
  }
  if (rawValue[0] === '"' || rawValue[0] === '`') {
    const quoted = quotedPrefix(rawValue);
    if (quoted === undefined || quoted.length !== rawValue.length) return 'invalid quoted value in build line';
    return [key, quoted.value];
  }
  return [key, rawValue];
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"' };

/**
 * The Go string literal (interpreted `"…"` or raw `` `…` ``) at the start of `text`: its value
 * and how many characters it spans, or undefined when it is not a valid literal.
 */
export function quotedPrefix(text: string): { value: string; length: number } | undefined {
  const quote = text[0];
  if (quote === '`') {
    const end = text.indexOf('`', 1);
    return end < 0 ? undefined : { value: text.slice(1, end).replaceAll('\r', ''), length: end + 1 };
  }
  if (quote !== '"') return undefined;
  const bytes: number[] = [];
  const pushText = (value: string): void => {
    bytes.push(...Buffer.from(value, 'utf8'));
  };
  for (let i = 1; i < text.length; ) {
    const char = text[i] as string;
    if (char === '"') return { value: Buffer.from(bytes).toString('utf8'), length: i + 1 };
    if (char === '\n') return undefined;
    if (char !== '\\') {
      const codePoint = text.codePointAt(i) as number;
      const whole = String.fromCodePoint(codePoint);
      pushText(whole);
      i += whole.length;
      continue;
    }
    const escape = text[i + 1];
    if (escape === undefined) return undefined;
    const simple = SIMPLE_ESCAPES[escape];
    if (simple !== undefined && escape !== "'") {
      pushText(simple);
      i += 2;
    } else if (escape === 'x' || escape === 'u' || escape === 'U') {
      const digits = escape === 'x' ? 2 : escape === 'u' ? 4 : 8;
      const hex = text.slice(i + 2, i + 2 + digits);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) return undefined;
      const value = Number.parseInt(hex, 16);
      // \x is one raw byte; \u and \U are code points
      if (escape === 'x') bytes.push(value);
      else if (value > 0x10ffff || (value >= 0xd800 && value < 0xe000)) return undefined;
      else pushText(String.fromCodePoint(value));
      i += 2 + digits;
    } else if (escape >= '0' && escape <= '7') {
      const octal = text.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(octal) || Number.parseInt(octal, 8) > 255) return undefined;
      bytes.push(Number.parseInt(octal, 8));
      i += 4;
    } else {
      return undefined;
    }
  }
  return undefined;
}
