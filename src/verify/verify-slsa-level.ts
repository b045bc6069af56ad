/**
 * `verifySlsaLevel` and `assertSlsaLevel`: the SLSA Build level an artifact's provenance
 * proves, check by check, and the gate that deploy code puts in front of a release.
 * @module
 */
import { UsageError, VerificationError } from '../errors.js';
import type { VerifyArtifactInput } from './artifact-input.js';
import { isRegistryArtifact, verifyRegistryArtifact, type RegistryVerificationResult, type VerifyRegistryOptions } from './registry-input.js';
import { verifyAttestations } from './verify-attestations.js';
import type { VerificationResult, VerifySlsaLevelOptions } from './verify-types.js';

/**
 * Verifies the attestations of `artifact` and reports the SLSA Build level they prove:
 * L1 provenance about this artifact; L2 signed on a hosted build platform whose certificate
 * agrees with the provenance; L3 signed by a trusted builder that `builder.id` is bound to.
 * `verified` requires every integrity and policy check to pass and `level >= minLevel`
 * (default 1). See {@link verifyBundle} for inputs and trust.
 *
 * With a `registry:REF` artifact the attestations are those attached to the image in the
 * registry (`options.attestations` must then be absent); see {@link verifyBundle}.
 */
export function verifySlsaLevel(artifact: `registry:${string}`, options?: VerifyRegistryOptions): Promise<RegistryVerificationResult>;
export function verifySlsaLevel(artifact: VerifyArtifactInput, options: VerifySlsaLevelOptions): Promise<VerificationResult>;
export async function verifySlsaLevel(artifact: VerifyArtifactInput, options?: VerifySlsaLevelOptions | VerifyRegistryOptions): Promise<VerificationResult> {
  if (isRegistryArtifact(artifact)) {
    if (options !== undefined && (typeof options !== 'object' || options === null || 'attestations' in options)) {
      throw new UsageError('INVALID_ARGUMENT', 'a registry: artifact is verified with the attestations attached to it: leave options.attestations out');
    }
    return verifyRegistryArtifact(artifact, options ?? {}, 1);
  }
  if (typeof options !== 'object' || options === null || !('attestations' in options) || options.attestations === undefined) {
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
export async function assertSlsaLevel(artifact: VerifyArtifactInput, options: VerifySlsaLevelOptions | VerifyRegistryOptions): Promise<VerificationResult> {
  const result = await (verifySlsaLevel as (a: VerifyArtifactInput, o: VerifySlsaLevelOptions | VerifyRegistryOptions) => Promise<VerificationResult>)(artifact, options);
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
