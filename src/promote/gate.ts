/**
 * The release gate of a promotion: what the policy asks of an image's attached bundles, and the
 * decision taken from a verification result. The gate only reads; nothing is written anywhere
 * until it has passed.
 * @module
 */
import { UsageError, VerificationError } from '../errors.js';
import type { VerificationPolicy } from '../verify/policy/verification-policy.js';
import type { TrustOptions } from '../verify/trust/resolve-trust.js';
import type { VerificationResult } from '../verify/verify-types.js';
import type { RegistryClient } from '../registry/client.js';
import type { ImageReference } from '../registry/reference.js';
import type { ReferrerSource } from '../registry/types.js';

/**
 * What an image must prove before it is promoted: the verification policy of
 * `verifySlsaLevel` (signer identity or trusted keys, source, builder, minimum SLSA Build level)
 * and its trust material, plus the attestations that must be attached.
 *
 * At least one attached bundle must always verify: an unsigned image is never promoted.
 */
export interface PromotionPolicy extends VerificationPolicy, TrustOptions {
  /**
   * In-toto predicate types that verified attestations about the image must include, e.g.
   * `https://cyclonedx.org/bom` for a signed SBOM, `https://slsa.dev/provenance/v1`.
   */
  requiredPredicateTypes?: readonly string[];
  /** Largest total of bundle bytes read from the image's referrers (default 64 MiB). */
  maxAttestationBytes?: number;
  /** Most bundles read from the image (default 64); more is refused, never partly verified. */
  maxReferrers?: number;
}

/** One attached bundle the gate verified. */
export interface VerifiedReferrer {
  /** Digest of the referrer manifest that carries the bundle. */
  digest: string;
  /** Where it was found: the referrers API, the referrers tag index, or cosign's `.sig`/`.att` tags. */
  source: ReferrerSource;
  /** The in-toto predicate type it attests; undefined for a plain signature. */
  predicateType: string | undefined;
  /** Its signature, chain, log and subject checks all passed. */
  authentic: boolean;
}

/** What the gate learned about the image. */
export interface PromotionEvidence {
  /** The verification of every attached bundle against the image's manifest digest. */
  result: VerificationResult;
  /** The referrers whose bundles were verified, and what each proved. */
  referrers: VerifiedReferrer[];
}

/**
 * Verifies the attached bundles of `subject` (a reference pinned to the manifest digest) under
 * `policy`, reading through `client`. sealkit's own verification in place is the default; a
 * caller may put another gate in front of a promotion.
 */
export type PromotionVerifier = (
  subject: ImageReference,
  policy: PromotionPolicy,
  context: { client: RegistryClient; signal?: AbortSignal },
) => Promise<PromotionEvidence>;

/** Checks the policy's own fields (the verification policy is checked by verification). */
export function checkPromotionPolicy(policy: PromotionPolicy): void {
  if (typeof policy !== 'object' || policy === null) {
    throw new UsageError('INVALID_ARGUMENT', 'promote needs a policy: the identity or keys that must have signed the image, and what it must prove');
  }
  const required = policy.requiredPredicateTypes;
  if (required !== undefined && (!Array.isArray(required) || required.some((t) => typeof t !== 'string' || t.trim() === ''))) {
    throw new UsageError('INVALID_ARGUMENT', 'requiredPredicateTypes must be a list of predicate type URIs');
  }
}

/**
 * Decides from the evidence: the verification passed, at least one bundle about the image is
 * authentic, and every required predicate type is among the authentic attestations.
 * @throws {VerificationError} `VERIFICATION_FAILED` when a bundle is not authentic or none is
 *   attached, `POLICY_FAILED` when the policy, the level or a required attestation is missing;
 *   `details.checks` lists what failed.
 */
export function decide(subject: ImageReference, policy: PromotionPolicy, evidence: PromotionEvidence): void {
  const { result, referrers } = evidence;
  const name = subject.toString();
  const failed = result.checks.filter((c) => !c.passed && c.category !== 'level');
  if (!result.verified || failed.length > 0) {
    const integrity = failed.some((c) => c.category === 'integrity');
    const summary = failed.map((c) => `${c.id}: ${c.detail}`).join('; ');
    throw new VerificationError(integrity ? 'VERIFICATION_FAILED' : 'POLICY_FAILED', `${name} did not verify, so it is not promoted: ${summary || 'no attached bundle verified'}`, {
      details: { reference: name, checks: failed, result },
    });
  }
  const authentic = result.attestations.filter((a) => a.about === 'yes' && a.authentic);
  if (authentic.length === 0 || !referrers.some((r) => r.authentic)) {
    throw new VerificationError('VERIFICATION_FAILED', `${name} has no verified signature or attestation attached, so it is not promoted`, {
      details: { reference: name, checks: [], result },
    });
  }
  const proven = new Set(authentic.map((a) => a.predicateType).filter((t): t is string => t !== undefined));
  const missing = (policy.requiredPredicateTypes ?? []).filter((t) => !proven.has(t));
  if (missing.length > 0) {
    throw new VerificationError('POLICY_FAILED', `${name} lacks a verified attestation of ${missing.join(', ')}, so it is not promoted`, {
      details: { reference: name, missing, checks: [], result },
    });
  }
}
