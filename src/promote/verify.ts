/**
 * The default gate of a promotion: sealkit's verification in place. Every Sigstore bundle
 * attached to the image's digest (OCI referrers, and cosign's older `.sig`/`.att` tags) is
 * verified against that digest with the policy and trust material of the promotion, as
 * bundles given as files are; each attestation names the referrer that carried it.
 * @module
 */
import { verifyRegistryArtifact } from '../verify/registry-input.js';
import type { RegistryClient } from '../registry/client.js';
import type { PromotionEvidence, PromotionPolicy, VerifiedReferrer } from './gate.js';
import type { ImageReference } from '../registry/reference.js';

/** Verifies the bundles attached to `subject` (pinned to its digest); nothing attached is not verified. */
export async function verifyInRegistry(
  subject: ImageReference,
  policy: PromotionPolicy,
  context: { client: RegistryClient; signal?: AbortSignal },
): Promise<PromotionEvidence> {
  const { requiredPredicateTypes: _required, ...verification } = policy;
  // As for files through verifyBundle: no level is required unless the policy names one.
  const result = await verifyRegistryArtifact(`registry:${subject.toString()}`, {
    ...verification,
    registry: context.client,
    ...(context.signal ? { signal: context.signal } : {}),
  }, 0);
  const referrers = new Map<string, VerifiedReferrer>();
  for (const attestation of result.attestations) {
    const key = `${attestation.referrer} ${attestation.predicateType ?? ''}`;
    const authentic = attestation.about === 'yes' && attestation.authentic;
    const known = referrers.get(key);
    // A cosign manifest carries several bundles: it proved something when one of them did.
    if (known === undefined || (!known.authentic && authentic)) {
      referrers.set(key, { digest: attestation.referrer, source: attestation.referrerSource, predicateType: attestation.predicateType, authentic });
    }
  }
  return { result, referrers: [...referrers.values()] };
}
