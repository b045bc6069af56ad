/**
 * `attestProvenance`: SLSA Provenance v1 about build outputs, as an in-toto Statement signed
 * into a Sigstore bundle (DSSE) by the same machinery as every other sealkit signature.
 * @module
 */
import { attachBundle } from '../registry/attach.js';
import {
  isRegistrySubject,
  registryClient,
  resolveRegistrySubject,
  subjectDescriptor,
  subjectDigestSet,
  type RegistryAttachOptions,
  type RegistryAttachment,
  type RegistrySubject,
} from '../registry/subject.js';
import { IN_TOTO_STATEMENT_V1, signPlannedStatement, type InTotoStatement } from '../sign/dsse.js';
import type { SignResult, SigningOptions } from '../sign/sign-options.js';
import { planSigning } from '../sign/signing-plan.js';
import { buildProvenancePredicate, type CiOption, type ProvenanceSource } from './ci/detect.js';
import { signingWorkflowBuilderId } from './ci/github-actions.js';
import type { ExplicitProvenance } from './ci/explicit.js';
import { SLSA_PROVENANCE_V1_PREDICATE_TYPE, type SlsaProvenanceV1Predicate } from './slsa-v1.js';
import { resolveSubjects, type ProvenanceSubject, type SubjectDigestAlgorithm, type SubjectDigests } from './subjects.js';

/** Options of {@link attestProvenance}: how to sign (as `signArtifact`) and what to describe. */
export interface AttestProvenanceOptions extends SigningOptions, RegistryAttachOptions {
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
  /** One per `registry:REF` subject: the image (its manifest digest) and the referrer pushed. */
  registry?: RegistryAttachment[];
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
 * A subject `registry:host/repo[:tag][@sha256:<hex>]` (alone or as `{ artifact, name }`) is the
 * manifest the reference resolves to, named `registry/repository` unless a name is given; the
 * bundle is attached to each such image as an OCI 1.1 referrer (unless `upload` is false).
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
  const { ci, provenance, digestAlgorithms, registry, upload, ...signing } = options;
  const { predicate, source } = buildProvenancePredicate({ ci, provenance, env: signing.env });
  const plan = await planSigning(signing);
  const inRegistry = await resolveRegistrySubjects(subjects, { registry, signal: signing.signal });
  const claims = plan.identity?.claims.raw;
  if (source === 'github-actions' && claims !== undefined) {
    const signer = signingWorkflowBuilderId(signing.env ?? process.env, claims);
    if (signer !== undefined) predicate.runDetails.builder.id = signer;
  }
  const statement: InTotoStatement<SlsaProvenanceV1Predicate> = {
    _type: IN_TOTO_STATEMENT_V1,
    subject: await resolveSubjects(inRegistry.subjects, { digestAlgorithms, signal: signing.signal, onProgress: signing.onProgress }),
    predicateType: SLSA_PROVENANCE_V1_PREDICATE_TYPE,
    predicate,
  };
  const result = await signPlannedStatement(statement, plan, signing);
  if (inRegistry.images.length === 0 || inRegistry.client === undefined) return { ...result, statement, provenanceSource: source };
  const attachments: RegistryAttachment[] = [];
  for (const image of inRegistry.images) {
    attachments.push(
      upload === false
        ? { reference: image.reference.toString(), subject: subjectDescriptor(image) }
        : await attachBundle(inRegistry.client, image, result.bundle),
    );
  }
  return { ...result, statement, provenanceSource: source, registry: attachments };
}

/**
 * Replaces each `registry:REF` subject by `{ name, digest }` of the manifest it resolves to,
 * and keeps those images (once each) to attach the bundle to.
 */
async function resolveRegistrySubjects(
  subjects: ProvenanceSubject | ProvenanceSubject[],
  options: Pick<RegistryAttachOptions, 'registry'> & { signal?: AbortSignal | undefined },
): Promise<{ subjects: ProvenanceSubject[]; images: RegistrySubject[]; client?: ReturnType<typeof registryClient> }> {
  const list = Array.isArray(subjects) ? subjects : [subjects];
  const registryRef = (s: ProvenanceSubject): { ref: string; name?: string } | undefined => {
    if (isRegistrySubject(s)) return { ref: s };
    if (typeof s === 'object' && s !== null && 'artifact' in s && isRegistrySubject(s.artifact)) return { ref: s.artifact, name: s.name };
    return undefined;
  };
  if (!list.some((s) => registryRef(s) !== undefined)) return { subjects: list, images: [] };
  const client = registryClient({ ...options, ...(options.signal ? { signal: options.signal } : {}) });
  const images: RegistrySubject[] = [];
  const resolved: ProvenanceSubject[] = [];
  for (const subject of list) {
    const at = registryRef(subject);
    if (at === undefined) {
      resolved.push(subject);
      continue;
    }
    const image = await resolveRegistrySubject(at.ref, client);
    if (!images.some((i) => i.name === image.name && i.digest === image.digest)) images.push(image);
    resolved.push({ name: at.name ?? image.name, digest: subjectDigestSet(image) as SubjectDigests });
  }
  return { subjects: resolved, images, client };
}
