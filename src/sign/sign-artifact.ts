/**
 * `signArtifact`: a Sigstore message-signature bundle for a file, bytes, a stream or a digest.
 * The artifact is read once; its digest and its signature are computed in the same pass.
 * A precomputed digest is signed as it is, by any ECDSA or RSA signer.
 * @module
 */
import { SigningError, UsageError, throwIfAborted } from '../errors.js';
import { digestArtifact, isPrecomputedDigest, parseDigest, type ArtifactInput } from '../util/artifact-digest.js';
import { completeBundle } from './complete-bundle.js';
import type { SignResult, SigningOptions } from './sign-options.js';
import { planSigning } from './signing-plan.js';

/**
 * Signs `artifact` and returns a Sigstore bundle v0.3 holding a message signature.
 *
 * Keyless by default: an OIDC identity token (from `options.identityToken`,
 * `SIGSTORE_ID_TOKEN`, GitHub Actions, Buildkite or GitLab CI) is exchanged at Fulcio for a
 * short-lived certificate of an ephemeral key, and the signature is logged in Rekor. With
 * `options.key` or `options.signer` it signs with that key instead.
 *
 * A `{ sha256 }` artifact (computed elsewhere, e.g. by a build system) is signed without
 * reading anything: keyless, with an ECDSA or RSA `key`, or through a `signer`. The bundle's
 * `messageDigest` is that digest, so verifiers check it against the artifact's bytes.
 * Ed25519 keys cannot sign message signatures at all (`KEY_INVALID`).
 *
 * @throws {SealkitError} with a stable code: `IDENTITY_TOKEN_*`, `KEY_*`, `SERVICE_*`,
 *   `ARTIFACT_UNREADABLE`, `SIGNING_CONFIG_INVALID`, `BUNDLE_INVALID`, `OUTPUT_WRITE_FAILED`…
 */
export async function signArtifact(artifact: ArtifactInput, options: SigningOptions = {}): Promise<SignResult> {
  if (artifact === null || artifact === undefined) {
    throw new UsageError('INVALID_ARGUMENT', 'artifact must be a path, a Buffer, a readable stream or { sha256 }');
  }
  // A malformed digest is refused before any identity token is looked for.
  const precomputed = isPrecomputedDigest(artifact) ? parseDigest(artifact.sha256).sha256 : undefined;
  const plan = await planSigning(options);
  const { signer } = plan;
  if (signer.algorithm === 'ed25519') {
    // Verifiers check message signatures over the artifact's SHA-256 (Rekor with Ed25519ph),
    // which pure Ed25519 cannot produce; DSSE envelopes sign the payload itself and work.
    throw new SigningError(
      'KEY_INVALID',
      'Ed25519 keys cannot make message-signature bundles that Sigstore verifiers accept; sign with an ECDSA or RSA key, or sign an in-toto statement (DSSE) with this key',
    );
  }
  if (precomputed) {
    throwIfAborted(options.signal);
    const signature = await signer.signDigest(precomputed);
    return completeBundle(plan, { kind: 'message', digest: precomputed, signature }, options);
  }
  const session = signer.begin();
  const digest = await digestArtifact(artifact, {
    onChunk: (chunk) => session.update(chunk),
    onProgress: (bytes, totalBytes) => options.onProgress?.({ stage: 'hash', bytes, totalBytes }),
    signal: options.signal,
  });
  const signature = await session.finish(digest.sha256, digest.data);
  return completeBundle(plan, { kind: 'message', digest: digest.sha256, signature }, options);
}
