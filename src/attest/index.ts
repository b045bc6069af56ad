/**
 * Provenance: SLSA Provenance v1 predicates built from the CI environment (GitHub Actions,
 * GitLab CI) or from explicit fields, signed as in-toto attestations.
 * @module
 */
export { attestProvenance } from './attest-provenance.js';
export type { AttestProvenanceOptions, AttestProvenanceResult } from './attest-provenance.js';
export { buildProvenancePredicate, detectCiSystem } from './ci/detect.js';
export type { CiOption, ProvenancePredicate, ProvenancePredicateOptions, ProvenanceSource } from './ci/detect.js';
export type { CiSystem } from './ci/ci-variables.js';
export type { ExplicitProvenance } from './ci/explicit.js';
export type { ProvenanceSubject, SubjectDigestAlgorithm, SubjectDigests } from './subjects.js';
export { SLSA_PROVENANCE_V1_PREDICATE_TYPE, GITHUB_ACTIONS_BUILD_TYPE, GITLAB_CI_BUILD_TYPE } from './slsa-v1.js';
export type {
  ResourceDescriptor,
  SlsaBuildDefinition,
  SlsaBuildMetadata,
  SlsaBuilder,
  SlsaProvenanceV1Predicate,
  SlsaRunDetails,
} from './slsa-v1.js';
