/**
 * The YAML, TOML and XML parsers of the catalogers, each loaded when a cataloger first parses
 * a file with it rather than with the cataloger registry. Every run loads every cataloger, and
 * most sources hold none of these formats (an npm lockfile, a Debian image), so the parsers
 * (hundreds of KiB of JavaScript together) would otherwise be a fixed part of the start-up of
 * each `sealkit sbom`. The TOML and XML functions have the libraries' own signatures; YAML has a
 * narrower one of its own (see {@link parseYaml}). The libraries' CommonJS builds are the ones
 * loaded, since a first use happens inside synchronous parsing.
 * @module
 */
import { createRequire } from 'node:module';
import type * as FastXmlParser from 'fast-xml-parser';
import type * as JsYaml from 'js-yaml';
import type * as SmolToml from 'smol-toml';

const require = createRequire(import.meta.url);

let yaml: typeof JsYaml | undefined;
let toml: typeof SmolToml | undefined;
let xml: typeof FastXmlParser | undefined;

/** Options of {@link parseYaml}. */
export interface YamlOptions {
  /**
   * Whether a key repeated in one map is an error (the default, as YAML says) or the last one
   * wins (what Yarn's own lockfile reader does).
   */
  uniqueKeys?: boolean;
}

/**
 * One YAML document as plain JavaScript values, resolved with the YAML 1.2 core schema (strings,
 * numbers, booleans, null, maps, lists; no custom tags). A lockfile needs nothing more, and a
 * large one is a hot path: this parser reads one several times faster, with far less garbage,
 * than a parser that first builds a document model.
 *
 * Anchors and aliases are refused, whatever the document: the parser keeps an alias as a
 * reference to the anchored value, but a walk over the result would visit it once per alias, so
 * a few lines of nested aliases could cost the catalogers exponential time and memory. No
 * lockfile writer uses them.
 * @throws Error with the reason, line and column, for invalid YAML, a repeated key (unless
 * allowed), an anchor or alias, or nesting deeper than the parser's limit.
 */
export function parseYaml(text: string, options: YamlOptions = {}): unknown {
  yaml ??= require('js-yaml') as typeof JsYaml;
  try {
    return yaml.load(text, { schema: yaml.CORE_SCHEMA, json: options.uniqueKeys === false, listener: refuseAnchors });
  } catch (error) {
    if (!(error instanceof yaml.YAMLException)) throw error;
    const { reason, mark } = error as JsYaml.YAMLException & { mark?: { line: number; column: number } };
    throw new Error(mark === undefined ? reason : `${reason} at line ${mark.line + 1}, column ${mark.column + 1}`, { cause: error });
  }
}

/**
 * Called as each node opens and closes. An alias can only name an anchor stored earlier, and the
 * alias's own node opens before it is resolved, so an empty anchor table at every event means no
 * alias was ever resolved; the last close (the document's) comes after every anchor is stored.
 */
function refuseAnchors(_event: JsYaml.EventType, state: JsYaml.State): void {
  const { anchor, anchorMap } = state as JsYaml.State & { anchor?: string | null; anchorMap?: object };
  if (anchorMap === undefined) throw new Error('the YAML parser does not expose its anchor table, so anchors cannot be refused');
  // one key is enough to refuse; the table is empty for every document accepted
  for (const name in anchorMap) throw new Error(`anchors and aliases are not accepted (&${name}, by line ${state.line + 1})`);
  if (anchor !== null && anchor !== undefined) throw new Error(`anchors and aliases are not accepted (&${anchor}, by line ${state.line + 1})`);
}

/** `parse` of `smol-toml`: a TOML document as a table. */
export const parseToml: typeof SmolToml.parse = (...args) => {
  toml ??= require('smol-toml') as typeof SmolToml;
  return toml.parse(...args);
};

/** The `fast-xml-parser` module (`XMLParser`, `XMLValidator`). */
export function fastXmlParser(): typeof FastXmlParser {
  xml ??= require('fast-xml-parser') as typeof FastXmlParser;
  return xml;
}
