/**
 * Signing: Sigstore bundles for artifacts (message signatures) and in-toto statements (DSSE),
 * keyless through Fulcio or with a key, witnessed by Rekor and timestamp authorities.
 * @module
 */
export { signArtifact } from './sign-artifact.js';
export { signStatement, IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_V1 } from './dsse.js';
export type { InTotoStatement, InTotoSubject } from './dsse.js';
export { attestSbom, CYCLONEDX_PREDICATE_TYPE, SPDX_PREDICATE_TYPE } from './attest-sbom.js';
export type { AttestSbomOptions, AttestSbomResult, SbomInput } from './attest-sbom.js';
export type { ArtifactInput } from '../util/artifact-digest.js';
export type { HashAlgorithm } from '../util/digest-signature.js';
export type {
  CustomSigner,
  RekorVersion,
  SignProgress,
  SignRequest,
  SignResult,
  SignerIdentity,
  SigningOptions,
  TlogEntrySummary,
} from './sign-options.js';
export type { SigningConfigInput } from './signing-config.js';
export { PUBLIC_GOOD_FULCIO_URL, PUBLIC_GOOD_REKOR_URL } from './services.js';
