/**
 * `attestProvenance`: SLSA Provenance v1 about build outputs, as an in-toto Statement signed
 * into a Sigstore bundle (DSSE) by the same machinery as every other sealkit signature.
 * @module
 */
import { IN_TOTO_STATEMENT_V1, signPlannedStatement, type InTotoStatement } from '../sign/dsse.js';
import type { SignResult, SigningOptions } from '../sign/sign-options.js';
import { planSigning } from '../sign/signing-plan.js';
import { buildProvenancePredicate, type CiOption, type ProvenanceSource } from './ci/detect.js';
import { signingWorkflowBuilderId } from './ci/github-actions.js';
import type { ExplicitProvenance } from './ci/explicit.js';
import { SLSA_PROVENANCE_V1_PREDICATE_TYPE, type SlsaProvenanceV1Predicate } from './slsa-v1.js';
import { resolveSubjects, type ProvenanceSubject, type SubjectDigestAlgorithm } from './subjects.js';

/** Options of {@link attestProvenance}: how to sign (as `signArtifact`) and what to describe. */
export interface AttestProvenanceOptions extends SigningOptions {
  /**
   * The CI system whose variables fill the predicate. Default `auto`: GitHub Actions when
   * `GITHUB_ACTIONS=true`, GitLab CI when `GITLAB_CI=true` (read from `env`, default
   * `process.env`). Cannot be combined with `provenance`.
   */
  ci?: CiOption;
  /**
   * The predicate's fields, given explicitly (other CI systems, tests). When given, no CI
   * variable is read, whatever the environment.
   */
  provenance?: ExplicitProvenance;
  /**
   * Digests recorded for the artifacts that are read: `['sha256']` (default), `['sha512']`
   * (as npm does) or both. Subjects given as digests keep the digests they were given.
   */
  digestAlgorithms?: SubjectDigestAlgorithm[];
}

/** What {@link attestProvenance} returns: the signing result and the statement it signed. */
export interface AttestProvenanceResult extends SignResult {
  /** The in-toto Statement v1 in the bundle's DSSE envelope. */
  statement: InTotoStatement<SlsaProvenanceV1Predicate>;
  /** Where the predicate came from: `github-actions`, `gitlab-ci` or `explicit`. */
  provenanceSource: ProvenanceSource;
}

/**
 * Builds an in-toto Statement v1 whose subjects are `subjects` and whose predicate is SLSA
 * Provenance v1 (`https://slsa.dev/provenance/v1`) describing the running build, and signs it
 * into a Sigstore bundle v0.3 (DSSE envelope): keyless or with a key, with the same options as
 * {@link signArtifact}.
 *
 * The predicate comes from `options.provenance` when given, else from the variables of the
 * CI system (`options.ci`, detected by default): on GitHub Actions it has the shape of
 * GitHub's own artifact attestations; on GitLab CI the shape described in
 * `docs/provenance.md`. The predicate, the subjects, the key or the identity token are all
 * checked before anything is read, and files and streams are read once, streaming. Keyless on
 * GitHub Actions, `builder.id` is the workflow that signs (the token's `job_workflow_ref`,
 * a reusable workflow when one runs the job), as in GitHub's own attestations.
 *
 * @throws {SealkitError} PROVENANCE_ENVIRONMENT_UNKNOWN outside a known CI without
 *   `provenance`; PROVENANCE_ENVIRONMENT_INVALID when a CI variable is missing or malformed;
 *   INVALID_ARGUMENT for subjects without a name, malformed digests or explicit fields;
 *   ARTIFACT_UNREADABLE; and every signing error of `signStatement`.
 */
export async function attestProvenance(
  subjects: ProvenanceSubject | ProvenanceSubject[],
  options: AttestProvenanceOptions = {},
): Promise<AttestProvenanceResult> {
  const { ci, provenance, digestAlgorithms, ...signing } = options;
  const { predicate, source } = buildProvenancePredicate({ ci, provenance, env: signing.env });
  const plan = await planSigning(signing);
  const claims = plan.identity?.claims.raw;
  if (source === 'github-actions' && claims !== undefined) {
    const signer = signingWorkflowBuilderId(signing.env ?? process.env, claims);
    if (signer !== undefined) predicate.runDetails.builder.id = signer;
  }
  const statement: InTotoStatement<SlsaProvenanceV1Predicate> = {
    _type: IN_TOTO_STATEMENT_V1,
    subject: await resolveSubjects(subjects, { digestAlgorithms, signal: signing.signal, onProgress: signing.onProgress }),
    predicateType: SLSA_PROVENANCE_V1_PREDICATE_TYPE,
    predicate,
  };
  const result = await signPlannedStatement(statement, plan, signing);
  return { ...result, statement, provenanceSource: source };
}
