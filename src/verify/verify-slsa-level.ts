/**
 * `verifySlsaLevel` and `assertSlsaLevel`: the SLSA Build level an artifact's provenance
 * proves, check by check, and the gate that deploy code puts in front of a release.
 * @module
 */
import { UsageError, VerificationError } from '../errors.js';
import type { VerifyArtifactInput } from './artifact-input.js';
import { verifyAttestations } from './verify-attestations.js';
import type { VerificationResult, VerifySlsaLevelOptions } from './verify-types.js';

/**
 * Verifies the attestations of `artifact` and reports the SLSA Build level they prove:
 * L1 provenance about this artifact; L2 signed on a hosted build platform whose certificate
 * agrees with the provenance; L3 signed by a trusted builder that `builder.id` is bound to.
 * `verified` requires every integrity and policy check to pass and `level >= minLevel`
 * (default 1). See {@link verifyBundle} for inputs and trust.
 */
export async function verifySlsaLevel(artifact: VerifyArtifactInput, options: VerifySlsaLevelOptions): Promise<VerificationResult> {
  if (typeof options !== 'object' || options === null || options.attestations === undefined) {
    throw new UsageError('INVALID_ARGUMENT', 'options.attestations is required: the bundles, a .intoto.jsonl file or an npm attestations response');
  }
  const { attestations, ...rest } = options;
  return verifyAttestations(artifact, attestations, rest, 1);
}

/**
 * {@link verifySlsaLevel}, throwing unless the artifact verified: for deploy code that must stop.
 * @throws {VerificationError} `VERIFICATION_FAILED` (an attestation is not authentic or does not
 *   name the artifact) or `POLICY_FAILED` (the policy or the minimum level is not met), with the
 *   failed checks in `details.checks` and the whole result in `details.result`.
 */
export async function assertSlsaLevel(artifact: VerifyArtifactInput, options: VerifySlsaLevelOptions): Promise<VerificationResult> {
  const result = await verifySlsaLevel(artifact, options);
  if (result.verified) return result;
  const failed = result.checks.filter((c) => !c.passed);
  const integrity = failed.some((c) => c.category === 'integrity');
  const summary = failed
    .filter((c) => c.category !== 'level')
    .map((c) => `${c.id}: ${c.detail}`)
    .join('; ');
  throw new VerificationError(
    integrity ? 'VERIFICATION_FAILED' : 'POLICY_FAILED',
    `the artifact did not verify at SLSA Build L${options.minLevel ?? 1} (L${result.level} proven): ${summary || 'no check passed'}`,
    { details: { checks: failed, result } },
  );
}
