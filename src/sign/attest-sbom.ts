/**
 * `attestSbom`: an SBOM (CycloneDX or SPDX JSON, as `generateSbom` serializes it) signed as an
 * in-toto attestation about the artifact it describes.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { SigningError, UsageError } from '../errors.js';
import { attachBundle } from '../registry/attach.js';
import {
  isRegistrySubject,
  registryClient,
  resolveRegistrySubject,
  subjectDescriptor,
  subjectDigestSet,
  type RegistryAttachOptions,
  type RegistryAttachment,
} from '../registry/subject.js';
import { digestArtifact, type ArtifactInput } from '../util/artifact-digest.js';
import { IN_TOTO_STATEMENT_V1, signStatement, type InTotoStatement } from './dsse.js';
import type { SignResult, SigningOptions } from './sign-options.js';

/** in-toto predicate type of CycloneDX documents. */
export const CYCLONEDX_PREDICATE_TYPE = 'https://cyclonedx.org/bom';
/** in-toto predicate type of SPDX documents. */
export const SPDX_PREDICATE_TYPE = 'https://spdx.dev/Document';
/** in-toto predicate type of SPDX 3 documents (JSON-LD), as the in-toto attestation spec's SPDX 3 predicate names it. */
export const SPDX3_PREDICATE_TYPE = 'https://spdx.dev/Document/v3';

/** An SBOM document: the path of a JSON file, its bytes, or the parsed document. */
export type SbomInput = string | Uint8Array | Record<string, unknown>;

/** Options of {@link attestSbom}. */
export interface AttestSbomOptions extends SigningOptions, RegistryAttachOptions {
  /**
   * The subject's name in the statement. Default: the file name when `subject` is a path,
   * `registry/repository` when it is `registry:REF`.
   */
  subjectName?: string;
}

/** What {@link attestSbom} returns: the bundle and the statement it signed. */
export interface AttestSbomResult extends SignResult {
  statement: InTotoStatement<Record<string, unknown>>;
  /** For a `registry:REF` subject: the image (its manifest digest) and the referrer pushed. */
  registry?: RegistryAttachment;
}

/**
 * Signs `sbom` as an in-toto Statement whose subject is `subject` (hashed here) and whose
 * predicate is the SBOM, with predicate type `https://cyclonedx.org/bom`,
 * `https://spdx.dev/Document` (SPDX 2) or `https://spdx.dev/Document/v3` (SPDX 3 JSON-LD).
 *
 * A `registry:host/repo[:tag][@sha256:<hex>]` subject is the manifest the reference resolves
 * to: the statement names it by its digest, and the bundle is attached to it as an OCI 1.1
 * referrer with the annotation `dev.sigstore.bundle.predicateType` (unless `upload` is false).
 */
export async function attestSbom(
  sbom: SbomInput,
  subject: ArtifactInput,
  options: AttestSbomOptions = {},
): Promise<AttestSbomResult> {
  const document = await readSbom(sbom);
  const predicateType = sbomPredicateType(document);
  if (isRegistrySubject(subject)) return attestInRegistry(document, predicateType, subject, options);
  const name = options.subjectName ?? (typeof subject === 'string' ? basename(subject) : undefined);
  if (!name) {
    throw new UsageError('INVALID_ARGUMENT', 'subjectName is required when the subject is not a file path');
  }
  const { sha256 } = await digestArtifact(subject, { signal: options.signal });
  const statement: InTotoStatement<Record<string, unknown>> = {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ name, digest: { sha256: sha256.toString('hex') } }],
    predicateType,
    predicate: document,
  };
  const { subjectName: _ignored, registry: _registry, upload: _upload, ...signing } = options;
  const result = await signStatement(statement, signing);
  return { ...result, statement };
}

async function attestInRegistry(
  document: Record<string, unknown>,
  predicateType: string,
  reference: string,
  options: AttestSbomOptions,
): Promise<AttestSbomResult> {
  const { subjectName, registry, upload, ...signing } = options;
  const client = registryClient({ registry, signal: signing.signal });
  const subject = await resolveRegistrySubject(reference, client);
  const statement: InTotoStatement<Record<string, unknown>> = {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ name: subjectName ?? subject.name, digest: subjectDigestSet(subject) }],
    predicateType,
    predicate: document,
  };
  const result = await signStatement(statement, signing);
  const attachment =
    upload === false
      ? { reference: subject.reference.toString(), subject: subjectDescriptor(subject) }
      : await attachBundle(client, subject, result.bundle);
  return { ...result, statement, registry: attachment };
}

/** The in-toto predicate type of an SBOM document, or FORMAT_UNSUPPORTED. */
export function sbomPredicateType(document: Record<string, unknown>): string {
  if (document.bomFormat === 'CycloneDX') return CYCLONEDX_PREDICATE_TYPE;
  if (typeof document.spdxVersion === 'string' && document.spdxVersion.startsWith('SPDX-')) return SPDX_PREDICATE_TYPE;
  // SPDX 3 is JSON-LD: recognised by its context.
  const context = JSON.stringify(document['@context'] ?? '');
  if (context.includes('spdx.org/rdf/3')) return SPDX3_PREDICATE_TYPE;
  throw new UsageError(
    'FORMAT_UNSUPPORTED',
    'the SBOM is neither CycloneDX JSON ("bomFormat": "CycloneDX") nor SPDX JSON ("spdxVersion": "SPDX-…")',
  );
}

async function readSbom(sbom: SbomInput): Promise<Record<string, unknown>> {
  if (typeof sbom === 'object' && sbom !== null && !(sbom instanceof Uint8Array)) {
    if (Array.isArray(sbom)) throw new UsageError('FORMAT_UNSUPPORTED', 'the SBOM must be a JSON object, not an array');
    return sbom;
  }
  let text: string;
  if (typeof sbom === 'string') {
    try {
      text = await readFile(sbom, 'utf8');
    } catch (error) {
      throw new SigningError('ARTIFACT_UNREADABLE', `cannot read the SBOM ${sbom}: ${(error as Error).message}`, {
        cause: error,
        details: { path: sbom },
      });
    }
  } else if (sbom instanceof Uint8Array) {
    text = Buffer.from(sbom).toString('utf8');
  } else {
    throw new UsageError('INVALID_ARGUMENT', 'sbom must be a path, JSON bytes or a parsed document');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError('FORMAT_UNSUPPORTED', `the SBOM is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError('FORMAT_UNSUPPORTED', 'the SBOM must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
