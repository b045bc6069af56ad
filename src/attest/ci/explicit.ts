/**
 * Explicit provenance: every field of the predicate given by the caller, for CI systems sealkit
 * does not read by itself and for tests. Checked field by field, so that a typo is an error
 * and not a silently missing field.
 * @module
 */
import { UsageError } from '../../errors.js';
import type { ResourceDescriptor, SlsaBuildMetadata, SlsaProvenanceV1Predicate } from '../slsa-v1.js';

/** A provenance predicate described field by field (see `docs/provenance.md`). */
export interface ExplicitProvenance {
  /** URI of the build type the parameters follow (required). */
  buildType: string;
  /** URI of the build platform (required): `runDetails.builder.id`. */
  builderId: string;
  /** `runDetails.builder.version`, e.g. `{ "jenkins": "2.452" }`. */
  builderVersion?: Record<string, string>;
  /** `buildDefinition.externalParameters`. Default `{}`. */
  externalParameters?: Record<string, unknown>;
  /** `buildDefinition.internalParameters`. */
  internalParameters?: Record<string, unknown>;
  /** `buildDefinition.resolvedDependencies`: each entry needs a `uri` or a `digest`. */
  resolvedDependencies?: ResourceDescriptor[];
  /** `runDetails.metadata.invocationId`: what identifies this run, e.g. its URL. */
  invocationId?: string;
  /** `runDetails.metadata.startedOn`: a Date or an RFC 3339 string. */
  startedOn?: string | Date;
  /** `runDetails.metadata.finishedOn`: a Date or an RFC 3339 string. */
  finishedOn?: string | Date;
  /** `runDetails.byproducts`: each entry needs a `uri`, a `digest` or `content`. */
  byproducts?: ResourceDescriptor[];
}

const FIELDS = new Set([
  'buildType',
  'builderId',
  'builderVersion',
  'externalParameters',
  'internalParameters',
  'resolvedDependencies',
  'invocationId',
  'startedOn',
  'finishedOn',
  'byproducts',
]);
const DESCRIPTOR_FIELDS = new Set(['uri', 'digest', 'name', 'downloadLocation', 'mediaType', 'content', 'annotations']);
/** Hex lengths of the digest algorithms whose form is known. */
const DIGEST_LENGTHS: Readonly<Record<string, readonly number[]>> = {
  sha1: [40],
  sha224: [56],
  sha256: [64],
  sha384: [96],
  sha512: [128],
  gitCommit: [40, 64],
};
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

/**
 * The SLSA v1 predicate described by `provenance`.
 *
 * @throws {UsageError} INVALID_ARGUMENT naming the field that is missing, unknown or of the
 *   wrong type (`buildType` and `builderId` must be absolute URIs).
 */
export function explicitProvenance(provenance: ExplicitProvenance): SlsaProvenanceV1Predicate {
  if (!isPlainObject(provenance)) throw invalid('provenance must be an object');
  const unknown = Object.keys(provenance).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) {
    throw invalid(`provenance has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${[...FIELDS].join(', ')})`);
  }
  const buildType = uri(provenance.buildType, 'provenance.buildType');
  const builderId = uri(provenance.builderId, 'provenance.builderId');
  const externalParameters = optionalObject(provenance.externalParameters, 'provenance.externalParameters') ?? {};
  const internalParameters = optionalObject(provenance.internalParameters, 'provenance.internalParameters');
  const builderVersion = stringMap(provenance.builderVersion, 'provenance.builderVersion');
  const resolvedDependencies = descriptors(provenance.resolvedDependencies, 'provenance.resolvedDependencies', ['uri', 'digest']);
  const byproducts = descriptors(provenance.byproducts, 'provenance.byproducts', ['uri', 'digest', 'content']);

  const metadata: SlsaBuildMetadata = {};
  if (provenance.invocationId !== undefined) metadata.invocationId = nonEmptyString(provenance.invocationId, 'provenance.invocationId');
  const startedOn = time(provenance.startedOn, 'provenance.startedOn');
  const finishedOn = time(provenance.finishedOn, 'provenance.finishedOn');
  if (startedOn !== undefined) metadata.startedOn = startedOn.text;
  if (finishedOn !== undefined) metadata.finishedOn = finishedOn.text;
  if (startedOn && finishedOn && finishedOn.at < startedOn.at) throw invalid('provenance.finishedOn is before provenance.startedOn');

  return {
    buildDefinition: {
      buildType,
      externalParameters,
      ...(internalParameters === undefined ? {} : { internalParameters }),
      ...(resolvedDependencies === undefined ? {} : { resolvedDependencies }),
    },
    runDetails: {
      builder: { id: builderId, ...(builderVersion === undefined ? {} : { version: builderVersion }) },
      ...(Object.keys(metadata).length === 0 ? {} : { metadata }),
      ...(byproducts === undefined ? {} : { byproducts }),
    },
  };
}

function invalid(message: string): UsageError {
  return new UsageError('INVALID_ARGUMENT', message);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function nonEmptyString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${field} must be a non-empty string`);
  return value;
}

/** An absolute URI: a scheme, then anything a URL parser accepts (`https:`, `git+https:`, `pkg:`…). */
function uri(value: unknown, field: string): string {
  if (value === undefined) throw invalid(`${field} is required`);
  const text = nonEmptyString(value, field);
  let ok = /^[a-z][a-z0-9+.-]*:/i.test(text) && !/\s/.test(text);
  if (ok) {
    try {
      new URL(text);
    } catch {
      ok = false;
    }
  }
  if (!ok) throw invalid(`${field} must be an absolute URI (such as https://…), not ${JSON.stringify(text)}`);
  return text;
}

function optionalObject(value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw invalid(`${field} must be an object`);
  return value;
}

function stringMap(value: unknown, field: string): Record<string, string> | undefined {
  const map = optionalObject(value, field);
  if (map === undefined) return undefined;
  for (const [key, entry] of Object.entries(map)) {
    if (typeof entry !== 'string') throw invalid(`${field}.${key} must be a string`);
  }
  return map as Record<string, string>;
}

function descriptors(value: unknown, field: string, needOneOf: readonly (keyof ResourceDescriptor)[]): ResourceDescriptor[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalid(`${field} must be an array`);
  return value.map((entry: unknown, i) => descriptor(entry, `${field}[${i}]`, needOneOf));
}

function descriptor(value: unknown, field: string, needOneOf: readonly (keyof ResourceDescriptor)[]): ResourceDescriptor {
  if (!isPlainObject(value)) throw invalid(`${field} must be an object`);
  const unknown = Object.keys(value).filter((key) => !DESCRIPTOR_FIELDS.has(key));
  if (unknown.length > 0) throw invalid(`${field} has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
  const result: ResourceDescriptor = {};
  if (value.uri !== undefined) result.uri = uri(value.uri, `${field}.uri`);
  if (value.digest !== undefined) result.digest = digestSet(value.digest, `${field}.digest`);
  if (value.name !== undefined) result.name = nonEmptyString(value.name, `${field}.name`);
  if (value.downloadLocation !== undefined) result.downloadLocation = uri(value.downloadLocation, `${field}.downloadLocation`);
  if (value.mediaType !== undefined) result.mediaType = nonEmptyString(value.mediaType, `${field}.mediaType`);
  if (value.content !== undefined) {
    const content = nonEmptyString(value.content, `${field}.content`);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content) || content.length % 4 !== 0) throw invalid(`${field}.content must be base64`);
    result.content = content;
  }
  if (value.annotations !== undefined) result.annotations = optionalObject(value.annotations, `${field}.annotations`);
  if (!needOneOf.some((key) => result[key] !== undefined)) {
    const names = needOneOf.map((key) => (key === 'content' ? 'content' : `a ${key}`));
    throw invalid(`${field} needs ${names.slice(0, -1).join(', ')} or ${names.at(-1)}`);
  }
  return result;
}

function digestSet(value: unknown, field: string): Record<string, string> {
  if (!isPlainObject(value) || Object.keys(value).length === 0) throw invalid(`${field} must be an object of algorithm: hex digest`);
  for (const [algorithm, digest] of Object.entries(value)) {
    if (typeof digest !== 'string' || digest === '') throw invalid(`${field}.${algorithm} must be a non-empty string`);
    const lengths = DIGEST_LENGTHS[algorithm];
    if (lengths && !(/^[0-9a-f]+$/i.test(digest) && lengths.includes(digest.length))) {
      throw invalid(`${field}.${algorithm} must be ${lengths.join(' or ')} hexadecimal digits`);
    }
  }
  return value as Record<string, string>;
}

function time(value: unknown, field: string): { text: string; at: number } | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalid(`${field} is an invalid Date`);
    return { text: value.toISOString(), at: value.getTime() };
  }
  if (typeof value !== 'string' || !RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
    throw invalid(`${field} must be a Date or an RFC 3339 time such as 2025-01-31T12:00:00Z`);
  }
  return { text: value, at: Date.parse(value) };
}
