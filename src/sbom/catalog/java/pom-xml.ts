/**
 * The few facts a `pom.xml` embedded in an archive gives about its artifact: coordinates (with
 * the groupId and version inherited from `<parent>` when the project omits them), name,
 * description, URL and licenses. `${…}` references to the project's own coordinates and
 * `<properties>` are resolved; nothing is fetched, so a value that needs a parent POM stays
 * unresolved.
 *
 * XML is read by fast-xml-parser with entity processing off: a DOCTYPE's entities are never
 * expanded (no "billion laughs"), and only the five predefined entities and character
 * references are decoded, here.
 * @module
 */
import type { X2jOptions, XMLParser } from 'fast-xml-parser';
import { fastXmlParser } from '../parsers.js';

/** Coordinates of a project or of its parent. */
export interface MavenCoordinates {
  groupId?: string;
  artifactId?: string;
  version?: string;
}

/** One `<license>` of a POM. */
export interface PomLicense {
  name?: string;
  url?: string;
}

/** What sealkit reads from a POM. */
export interface PomProject extends MavenCoordinates {
  parent?: MavenCoordinates;
  name?: string;
  description?: string;
  url?: string;
  organization?: string;
  licenses: PomLicense[];
}

const PARSER_OPTIONS: X2jOptions = {
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: true,
  parseTagValue: false,
  processEntities: false,
  trimValues: true,
  isArray: (name) => name === 'license',
};

let parser: XMLParser | undefined;

/** Resolution passes for `${…}`: enough for properties defined through other properties, bounded for cycles. */
const MAX_INTERPOLATION_PASSES = 8;

/**
 * Parses a POM.
 * @throws Error when the text is not well-formed XML or has no `<project>` root
 */
export function parsePomXml(text: string): PomProject {
  const { XMLParser, XMLValidator } = fastXmlParser();
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new Error(`invalid XML at line ${valid.err.line}: ${valid.err.msg}`);
  parser ??= new XMLParser(PARSER_OPTIONS);
  const document: unknown = parser.parse(text);
  const project = record(record(document)?.project);
  if (project === undefined) throw new Error('no <project> element');

  const parentElement = record(project.parent);
  const parent = parentElement === undefined ? undefined : coordinates(parentElement);
  const own = coordinates(project);
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(record(project.properties) ?? {})) {
    const text = leaf(value);
    if (text !== undefined) values.set(key, text);
  }
  const groupId = own.groupId ?? parent?.groupId;
  const version = own.version ?? parent?.version;
  const builtIns: Record<string, string | undefined> = {
    groupId,
    artifactId: own.artifactId,
    version,
    'parent.groupId': parent?.groupId,
    'parent.artifactId': parent?.artifactId,
    'parent.version': parent?.version,
  };
  for (const [key, value] of Object.entries(builtIns)) {
    if (value === undefined) continue;
    // Maven 3 answers project.*; pom.* and the bare names are the deprecated spellings it still accepts
    for (const prefix of ['project.', 'pom.', '']) if (!values.has(prefix + key)) values.set(prefix + key, value);
  }
  const resolve = (value: string | undefined) => (value === undefined ? undefined : interpolate(value, values));

  const result: PomProject = { licenses: [] };
  assign(result, 'groupId', resolve(groupId));
  assign(result, 'artifactId', resolve(own.artifactId));
  assign(result, 'version', resolve(version));
  if (parent !== undefined) {
    const resolved: MavenCoordinates = {};
    assign(resolved, 'groupId', resolve(parent.groupId));
    assign(resolved, 'artifactId', resolve(parent.artifactId));
    assign(resolved, 'version', resolve(parent.version));
    result.parent = resolved;
  }
  assign(result, 'name', resolve(leaf(project.name)));
  assign(result, 'description', resolve(leaf(project.description)));
  assign(result, 'url', resolve(leaf(project.url)));
  assign(result, 'organization', resolve(leaf(record(project.organization)?.name)));
  const licenses = record(project.licenses)?.license;
  if (Array.isArray(licenses)) {
    for (const element of licenses) {
      const license: PomLicense = {};
      assign(license, 'name', resolve(leaf(record(element)?.name)));
      assign(license, 'url', resolve(leaf(record(element)?.url)));
      if (license.name !== undefined || license.url !== undefined) result.licenses.push(license);
    }
  }
  return result;
}

/** True when a value still holds a `${…}` reference that could not be resolved. */
export function isUnresolved(value: string): boolean {
  return /\$\{[^}]*\}/.test(value);
}

function coordinates(element: Record<string, unknown>): MavenCoordinates {
  const result: MavenCoordinates = {};
  assign(result, 'groupId', leaf(element.groupId));
  assign(result, 'artifactId', leaf(element.artifactId));
  assign(result, 'version', leaf(element.version));
  return result;
}

function interpolate(value: string, values: ReadonlyMap<string, string>): string {
  let current = value;
  for (let pass = 0; pass < MAX_INTERPOLATION_PASSES && current.includes('${'); pass++) {
    const next = current.replace(/\$\{([^}]+)\}/g, (whole, key: string) => values.get(key.trim()) ?? whole);
    if (next === current) break;
    current = next;
  }
  return current;
}

function assign<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined && value !== '') target[key] = value;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The text of an element that holds only text, entity-decoded; undefined for anything else. */
function leaf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = decodeEntities(value).trim();
  return text === '' ? undefined : text;
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (whole, entity: string) => {
    if (!entity.startsWith('#')) return PREDEFINED[entity] ?? whole;
    const code = entity.startsWith('#x') ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
