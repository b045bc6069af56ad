/**
 * A reader for the gemspecs RubyGems writes into `specifications/` when it installs a gem
 * (`Gem::Specification#to_ruby`), without evaluating Ruby. It tokenizes string literals
 * (`"…"` with escapes, `'…'`, `%q<…>` and the other `%q` delimiters), arrays of them and the
 * `.freeze` calls around them, and reads only assignments to the block variable
 * (`s.name = "rack".freeze`) and its dependency calls (`s.add_runtime_dependency(%q<x>, [">= 1"])`).
 * Anything else (hashes, `Gem::Requirement.new`, method calls) is skipped statement by statement.
 *
 * Older RubyGems wrap the dependencies in `if s.respond_to? :add_runtime_dependency then … else
 * … end`, where the `else` branch repeats every dependency, development ones included, as
 * `add_dependency`: that branch is skipped.
 * @module
 */

/** A string with an interpolation (`"#{s.name}"`) whose value is not known without Ruby. */
export interface RubyDynamic {
  dynamic: string;
}

/** What a gemspec states, as far as a reader can know without running it. */
export interface Gemspec {
  /** String attributes (`name`, `version`, `homepage`, `summary`, `platform`…), in order of assignment (the last wins). */
  strings: Map<string, string | RubyDynamic>;
  /** Array attributes (`licenses`, `authors`, `email`…). */
  lists: Map<string, Array<string | RubyDynamic>>;
  /** Runtime dependencies with their requirement strings (`["~> 2.2", ">= 2.2.4"]`). */
  dependencies: GemDependency[];
  /** Development dependencies; never installed with the gem. */
  developmentDependencies: GemDependency[];
}

/** One `add_runtime_dependency` / `add_dependency` / `add_development_dependency` call. */
export interface GemDependency {
  name: string;
  requirements: string[];
}

type Token =
  | { kind: 'string'; value: string | RubyDynamic }
  | { kind: 'word'; value: string }
  | { kind: 'symbol'; value: string }
  | { kind: 'punct'; value: string }
  | { kind: 'newline' };

const DEPENDENCY_METHODS: Readonly<Record<string, 'runtime' | 'development'>> = {
  add_runtime_dependency: 'runtime',
  add_dependency: 'runtime',
  add_development_dependency: 'development',
};

const CLOSING: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}', '<': '>' };

/** Reads a gemspec; never throws for content it does not understand, only skips it. */
export function readGemspec(text: string): Gemspec {
  const spec: Gemspec = { strings: new Map(), lists: new Map(), dependencies: [], developmentDependencies: [] };
  const statements = splitStatements(tokenize(text));
  let variable: string | undefined;
  // the `if respond_to? :add_runtime_dependency` blocks RubyGems writes, and whether we are in their `else`
  const blocks: Array<{ guard: boolean; inElse: boolean }> = [];
  for (const statement of statements) {
    const first = statement[0];
    if (first === undefined) continue;
    if (variable === undefined) {
      variable = blockVariable(statement);
      continue;
    }
    if (first.kind === 'word' && (first.value === 'if' || first.value === 'unless')) {
      blocks.push({ guard: statement.some((t) => t.kind === 'symbol' && t.value === 'add_runtime_dependency'), inElse: false });
      continue;
    }
    if (first.kind === 'word' && (first.value === 'else' || first.value === 'elsif')) {
      const block = blocks.at(-1);
      if (block !== undefined) block.inElse = true;
      continue;
    }
    if (first.kind === 'word' && first.value === 'end') {
      blocks.pop();
      continue;
    }
    if (blocks.some((block) => block.guard && block.inElse)) continue;
    readStatement(statement, variable, spec);
  }
  return spec;
}

/** `Gem::Specification.new do |s|` -> `s`. */
function blockVariable(statement: Token[]): string | undefined {
  const text = statement.map((t) => (t.kind === 'word' || t.kind === 'punct' ? t.value : ' ')).join('');
  return /Gem::Specification\.new(?:\([^)]*\))?(?:do|\{)\|(\w+)\|/.exec(text)?.[1];
}

function readStatement(statement: Token[], variable: string, spec: Gemspec): void {
  const [receiver, dot, attribute, ...rest] = statement;
  if (receiver?.kind !== 'word' || receiver.value !== variable || dot?.kind !== 'punct' || dot.value !== '.' || attribute?.kind !== 'word') return;
  // a trailing modifier (`… if s.respond_to? :metadata=`) does not change what is assigned
  const modifier = rest.findIndex((t) => t.kind === 'word' && (t.value === 'if' || t.value === 'unless'));
  const body = modifier < 0 ? rest : rest.slice(0, modifier);
  const kind = DEPENDENCY_METHODS[attribute.value];
  if (kind !== undefined) {
    const dependency = readDependency(body);
    if (dependency !== undefined) (kind === 'runtime' ? spec.dependencies : spec.developmentDependencies).push(dependency);
    return;
  }
  if (body[0]?.kind !== 'punct' || body[0].value !== '=') return;
  const value = readValue(body, 1);
  if (value === undefined || value.end !== body.length) return;
  if (Array.isArray(value.value)) spec.lists.set(attribute.value, value.value);
  else spec.strings.set(attribute.value, value.value);
}

/** `(%q<rack>.freeze, ["~> 2.2", ">= 2.2.4"])`, with or without parentheses or brackets. */
function readDependency(body: Token[]): GemDependency | undefined {
  let i = 0;
  const parenthesized = body[0]?.kind === 'punct' && body[0].value === '(';
  if (parenthesized) i++;
  const name = readValue(body, i);
  if (name === undefined || typeof name.value !== 'string') return undefined;
  i = name.end;
  const requirements: string[] = [];
  while (body[i]?.kind === 'punct' && (body[i] as { value: string }).value === ',') {
    const value = readValue(body, i + 1);
    if (value === undefined) return undefined;
    for (const item of Array.isArray(value.value) ? value.value : [value.value]) {
      if (typeof item !== 'string') return undefined;
      requirements.push(item);
    }
    i = value.end;
  }
  if (parenthesized && !(body[i]?.kind === 'punct' && (body[i] as { value: string }).value === ')')) return undefined;
  return { name: name.value, requirements };
}

type Value = string | RubyDynamic | Array<string | RubyDynamic>;

/** A string (with `.freeze`) or an array of them starting at `start`; undefined for anything else. */
function readValue(tokens: Token[], start: number): { value: Value; end: number } | undefined {
  const token = tokens[start];
  if (token?.kind === 'string') return { value: token.value, end: skipFreeze(tokens, start + 1) };
  if (token?.kind !== 'punct' || token.value !== '[') return undefined;
  const items: Array<string | RubyDynamic> = [];
  let i = start + 1;
  for (;;) {
    const next = tokens[i];
    if (next?.kind === 'punct' && next.value === ']') return { value: items, end: skipFreeze(tokens, i + 1) };
    if (next?.kind !== 'string') return undefined;
    items.push(next.value);
    i = skipFreeze(tokens, i + 1);
    const separator = tokens[i];
    if (separator?.kind === 'punct' && separator.value === ',') i++;
  }
}

function skipFreeze(tokens: Token[], i: number): number {
  const dot = tokens[i];
  const word = tokens[i + 1];
  return dot?.kind === 'punct' && dot.value === '.' && word?.kind === 'word' && word.value === 'freeze' ? i + 2 : i;
}

/** Groups tokens into statements: a newline or `;` ends one unless a bracket is still open. */
function splitStatements(tokens: Token[]): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === 'punct') {
      if (token.value === '(' || token.value === '[' || token.value === '{') depth++;
      else if ((token.value === ')' || token.value === ']' || token.value === '}') && depth > 0) depth--;
      else if (token.value === ';' && depth === 0) {
        statements.push(current);
        current = [];
        continue;
      }
    }
    if (token.kind === 'newline') {
      // a line ending in an operator or a comma continues the statement
      const last = current.at(-1);
      if (depth > 0 || (last?.kind === 'punct' && (last.value === ',' || last.value === '=' || last.value === '.'))) continue;
      statements.push(current);
      current = [];
      continue;
    }
    current.push(token);
  }
  statements.push(current);
  return statements.filter((statement) => statement.length > 0);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\n') {
      tokens.push({ kind: 'newline' });
      i++;
    } else if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
    } else if (ch === '\\' && text[i + 1] === '\n') {
      i += 2;
    } else if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '"' || ch === "'") {
      const literal = ch === '"' ? readDoubleQuoted(text, i + 1, '"', undefined) : readSingleQuoted(text, i + 1, "'", undefined);
      tokens.push({ kind: 'string', value: literal.value });
      i = literal.end;
    } else if (ch === '%' && /[qQ]/.test(text[i + 1] ?? '') && /[^\w\s]/.test(text[i + 2] ?? '')) {
      const open = text[i + 2] as string;
      const close = CLOSING[open] ?? open;
      const nested = close === open ? undefined : open;
      const literal = text[i + 1] === 'Q' ? readDoubleQuoted(text, i + 3, close, nested) : readSingleQuoted(text, i + 3, close, nested);
      tokens.push({ kind: 'string', value: literal.value });
      i = literal.end;
    } else if (ch === ':' && /[A-Za-z_]/.test(text[i + 1] ?? '')) {
      const match = /^[A-Za-z_]\w*[?!=]?/.exec(text.slice(i + 1, i + 200)) as RegExpExecArray;
      tokens.push({ kind: 'symbol', value: match[0] });
      i += 1 + match[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_]\w*[?!]?/.exec(text.slice(i, i + 200)) as RegExpExecArray;
      tokens.push({ kind: 'word', value: match[0] });
      i += match[0].length;
    } else if (ch === ':' && text[i + 1] === ':') {
      tokens.push({ kind: 'punct', value: '::' });
      i += 2;
    } else if (ch === '=' && (text[i + 1] === '=' || text[i + 1] === '>' || text[i + 1] === '~')) {
      // `==`, `=>`, `=~` are not assignments
      tokens.push({ kind: 'punct', value: text.slice(i, i + 2) });
      i += 2;
    } else {
      tokens.push({ kind: 'punct', value: ch });
      i++;
    }
  }
  return tokens;
}

/** A `'…'` or `%q…` body: only the delimiter and the backslash are escaped. */
function readSingleQuoted(text: string, start: number, close: string, nestedOpen: string | undefined): { value: string; end: number } {
  let out = '';
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\\' && (text[i + 1] === close || text[i + 1] === '\\' || (nestedOpen !== undefined && text[i + 1] === nestedOpen))) {
      out += text[i + 1];
      i += 2;
      continue;
    }
    if (nestedOpen !== undefined && ch === nestedOpen) depth++;
    else if (ch === close) {
      if (depth === 0) return { value: out, end: i + 1 };
      depth--;
    }
    out += ch;
    i++;
  }
  return { value: out, end: i };
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', s: ' ', e: '\u001b', a: '\u0007', b: '\b', f: '\f', v: '\v', '0': '\0' };

/** A `"…"` or `%Q…` body: Ruby's escapes, and `#{…}` interpolations, which make the value dynamic. */
function readDoubleQuoted(text: string, start: number, close: string, nestedOpen: string | undefined): { value: string | RubyDynamic; end: number } {
  let out = '';
  let dynamic = false;
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\\') {
      const next = text[i + 1] ?? '';
      const unicode = /^u(?:([0-9A-Fa-f]{4})|\{([0-9A-Fa-f ]+)\})/.exec(text.slice(i + 1, i + 40));
      if (unicode !== null) {
        const points = unicode[1] !== undefined ? [unicode[1]] : (unicode[2] as string).trim().split(/\s+/);
        for (const point of points) out += safeCodePoint(Number.parseInt(point, 16));
        i += 1 + unicode[0].length;
        continue;
      }
      const hex = /^x([0-9A-Fa-f]{1,2})/.exec(text.slice(i + 1, i + 4));
      if (hex !== null) {
        out += String.fromCharCode(Number.parseInt(hex[1] as string, 16));
        i += 1 + hex[0].length;
        continue;
      }
      out += SIMPLE_ESCAPES[next] ?? next;
      i += 2;
      continue;
    }
    if (ch === '#' && text[i + 1] === '{') {
      // an interpolation: keep its source so a caller can resolve the simple ones
      const end = matchingBrace(text, i + 1);
      out += text.slice(i, end);
      dynamic = true;
      i = end;
      continue;
    }
    if (nestedOpen !== undefined && ch === nestedOpen) depth++;
    else if (ch === close) {
      if (depth === 0) return { value: dynamic ? { dynamic: out } : out, end: i + 1 };
      depth--;
    }
    out += ch;
    i++;
  }
  return { value: dynamic ? { dynamic: out } : out, end: i };
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i + 1;
  }
  return text.length;
}

function safeCodePoint(point: number): string {
  return Number.isFinite(point) && point >= 0 && point <= 0x10ffff ? String.fromCodePoint(point) : '\ufffd';
}
