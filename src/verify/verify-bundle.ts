/**
 * `verifyBundle`: what `cosign verify-blob` does, and one thing more. The signature,
 * certificate chain, transparency log and timestamps are checked against the trust material,
 * the signer against the policy, and — for in-toto attestations — that a subject is the
 * artifact in hand, which the Sigstore libraries leave to their callers.
 * @module
 */
import { UsageError } from '../errors.js';
import type { AttestationsInput } from './attestations/load-attestations.js';
import type { VerifyArtifactInput } from './artifact-input.js';
import { isRegistryArtifact, verifyRegistryArtifact, type RegistryVerificationResult, type VerifyRegistryOptions } from './registry-input.js';
import { verifyAttestations } from './verify-attestations.js';
import type { VerificationResult, VerifyBundleOptions } from './verify-types.js';

/**
 * Verifies, in place, the bundles attached to an image in a registry
 * (`registry:host/repo[:tag][@sha256:<hex>]`): the reference is resolved to its manifest digest,
 * and the Sigstore bundles attached to that digest — OCI referrers and cosign's `.sig`/`.att`
 * tags — are verified about it with the same policy and trust as bundles in files. Each check
 * and attestation of the result names its referrer. Nothing attached means not verified.
 * @throws {RegistryError} when the registry fails; see {@link verifyRegistryArtifact}.
 */
export function verifyBundle(artifact: `registry:${string}`, options?: VerifyRegistryOptions): Promise<RegistryVerificationResult>;
/**
 * Verifies `bundle` (or several: a list, an `.intoto.jsonl` file, an npm attestations
 * response) about `artifact` (a path, bytes, a stream, or `'sha256:<hex>'`).
 *
 * Offline by default, against the Sigstore public-good trusted root embedded in sealkit.
 * Keyless bundles need an identity policy: `certificateIdentity` (exact) or
 * `certificateIdentityPattern`, or a `sourceRepository`, and the issuer (`certificateIssuer`,
 * inferred for github.com and gitlab.com sources). No SLSA level is required unless `minLevel`
 * is given; the level proven is reported anyway.
 *
 * Resolves with the result whether or not it verified; read `verified`.
 * @throws {SealkitError} only for unusable input: `INVALID_ARGUMENT` (policy), `TRUST_ROOT_INVALID`,
 *   `KEY_INVALID`, `ARTIFACT_UNREADABLE`, `LIMIT_EXCEEDED`, `ABORTED`.
 */
export function verifyBundle(artifact: VerifyArtifactInput, bundle: AttestationsInput, options?: VerifyBundleOptions): Promise<VerificationResult>;
export async function verifyBundle(
  artifact: VerifyArtifactInput,
  bundle?: AttestationsInput | VerifyRegistryOptions,
  options: VerifyBundleOptions = {},
): Promise<VerificationResult> {
  if (isRegistryArtifact(artifact)) {
    if (arguments.length > 2) {
      throw new UsageError('INVALID_ARGUMENT', 'a registry: artifact is verified with the bundles attached to it: call verifyBundle(ref, options)');
    }
    return verifyRegistryArtifact(artifact, (bundle ?? {}) as VerifyRegistryOptions, 0);
  }
  return verifyAttestations(artifact, bundle as AttestationsInput, options, 0);
}
