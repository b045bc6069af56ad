/**
 * Signs in-toto Statements as DSSE envelopes in Sigstore bundles: the general attestation
 * signer that SBOM attestations and provenance build on.
 * @module
 */
import { dsse } from '@sigstore/core';
import { UsageError } from '../errors.js';
import type { HashAlgorithm } from '../util/digest-signature.js';
import { completeBundle } from './complete-bundle.js';
import type { SignResult, SigningOptions } from './sign-options.js';
import { planSigning, type SigningPlan } from './signing-plan.js';
import { signMessage } from './signers/signer.js';

/** The DSSE payload type of in-toto statements. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** The current in-toto Statement type. */
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
const STATEMENT_TYPES = new Set([IN_TOTO_STATEMENT_V1, 'https://in-toto.io/Statement/v0.1']);

/**
 * The hash of DSSE envelope signatures, for every ECDSA curve and RSA size. Unlike a message
 * signature, an envelope does not say which hash signed it, so verifiers assume one, and
 * today they assume SHA-256: Rekor v1 checks `dsse` (and `intoto`) entries with SHA-256
 * before logging them, `@sigstore/verify` and sigstore-python verify envelopes with SHA-256,
 * and sigstore-go accepts SHA-256 for P-384/P-521 certificates. Pairing P-384 with SHA-384
 * here, as the algorithm registry does for messages, would make envelopes the log refuses.
 * docs/sign.md ("Hash algorithms") has the evidence and the consequences.
 */
export const ENVELOPE_HASH: HashAlgorithm = 'sha256';

/** One thing an attestation is about: a name and its digests (`{ sha256: '<hex>' }`). */
export interface InTotoSubject {
  name: string;
  digest: Record<string, string>;
}

/** An in-toto Statement (v1): subjects, a predicate type and the predicate. */
export interface InTotoStatement<Predicate = unknown> {
  _type: string;
  subject: InTotoSubject[];
  predicateType: string;
  predicate?: Predicate;
}

/**
 * Signs `statement` and returns a Sigstore bundle v0.3 holding a DSSE envelope
 * (payload type `application/vnd.in-toto+json`). Keyless or key-based, like
 * {@link signArtifact}; Ed25519 keys are fine here.
 */
export async function signStatement(statement: InTotoStatement, options: SigningOptions = {}): Promise<SignResult> {
  assertStatement(statement);
  return signPlannedStatement(statement, await planSigning(options), options);
}

/**
 * {@link signStatement} with a signing plan made beforehand: for callers that must know the
 * signer (the identity token's claims) before they build the statement, or that want a bad
 * key or a missing token to fail before they read any artifact.
 */
export async function signPlannedStatement(statement: InTotoStatement, plan: SigningPlan, options: SigningOptions): Promise<SignResult> {
  assertStatement(statement);
  return signDsse(Buffer.from(JSON.stringify(statement), 'utf8'), IN_TOTO_PAYLOAD_TYPE, plan, options);
}

/** Signs any DSSE payload; {@link signStatement} is the in-toto front end to it. */
async function signDsse(payload: Buffer, payloadType: string, plan: SigningPlan, options: SigningOptions): Promise<SignResult> {
  const signature = await signMessage(plan.signer, dsse.preAuthEncoding(payloadType, payload), ENVELOPE_HASH);
  return completeBundle(plan, { kind: 'dsse', payload, payloadType, signature }, options);
}

const HEX = /^[0-9a-f]+$/i;

function assertStatement(statement: InTotoStatement): void {
  const problem = statementProblem(statement);
  if (problem) throw new UsageError('INVALID_ARGUMENT', `not an in-toto statement: ${problem}`);
}

function statementProblem(statement: InTotoStatement): string | undefined {
  if (typeof statement !== 'object' || statement === null || Array.isArray(statement)) return 'it is not an object';
  if (!STATEMENT_TYPES.has(statement._type)) return `_type must be ${IN_TOTO_STATEMENT_V1}`;
  if (typeof statement.predicateType !== 'string' || statement.predicateType === '') return 'predicateType is missing';
  if (!Array.isArray(statement.subject) || statement.subject.length === 0) return 'it has no subject';
  for (const [i, subject] of statement.subject.entries()) {
    if (typeof subject?.name !== 'string') return `subject[${i}] has no name`;
    const digests = Object.entries(subject.digest ?? {});
    if (digests.length === 0) return `subject[${i}] has no digest`;
    for (const [algorithm, value] of digests) {
      if (typeof value !== 'string' || !HEX.test(value)) return `subject[${i}].digest.${algorithm} is not hexadecimal`;
    }
    if (subject.digest.sha256 !== undefined && subject.digest.sha256.length !== 64) {
      return `subject[${i}].digest.sha256 is not 64 hex digits`;
    }
  }
  return undefined;
}

