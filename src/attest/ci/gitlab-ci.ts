/**
 * GitLab CI: a predicate of build type `https://sealkit.dev/buildtypes/gitlab-ci/v1`, filled
 * in from the `CI_*` variables GitLab sets in every job. Where it overlaps with what Fulcio
 * certifies for a GitLab identity token, it says the same: the project URL
 * (SourceRepositoryURI), the full git ref (SourceRepositoryRef), the commit
 * (SourceRepositoryDigest), the pipeline source (BuildTrigger), the job URL
 * (RunInvocationURI) and the runner environment. The builder id and the entry point follow
 * GitLab Runner's own provenance (`<project>/-/runners/<id>`, the job name).
 * @module
 */
import { GITLAB_CI_BUILD_TYPE, type SlsaProvenanceV1Predicate } from '../slsa-v1.js';
import { commitVariable, malformedVariable, optionalVariable, requireVariables, urlVariable } from './ci-variables.js';

/** The variables {@link gitlabCiProvenance} requires. */
export const GITLAB_CI_VARIABLES = [
  'CI_SERVER_URL',
  'CI_PROJECT_URL',
  'CI_PROJECT_ID',
  'CI_COMMIT_SHA',
  'CI_COMMIT_REF_NAME',
  'CI_PIPELINE_ID',
  'CI_PIPELINE_SOURCE',
  'CI_JOB_ID',
  'CI_JOB_NAME',
  'CI_JOB_URL',
  'CI_RUNNER_ID',
] as const;

/**
 * The variables {@link gitlabCiProvenance} reads when they are set: `CI_COMMIT_TAG` (a tag
 * pipeline), `CI_CONFIG_PATH` (default `.gitlab-ci.yml`), and details of the project, runner
 * and job.
 */
export const GITLAB_CI_OPTIONAL_VARIABLES = [
  'CI_COMMIT_TAG',
  'CI_CONFIG_PATH',
  'CI_PROJECT_NAMESPACE_ID',
  'CI_RUNNER_DESCRIPTION',
  'CI_RUNNER_TAGS',
  'CI_RUNNER_VERSION',
  'CI_JOB_STARTED_AT',
  'SIGSTORE_ID_TOKEN',
] as const;

/** Where GitLab looks for the pipeline configuration unless the project says otherwise. */
export const DEFAULT_GITLAB_CONFIG_PATH = '.gitlab-ci.yml';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * The SLSA v1 predicate of the running GitLab CI job, from `env`:
 *
 * - `externalParameters`: `source` (`CI_PROJECT_URL`), `ref` (`refs/tags/<CI_COMMIT_TAG>`
 *   in a tag pipeline, else `refs/heads/<CI_COMMIT_REF_NAME>`), `configPath`
 *   (`CI_CONFIG_PATH`, default `.gitlab-ci.yml`), `entryPoint` (`CI_JOB_NAME`);
 * - `internalParameters.gitlab`: server URL, project and namespace ids, pipeline id and
 *   source, job id and name, runner id, description, tags and environment where known;
 * - `resolvedDependencies[0]`: `git+<CI_PROJECT_URL>@<ref>` at commit `CI_COMMIT_SHA`;
 * - `runDetails.builder.id`: `<CI_PROJECT_URL>/-/runners/<CI_RUNNER_ID>`, with the runner
 *   version when GitLab gives it;
 * - `runDetails.metadata`: `invocationId` = `CI_JOB_URL`, `startedOn` = `CI_JOB_STARTED_AT`.
 *
 * @throws {SealkitError} PROVENANCE_ENVIRONMENT_INVALID naming each variable that is missing
 *   or malformed.
 */
export function gitlabCiProvenance(env: NodeJS.ProcessEnv): SlsaProvenanceV1Predicate {
  const v = requireVariables(env, GITLAB_CI_VARIABLES, 'gitlab-ci');
  const server = urlVariable('gitlab-ci', 'CI_SERVER_URL', v.CI_SERVER_URL);
  const project = urlVariable('gitlab-ci', 'CI_PROJECT_URL', v.CI_PROJECT_URL);
  const jobUrl = urlVariable('gitlab-ci', 'CI_JOB_URL', v.CI_JOB_URL);
  const commit = commitVariable('gitlab-ci', 'CI_COMMIT_SHA', v.CI_COMMIT_SHA);
  const tag = optionalVariable(env, 'CI_COMMIT_TAG');
  // The full ref, as Fulcio records SourceRepositoryRef: a tag pipeline builds the tag.
  const ref = tag === undefined ? `refs/heads/${v.CI_COMMIT_REF_NAME}` : `refs/tags/${tag}`;
  const configPath = optionalVariable(env, 'CI_CONFIG_PATH') ?? DEFAULT_GITLAB_CONFIG_PATH;

  const gitlab: Record<string, unknown> = {
    server_url: server,
    project_id: v.CI_PROJECT_ID,
    namespace_id: optionalVariable(env, 'CI_PROJECT_NAMESPACE_ID'),
    pipeline_id: v.CI_PIPELINE_ID,
    pipeline_source: v.CI_PIPELINE_SOURCE,
    job_id: v.CI_JOB_ID,
    job_name: v.CI_JOB_NAME,
    runner_id: v.CI_RUNNER_ID,
    runner_description: optionalVariable(env, 'CI_RUNNER_DESCRIPTION'),
    runner_tags: runnerTags(optionalVariable(env, 'CI_RUNNER_TAGS')),
    runner_environment: runnerEnvironment(optionalVariable(env, 'SIGSTORE_ID_TOKEN')),
  };
  for (const [key, value] of Object.entries(gitlab)) if (value === undefined) delete gitlab[key];

  const startedOn = optionalVariable(env, 'CI_JOB_STARTED_AT');
  if (startedOn !== undefined && !RFC3339.test(startedOn)) {
    throw malformedVariable('gitlab-ci', 'CI_JOB_STARTED_AT', startedOn, 'an RFC 3339 time');
  }
  const runnerVersion = optionalVariable(env, 'CI_RUNNER_VERSION');

  return {
    buildDefinition: {
      buildType: GITLAB_CI_BUILD_TYPE,
      externalParameters: { source: project, ref, configPath, entryPoint: v.CI_JOB_NAME },
      internalParameters: { gitlab },
      resolvedDependencies: [{ uri: `git+${project}@${ref}`, digest: { gitCommit: commit } }],
    },
    runDetails: {
      builder: {
        id: `${project}/-/runners/${v.CI_RUNNER_ID}`,
        ...(runnerVersion === undefined ? {} : { version: { 'gitlab-runner': runnerVersion } }),
      },
      metadata: { invocationId: jobUrl, ...(startedOn === undefined ? {} : { startedOn }) },
    },
  };
}

/**
 * `CI_RUNNER_TAGS`: a JSON array (`["docker", "linux"]`) in current GitLab, a comma-separated
 * list in older versions. Undefined when there are none.
 */
export function runnerTags(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  let tags: string[] | undefined;
  if (value.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed)) tags = parsed.map(String);
    } catch {
      tags = undefined;
    }
  }
  tags ??= value.replace(/^\[|\]$/g, '').split(',');
  const cleaned = tags.map((tag) => tag.trim().replace(/^"|"$/g, '').trim()).filter((tag) => tag !== '');
  return cleaned.length > 0 ? cleaned : undefined;
}

/**
 * GitLab states whether a runner is GitLab-hosted or self-hosted only in the job's ID tokens
 * (the `runner_environment` claim Fulcio certifies). When the job has a `SIGSTORE_ID_TOKEN`,
 * its claim is read; otherwise the field is left out rather than guessed.
 */
function runnerEnvironment(token: string | undefined): string | undefined {
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { runner_environment?: unknown };
    const value = claims.runner_environment;
    return value === 'gitlab-hosted' || value === 'self-hosted' ? value : undefined;
  } catch {
    return undefined;
  }
}
