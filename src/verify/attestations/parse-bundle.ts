/**
 * One bundle document -> a Sigstore bundle of a known version (v0.1, v0.2, v0.3), validated as
 * `@sigstore/bundle` validates each version, and, for DSSE bundles, the in-toto statement it
 * carries. Anything else is a reason, never an exception.
 * @module
 */
import {
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  ValidationError,
  bundleFromJSON,
  type Bundle,
} from '@sigstore/bundle';
import { parseStatement, type InTotoStatement } from './statement.js';

/** Bundle versions sealkit verifies, by media type. */
const VERSIONS: Record<string, '0.1' | '0.2' | '0.3'> = {
  [BUNDLE_V01_MEDIA_TYPE]: '0.1',
  [BUNDLE_V02_MEDIA_TYPE]: '0.2',
  [BUNDLE_V03_LEGACY_MEDIA_TYPE]: '0.3',
  [BUNDLE_V03_MEDIA_TYPE]: '0.3',
};

/** A bundle ready for verification. */
export interface ParsedBundle {
  bundle: Bundle;
  version: '0.1' | '0.2' | '0.3';
  kind: 'message-signature' | 'dsse';
  /** The in-toto statement of a DSSE bundle, when its payload is one. */
  statement: InTotoStatement | undefined;
  /** Why a DSSE payload is not a usable in-toto statement. */
  statementProblem: string | undefined;
}

/** Parses `json` as a bundle; returns the reason when it is not one sealkit can verify. */
export function parseBundle(json: unknown): { bundle: ParsedBundle; problem?: undefined } | { bundle?: undefined; problem: string } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { problem: 'it is not a JSON object' };
  const mediaType = (json as { mediaType?: unknown }).mediaType;
  const version = typeof mediaType === 'string' ? VERSIONS[mediaType] : undefined;
  if (version === undefined) {
    return { problem: `unknown bundle media type ${JSON.stringify(mediaType)} (sealkit verifies bundles v0.1, v0.2 and v0.3)` };
  }
  const ambiguous = ambiguity(json as Record<string, unknown>);
  if (ambiguous) return { problem: `not a valid v${version} bundle: it holds both ${ambiguous}` };
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (error) {
    const fields = error instanceof ValidationError && error.fields?.length ? ` (${error.fields.join(', ')})` : '';
    return { problem: `not a valid v${version} bundle: ${(error as Error).message}${fields}` };
  }
  if (bundle.content.$case === 'messageSignature') {
    return { bundle: { bundle, version, kind: 'message-signature', statement: undefined, statementProblem: undefined } };
  }
  const envelope = bundle.content.dsseEnvelope;
  const parsed = parseStatement(envelope.payloadType, envelope.payload);
  return {
    bundle: { bundle, version, kind: 'dsse', statement: parsed.statement, statementProblem: parsed.problem },
  };
}

/**
 * Reading JSON, protobuf keeps one member of a oneof and drops the others silently: a file
 * holding a message signature and a DSSE envelope would verify as the one while another tool
 * reads the other. Such a bundle says two things and is refused.
 */
function ambiguity(json: Record<string, unknown>): string | undefined {
  const present = (object: unknown, fields: string[]) =>
    typeof object === 'object' && object !== null ? fields.filter((f) => (object as Record<string, unknown>)[f] !== undefined && (object as Record<string, unknown>)[f] !== null) : [];
  const content = present(json, ['messageSignature', 'dsseEnvelope']);
  if (content.length > 1) return content.join(' and ');
  const material = present(json.verificationMaterial, ['publicKey', 'x509CertificateChain', 'certificate']);
  if (material.length > 1) return material.join(' and ');
  return undefined;
}
