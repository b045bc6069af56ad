/**
 * One GitHub Actions job described once, and the two views of it that must agree for SLSA
 * Build L2: the variables GitHub sets in the job (which `attestProvenance` turns into the
 * provenance) and the claims of the OIDC token GitHub gives it (which Fulcio, here
 * `@sigstore/mock`, copies into the certificate). A test breaks one claim by minting the
 * token from a copy of the job with that one field changed.
 *
 * The mock CA certifies the token's `sub` as the SAN, where the real Fulcio certifies
 * `job_workflow_ref`; so `sub` is set to the signing workflow's URI, as the real SAN reads.
 * @module
 */
import { mintIdentityToken } from '../../sign/support/index.js';

/** GitHub Actions' OIDC issuer. */
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
/** The github.com server URL. */
export const GITHUB = 'https://github.com';

/** slsa-github-generator's generic generator (a reusable workflow), without a ref. */
export const GENERIC_GENERATOR = 'slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml';
/** slsa-github-generator's v1 build type for GitHub workflows. */
export const GENERATOR_BUILD_TYPE = 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1';

/** A GitHub Actions job. */
export interface GitHubJob {
  /** `owner/repo`. */
  repository: string;
  repositoryId: string;
  owner: string;
  ownerId: string;
  /** The git ref built, e.g. `refs/heads/main`. */
  ref: string;
  /** The commit built. */
  sha: string;
  /** The top-level workflow file in the repository. */
  workflowPath: string;
  /** The ref the top-level workflow ran at (the ref built, on push). */
  workflowRefName: string;
  /**
   * The workflow that ran the job and signs (`job_workflow_ref`), without `https://github.com/`:
   * the top-level workflow unless a reusable workflow runs the job.
   */
  jobWorkflowRef: string | undefined;
  eventName: string;
  runId: string;
  runAttempt: string;
  runnerEnvironment: string;
  /** The token's issuer. */
  issuer: string;
}

/** `acme/widget`'s release workflow on `main`, on a GitHub-hosted runner. */
export function githubJob(overrides: Partial<GitHubJob> = {}): GitHubJob {
  return {
    repository: 'acme/widget',
    repositoryId: '123456789',
    owner: 'acme',
    ownerId: '987654',
    ref: 'refs/heads/main',
    sha: '5f1e8c0a7b3d9e2f4a6c8b0d1e3f5a7c9b1d3e5f',
    workflowPath: '.github/workflows/release.yml',
    workflowRefName: 'refs/heads/main',
    jobWorkflowRef: undefined,
    eventName: 'push',
    runId: '9876543210',
    runAttempt: '1',
    runnerEnvironment: 'github-hosted',
    issuer: GITHUB_ISSUER,
    ...overrides,
  };
}

/** `owner/repo/.github/workflows/file.yml@ref` of the top-level workflow (GITHUB_WORKFLOW_REF, `workflow_ref`). */
export function workflowRef(job: GitHubJob): string {
  return `${job.repository}/${job.workflowPath}@${job.workflowRefName}`;
}

/** The workflow that signs, as `owner/repo/path@ref` (`job_workflow_ref`). */
export function signerRef(job: GitHubJob): string {
  return job.jobWorkflowRef ?? workflowRef(job);
}

/** The top-level workflow's URI: what the certificate's Build Config URI says. */
export function workflowUri(job: GitHubJob): string {
  return `${GITHUB}/${workflowRef(job)}`;
}

/** The signing workflow's URI: the certificate's SAN and Build Signer URI. */
export function signerUri(job: GitHubJob): string {
  return `${GITHUB}/${signerRef(job)}`;
}

/** The variables GitHub sets in the job, as `attestProvenance` reads them. */
export function githubEnv(job: GitHubJob): Record<string, string> {
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_SERVER_URL: GITHUB,
    GITHUB_REPOSITORY: job.repository,
    GITHUB_REPOSITORY_ID: job.repositoryId,
    GITHUB_REPOSITORY_OWNER: job.owner,
    GITHUB_REPOSITORY_OWNER_ID: job.ownerId,
    GITHUB_REF: job.ref,
    GITHUB_SHA: job.sha,
    GITHUB_WORKFLOW_REF: workflowRef(job),
    GITHUB_EVENT_NAME: job.eventName,
    GITHUB_RUN_ID: job.runId,
    GITHUB_RUN_ATTEMPT: job.runAttempt,
    RUNNER_ENVIRONMENT: job.runnerEnvironment,
  };
}

/** The claims of the job's OIDC token (GitHub's names), besides `iss`, `sub`, `aud` and times. */
export function githubClaims(job: GitHubJob): Record<string, string> {
  return {
    repository: job.repository,
    repository_id: job.repositoryId,
    repository_owner: job.owner,
    repository_owner_id: job.ownerId,
    ref: job.ref,
    sha: job.sha,
    workflow_ref: workflowRef(job),
    job_workflow_ref: signerRef(job),
    event_name: job.eventName,
    run_id: job.runId,
    run_attempt: job.runAttempt,
    runner_environment: job.runnerEnvironment,
  };
}

/** A signed OIDC token for the job, whose `sub` is the signing workflow's URI. */
export function githubToken(job: GitHubJob): string {
  return mintIdentityToken({ issuer: job.issuer, subject: signerUri(job), claims: githubClaims(job) });
}

/**
 * Explicit provenance in slsa-github-generator's shape for `job` (the caller's workflow, its
 * source and commit), claiming `builderId`.
 */
export function generatorProvenance(job: GitHubJob, builderId: string) {
  return {
    buildType: GENERATOR_BUILD_TYPE,
    builderId,
    externalParameters: {
      workflow: { ref: job.workflowRefName, repository: `${GITHUB}/${job.repository}`, path: job.workflowPath },
    },
    internalParameters: {
      GITHUB_EVENT_NAME: job.eventName,
      GITHUB_REF: job.ref,
      GITHUB_REPOSITORY: job.repository,
      GITHUB_SHA: job.sha,
      GITHUB_WORKFLOW_REF: workflowRef(job),
    },
    resolvedDependencies: [{ uri: `git+${GITHUB}/${job.repository}@${job.ref}`, digest: { gitCommit: job.sha } }],
    invocationId: `${GITHUB}/${job.repository}/actions/runs/${job.runId}/attempts/${job.runAttempt}`,
  };
}
