/**
 * sealkit: software supply-chain security for Node build scripts.
 *
 * - {@link generateSbom} + {@link serializeSbom}: SBOMs of container images, directories and lockfiles.
 * - {@link signArtifact}, {@link attestSbom}, {@link signStatement}: Sigstore bundles, keyless or with keys.
 * - {@link attestProvenance}: signed SLSA provenance from GitHub Actions, GitLab CI or explicit fields.
 * - {@link verifyBundle}, {@link verifySlsaLevel}, {@link assertSlsaLevel}: offline verification,
 *   with a policy, reporting the SLSA Build level proven check by check.
 *
 * Every failure is a {@link SealkitError} with a stable `code`.
 * @module
 */
export {
  SealkitError,
  UsageError,
  AbortError,
  SourceError,
  OutputError,
  SigningError,
  ServiceError,
  VerificationError,
  isSealkitError,
} from './errors.js';
export type { SealkitErrorCode, SealkitErrorOptions } from './errors.js';

export { generateSbom } from './sbom/generate.js';
export type { GenerateSbomOptions, ImageStream, SbomProgress } from './sbom/generate.js';
export { serializeSbom, parseSbomFormat, SBOM_FORMATS } from './sbom/format/index.js';
export type { SbomFormat } from './sbom/format/index.js';
export type {
  Sbom,
  Package,
  PackageType,
  License,
  Location,
  Relationship,
  Distro,
  LayerInfo,
  SourceDescription,
  SbomWarning,
  Scope,
} from './sbom/model.js';

export {
  signArtifact,
  signStatement,
  attestSbom,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_V1,
  CYCLONEDX_PREDICATE_TYPE,
  SPDX_PREDICATE_TYPE,
  PUBLIC_GOOD_FULCIO_URL,
  PUBLIC_GOOD_REKOR_URL,
} from './sign/index.js';
export type {
  InTotoStatement,
  InTotoSubject,
  AttestSbomOptions,
  AttestSbomResult,
  SbomInput,
  ArtifactInput,
  CustomSigner,
  RekorVersion,
  SignProgress,
  SignRequest,
  SignResult,
  SignerIdentity,
  SigningOptions,
  TlogEntrySummary,
  SigningConfigInput,
} from './sign/index.js';

export {
  attestProvenance,
  buildProvenancePredicate,
  detectCiSystem,
  SLSA_PROVENANCE_V1_PREDICATE_TYPE,
  GITHUB_ACTIONS_BUILD_TYPE,
  GITLAB_CI_BUILD_TYPE,
} from './attest/index.js';
export type {
  AttestProvenanceOptions,
  AttestProvenanceResult,
  CiOption,
  CiSystem,
  ExplicitProvenance,
  ProvenancePredicate,
  ProvenancePredicateOptions,
  ProvenanceSource,
  ProvenanceSubject,
  SubjectDigestAlgorithm,
  SubjectDigests,
  ResourceDescriptor,
  SlsaBuildDefinition,
  SlsaBuildMetadata,
  SlsaBuilder,
  SlsaProvenanceV1Predicate,
  SlsaRunDetails,
} from './attest/index.js';

export {
  verifyBundle,
  verifySlsaLevel,
  assertSlsaLevel,
  fetchTrustedRoot,
  EMBEDDED_TRUST_SOURCE,
  PUBLIC_GOOD_TRUSTED_ROOT,
  DEFAULT_TRUSTED_BUILDERS,
} from './verify/index.js';
export type {
  AttestationInput,
  AttestationReport,
  AttestationsInput,
  BuilderRole,
  CertificateIdentity,
  CheckCategory,
  CheckId,
  ProvenanceSummary,
  PublicKeyInput,
  SignerSummary,
  TrustOptions,
  TrustedBuilder,
  TrustedRootInput,
  TufRefreshOptions,
  VerificationCheck,
  VerificationPolicy,
  VerificationResult,
  VerifyArtifactInput,
  VerifyBundleOptions,
  VerifySlsaLevelOptions,
} from './verify/index.js';
export type {
  VerifyRegistryOptions,
  RegistryVerificationResult,
  RegistryVerificationCheck,
  RegistryAttestationReport,
} from './verify/registry-input.js';

export { RegistryClient, RegistryError, parseReference, ImageReference, MEDIA_TYPES as OCI_MEDIA_TYPES } from './registry/index.js';
export type {
  RegistryClientOptions,
  ReferrersOptions,
  RegistryErrorCode,
  Credentials as RegistryCredentials,
  CredentialSource,
  Descriptor,
  Platform,
  Manifest,
  ImageManifest,
  ImageIndex,
  Referrer,
  ReferrerSource,
  FetchedManifest,
  ResolvedDescriptor,
  RegistryProgress,
} from './registry/index.js';
export { promote, VSA_PREDICATE_TYPE, type PromoteOptions, type PromoteResult, type PromoteProgress, type PromoteRegistryOptions, type PromotionPolicy, type PromotionEvidence, type PromotionVerifier, type VerifiedReferrer, type CopySummary, type PromotionVsa, type PromotionVsaOptions, type VerificationSummaryPredicate } from './promote/promote.js';
export { attachSbom, sbomMediaType } from './registry/attach.js';
export { discoverReferrers } from './registry/discover.js';
export type { AttachSbomInput, AttachSbomOptions, AttachSbomResult } from './registry/attach.js';
export type { DiscoverOptions, DiscoverResult, DiscoveredReferrer } from './registry/discover.js';
export type { RegistryAccessOptions, RegistryAttachOptions, RegistryAttachment } from './registry/subject.js';
export { IMAGE_SIGNATURE_PREDICATE_TYPE } from './sign/sign-artifact.js';
export type { SignArtifactOptions, SignArtifactResult } from './sign/sign-artifact.js';
