/**
 * Verification: Sigstore bundles and SLSA provenance checked offline against trusted roots
 * and keys, with the caller's policy, reporting the SLSA Build level proven.
 * @module
 */
export { verifyBundle } from './verify-bundle.js';
export { verifySlsaLevel, assertSlsaLevel } from './verify-slsa-level.js';
export { fetchTrustedRoot } from './trust/tuf-refresh.js';
export { EMBEDDED_TRUST_SOURCE, PUBLIC_GOOD_TRUSTED_ROOT } from './trust/embedded.js';
export { DEFAULT_TRUSTED_BUILDERS } from './provenance/builders.js';
export type { TrustedBuilder, BuilderRole } from './provenance/builders.js';
export type { VerifyArtifactInput } from './artifact-input.js';
export type { AttestationsInput, AttestationInput } from './attestations/load-attestations.js';
export type { VerificationCheck, CheckId, CheckCategory } from './checks.js';
export type { CertificateIdentity } from './certificate-identity.js';
export type { VerificationPolicy } from './policy/verification-policy.js';
export type { ProvenanceSummary } from './provenance/parse-provenance.js';
export type { TrustOptions } from './trust/resolve-trust.js';
export type { TrustedRootInput } from './trust/trusted-root.js';
export type { PublicKeyInput } from './trust/public-keys.js';
export type { TufRefreshOptions } from './trust/tuf-refresh.js';
export type {
  VerifyBundleOptions,
  VerifySlsaLevelOptions,
  VerificationResult,
  SignerSummary,
  AttestationReport,
} from './verify-types.js';
