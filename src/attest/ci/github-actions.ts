/**
 * GitHub Actions: the predicate GitHub's own artifact attestations carry (build type
 * `https://actions.github.io/buildtypes/workflow/v1`), filled in from the variables GitHub
 * sets in every job. GitHub Enterprise works through `GITHUB_SERVER_URL`.
 * @module
 */
import { GITHUB_ACTIONS_BUILD_TYPE, type SlsaProvenanceV1Predicate } from '../slsa-v1.js';
import { commitVariable, malformedVariable, requireVariables, urlVariable } from './ci-variables.js';

/** The variables {@link githubActionsProvenance} reads; each one is required. */
export const GITHUB_ACTIONS_VARIABLES = [
  'GITHUB_SERVER_URL',
  'GITHUB_REPOSITORY',
  'GITHUB_REPOSITORY_ID',
  'GITHUB_REPOSITORY_OWNER_ID',
  'GITHUB_WORKFLOW_REF',
  'GITHUB_REF',
  'GITHUB_SHA',
  'GITHUB_EVENT_NAME',
  'GITHUB_RUN_ID',
  'GITHUB_RUN_ATTEMPT',
  'RUNNER_ENVIRONMENT',
] as const;

/** The parts of `GITHUB_WORKFLOW_REF` (`owner/repo/.github/workflows/release.yml@refs/heads/main`). */
export interface WorkflowRef {
  /** `owner/repo`. */
  repository: string;
  /** `.github/workflows/release.yml`. */
  path: string;
  /** `refs/heads/main`. */
  ref: string;
}

/** Splits a workflow ref into repository, file path and git ref; undefined when it is not one. */
export function parseWorkflowRef(workflowRef: string): WorkflowRef | undefined {
  const pathStart = workflowRef.indexOf('/.github/');
  const refStart = workflowRef.lastIndexOf('@');
  if (pathStart <= 0 || refStart <= pathStart + '/.github/'.length) return undefined;
  const ref = workflowRef.slice(refStart + 1);
  if (ref === '') return undefined;
  return { repository: workflowRef.slice(0, pathStart), path: workflowRef.slice(pathStart + 1, refStart), ref };
}

/**
 * The SLSA v1 predicate of the running GitHub Actions job, from `env`:
 *
 * - `buildDefinition.externalParameters.workflow`: `{ ref, repository, path }` of the workflow
 *   (from `GITHUB_WORKFLOW_REF`, with `GITHUB_SERVER_URL`);
 * - `internalParameters.github`: `event_name`, `repository_id`, `repository_owner_id`,
 *   `runner_environment`;
 * - `resolvedDependencies[0]`: `git+<server>/<repo>@<GITHUB_REF>` at commit `GITHUB_SHA`;
 * - `runDetails.builder.id`: `<server>/<GITHUB_WORKFLOW_REF>`;
 * - `runDetails.metadata.invocationId`: `<server>/<repo>/actions/runs/<id>/attempts/<attempt>`.
 *
 * @throws {SealkitError} PROVENANCE_ENVIRONMENT_INVALID naming each variable that is missing
 *   or malformed.
 */
export function githubActionsProvenance(env: NodeJS.ProcessEnv): SlsaProvenanceV1Predicate {
  const v = requireVariables(env, GITHUB_ACTIONS_VARIABLES, 'github-actions');
  const server = urlVariable('github-actions', 'GITHUB_SERVER_URL', v.GITHUB_SERVER_URL);
  const workflow = parseWorkflowRef(v.GITHUB_WORKFLOW_REF);
  if (!workflow) {
    throw malformedVariable('github-actions', 'GITHUB_WORKFLOW_REF', v.GITHUB_WORKFLOW_REF, 'OWNER/REPO/.github/workflows/FILE@REF');
  }
  const commit = commitVariable('github-actions', 'GITHUB_SHA', v.GITHUB_SHA);
  for (const name of ['GITHUB_RUN_ID', 'GITHUB_RUN_ATTEMPT'] as const) {
    if (!/^\d+$/.test(v[name])) throw malformedVariable('github-actions', name, v[name], 'a number');
  }
  return {
    buildDefinition: {
      buildType: GITHUB_ACTIONS_BUILD_TYPE,
      externalParameters: {
        workflow: { ref: workflow.ref, repository: `${server}/${workflow.repository}`, path: workflow.path },
      },
      internalParameters: {
        github: {
          event_name: v.GITHUB_EVENT_NAME,
          repository_id: v.GITHUB_REPOSITORY_ID,
          repository_owner_id: v.GITHUB_REPOSITORY_OWNER_ID,
          runner_environment: v.RUNNER_ENVIRONMENT,
        },
      },
      resolvedDependencies: [
        { uri: `git+${server}/${v.GITHUB_REPOSITORY}@${v.GITHUB_REF}`, digest: { gitCommit: commit } },
      ],
    },
    runDetails: {
      builder: { id: `${server}/${v.GITHUB_WORKFLOW_REF}` },
      metadata: {
        invocationId: `${server}/${v.GITHUB_REPOSITORY}/actions/runs/${v.GITHUB_RUN_ID}/attempts/${v.GITHUB_RUN_ATTEMPT}`,
      },
    },
  };
}

/**
 * The workflow that signs, when signing is keyless on GitHub: the token's `job_workflow_ref`,
 * which names a reusable workflow when one runs the job, where the variables only name the
 * workflow that called it. GitHub's own attestations take `builder.id` from this claim; the
 * certificate records it as the Build Signer URI, which is what verifiers bind `builder.id` to.
 * Undefined when the token is not a GitHub Actions token or lacks the claim.
 */
export function signingWorkflowBuilderId(env: NodeJS.ProcessEnv, claims: Readonly<Record<string, unknown>>): string | undefined {
  const issuer = claims.iss;
  const workflowRef = claims.job_workflow_ref;
  if (typeof issuer !== 'string' || !issuer.startsWith('https://token.actions.githubusercontent.com')) return undefined;
  if (typeof workflowRef !== 'string' || parseWorkflowRef(workflowRef) === undefined) return undefined;
  const server = env.GITHUB_SERVER_URL?.replace(/\/+$/, '') || 'https://github.com';
  return `${server}/${workflowRef}`;
}
