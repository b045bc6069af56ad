/**
 * The SLSA Provenance v1 predicate (https://slsa.dev/spec/v1.0/provenance): its types, its
 * predicate type and the build types sealkit writes.
 * @module
 */

/** The in-toto predicate type of SLSA Provenance v1. */
export const SLSA_PROVENANCE_V1_PREDICATE_TYPE = 'https://slsa.dev/provenance/v1';

/** The build type GitHub's own artifact attestations use for a GitHub Actions workflow run. */
export const GITHUB_ACTIONS_BUILD_TYPE = 'https://actions.github.io/buildtypes/workflow/v1';

/**
 * The build type of a GitLab CI job as sealkit records it; its fields are described in
 * `docs/provenance.md`.
 */
export const GITLAB_CI_BUILD_TYPE = 'https://sealkit.dev/buildtypes/gitlab-ci/v1';

/**
 * An in-toto ResourceDescriptor: something a build used or produced, named by URI and/or
 * digest (`{ gitCommit: '<hex>' }`, `{ sha256: '<hex>' }`).
 */
export interface ResourceDescriptor {
  uri?: string;
  digest?: Record<string, string>;
  name?: string;
  downloadLocation?: string;
  mediaType?: string;
  /** The resource itself, base64. */
  content?: string;
  annotations?: Record<string, unknown>;
}

/** What the build was asked to do: `buildDefinition` of the predicate. */
export interface SlsaBuildDefinition {
  /** URI naming the template the parameters below follow. */
  buildType: string;
  /** The parameters under the control of whoever started the build (workflow, ref…). */
  externalParameters: Record<string, unknown>;
  /** Parameters set by the build platform itself (ids, runner kind…). */
  internalParameters?: Record<string, unknown>;
  /** The inputs of the build; sealkit puts the source commit first. */
  resolvedDependencies?: ResourceDescriptor[];
}

/** The build platform that ran the build. */
export interface SlsaBuilder {
  /** URI identifying the builder; verifiers trust builders by it. */
  id: string;
  version?: Record<string, string>;
  builderDependencies?: ResourceDescriptor[];
}

/** Facts about this particular run. */
export interface SlsaBuildMetadata {
  /** Identifies this run (e.g. the URL of the CI job). */
  invocationId?: string;
  /** RFC 3339 time the build started. */
  startedOn?: string;
  /** RFC 3339 time the build finished. */
  finishedOn?: string;
}

/** How the build ran: `runDetails` of the predicate. */
export interface SlsaRunDetails {
  builder: SlsaBuilder;
  metadata?: SlsaBuildMetadata;
  byproducts?: ResourceDescriptor[];
}

/** A SLSA Provenance v1 predicate. */
export interface SlsaProvenanceV1Predicate {
  buildDefinition: SlsaBuildDefinition;
  runDetails: SlsaRunDetails;
}
