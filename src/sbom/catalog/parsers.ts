/**
 * The YAML, TOML and XML parsers of the catalogers, each loaded when a cataloger first parses
 * a file with it rather than with the cataloger registry. Every run loads every cataloger, and
 * most sources hold none of these formats (an npm lockfile, a Debian image), so the parsers
 * (about 400 KiB of JavaScript together) would otherwise be a fixed part of the start-up of each
 * `sealkit sbom`. The functions have the libraries' own signatures; the libraries' CommonJS
 * builds are the ones loaded, since a first use happens inside synchronous parsing.
 * @module
 */
import { createRequire } from 'node:module';
import type * as FastXmlParser from 'fast-xml-parser';
import type * as SmolToml from 'smol-toml';
import type * as Yaml from 'yaml';

const require = createRequire(import.meta.url);

let yaml: typeof Yaml | undefined;
let toml: typeof SmolToml | undefined;
let xml: typeof FastXmlParser | undefined;

/** `parse` of `yaml`: one YAML document as plain JavaScript values. */
export function parseYaml(text: string, options?: Yaml.ParseOptions & Yaml.DocumentOptions & Yaml.SchemaOptions & Yaml.ToJSOptions): ReturnType<typeof Yaml.parse> {
  yaml ??= require('yaml') as typeof Yaml;
  return yaml.parse(text, options);
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
