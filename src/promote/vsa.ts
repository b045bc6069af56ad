/**
 * The record of a promotion decision: a SLSA Verification Summary Attestation (VSA v1) about
 * the promoted digest, signed like any other attestation and attached at the destination.
 * @module
 */
import { createHash } from 'node:crypto';
import type { SerializedBundle } from '@sigstore/bundle';
import { signStatement, IN_TOTO_STATEMENT_V1, type InTotoStatement } from '../sign/dsse.js';
import type { SigningOptions } from '../sign/sign-options.js';
import { bundleArtifact, pushArtifact } from '../registry/attach.js';
import type { RegistryClient } from '../registry/client.js';
import type { PromotionEvidence, PromotionPolicy } from './gate.js';
import type { ImageReference } from '../registry/reference.js';
import type { Descriptor } from '../registry/types.js';
import { VSA_PREDICATE_TYPE } from './vsa-predicate.js';

export { VSA_PREDICATE_TYPE };

/** Identifies sealkit as the verifier when the caller names no other. */
export const DEFAULT_VERIFIER_ID = 'https://github.com/sealkit/sealkit/promote';

/** Signing options of the VSA (those of `signArtifact`), plus what the summary names. */
export interface PromotionVsaOptions extends Omit<SigningOptions, 'signal' | 'onProgress'> {
  /** `verifier.id`: who decided (default {@link DEFAULT_VERIFIER_ID}). */
  verifierId?: string;
  /** `policy.uri`: where the policy is published; its digest is always recorded. */
  policyUri?: string;
}

/** The VSA v1 predicate. */
export interface VerificationSummaryPredicate {
  verifier: { id: string; version?: Record<string, string> };
  timeVerified: string;
  resourceUri: string;
  policy: { uri?: string; digest: Record<string, string> };
  inputAttestations: Array<{ uri: string; digest: Record<string, string> }>;
  verificationResult: 'PASSED';
  verifiedLevels: string[];
  slsaVersion: '1.0';
}

/** The VSA made at a promotion. */
export interface PromotionVsa {
  statement: InTotoStatement<VerificationSummaryPredicate>;
  bundle: SerializedBundle;
  /** The referrer manifest that carries it at the destination. */
  referrer: Descriptor;
}

/**
 * The digest of the policy as decided: its fields in a fixed order, trust material by the
 * digest of what was given, so that two gates with equal policies record equal digests.
 */
export function policyDigest(policy: PromotionPolicy): string {
  const keyText = (key: unknown): string =>
    typeof key === 'string' ? key : typeof key === 'object' && key !== null && 'export' in key ? String((key as { export: (o: object) => unknown }).export({ type: 'spki', format: 'pem' })) : JSON.stringify(key);
  const document = {
    certificateIdentity: policy.certificateIdentity ?? null,
    certificateIdentityPattern: policy.certificateIdentityPattern === undefined ? null : String(policy.certificateIdentityPattern),
    certificateIssuer: policy.certificateIssuer ?? null,
    sourceRepository: policy.sourceRepository ?? null,
    sourceRef: policy.sourceRef ?? null,
    builderIds: [...(policy.builderIds ?? [])].sort(),
    minLevel: policy.minLevel ?? 0,
    requiredPredicateTypes: [...(policy.requiredPredicateTypes ?? [])].sort(),
    publicKeys: (policy.publicKeys ?? []).map((k) => createHash('sha256').update(keyText(k)).digest('hex')).sort(),
  };
  return createHash('sha256').update(JSON.stringify(document)).digest('hex');
}

/** Builds the VSA statement about `destination` (pinned to the promoted digest). */
export function buildVsaStatement(
  destination: ImageReference,
  policy: PromotionPolicy,
  evidence: PromotionEvidence,
  options: Pick<PromotionVsaOptions, 'verifierId' | 'policyUri'> & { time?: Date; version?: string } = {},
): InTotoStatement<VerificationSummaryPredicate> {
  const digest = destination.digest as string;
  const [algorithm = 'sha256', hex = ''] = digest.split(':');
  const resource = `${destination.name}@${digest}`;
  return {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ name: destination.name, digest: { [algorithm]: hex } }],
    predicateType: VSA_PREDICATE_TYPE,
    predicate: {
      verifier: { id: options.verifierId ?? DEFAULT_VERIFIER_ID, ...(options.version ? { version: { sealkit: options.version } } : {}) },
      timeVerified: (options.time ?? new Date()).toISOString(),
      resourceUri: resource,
      policy: { ...(options.policyUri ? { uri: options.policyUri } : {}), digest: { sha256: policyDigest(policy) } },
      inputAttestations: evidence.referrers
        .filter((r) => r.authentic)
        .map((r) => {
          const [alg = 'sha256', value = ''] = r.digest.split(':');
          return { uri: `${destination.name}@${r.digest}`, digest: { [alg]: value } };
        }),
      verificationResult: 'PASSED',
      verifiedLevels: [`SLSA_BUILD_LEVEL_${evidence.result.level}`],
      slsaVersion: '1.0',
    },
  };
}

/**
 * Signs the VSA and attaches it at `destination` as an OCI 1.1 referrer of `subject`, in the
 * layout every attached bundle has (see attach.ts).
 */
export async function attachVsa(
  client: RegistryClient,
  destination: ImageReference,
  subject: Descriptor,
  statement: InTotoStatement<VerificationSummaryPredicate>,
  options: PromotionVsaOptions & { signal?: AbortSignal },
): Promise<PromotionVsa> {
  const { verifierId: _verifierId, policyUri: _policyUri, ...signing } = options;
  const signed = await signStatement(statement, signing);
  const referrer = await pushArtifact(client, destination, bundleArtifact(subject, signed.bundle));
  return { statement, bundle: signed.bundle, referrer };
}
