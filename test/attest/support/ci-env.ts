/**
 * The variables of real CI jobs, as the CI systems set them, for provenance tests.
 * @module
 */

/** A job of `.github/workflows/release.yml` on github.com, run by pushing the tag v1.2.3. */
export const GITHUB_ENV = {
  GITHUB_ACTIONS: 'true',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'acme/widget',
  GITHUB_REPOSITORY_ID: '123456789',
  GITHUB_REPOSITORY_OWNER_ID: '987654',
  GITHUB_WORKFLOW_REF: 'acme/widget/.github/workflows/release.yml@refs/tags/v1.2.3',
  GITHUB_REF: 'refs/tags/v1.2.3',
  GITHUB_SHA: '5f1e8c0a7b3d9e2f4a6c8b0d1e3f5a7c9b1d3e5f',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_RUN_ID: '9876543210',
  GITHUB_RUN_ATTEMPT: '2',
  RUNNER_ENVIRONMENT: 'github-hosted',
} as const satisfies Record<string, string>;

/** A job `build` on gitlab.com in a branch pipeline of `main`. */
export const GITLAB_ENV = {
  GITLAB_CI: 'true',
  CI: 'true',
  CI_SERVER_URL: 'https://gitlab.com',
  CI_SERVER_HOST: 'gitlab.com',
  CI_PROJECT_URL: 'https://gitlab.com/acme/platform/widget',
  CI_PROJECT_PATH: 'acme/platform/widget',
  CI_PROJECT_ID: '4242',
  CI_PROJECT_NAMESPACE_ID: '77',
  CI_COMMIT_SHA: '0fffdd6505a3f5f573e34338cb9eac1211bace14',
  CI_COMMIT_REF_NAME: 'main',
  CI_COMMIT_BRANCH: 'main',
  CI_CONFIG_PATH: '.gitlab-ci.yml',
  CI_PIPELINE_ID: '1391152406',
  CI_PIPELINE_SOURCE: 'push',
  CI_JOB_ID: '7446098166',
  CI_JOB_NAME: 'build',
  CI_JOB_URL: 'https://gitlab.com/acme/platform/widget/-/jobs/7446098166',
  CI_JOB_STARTED_AT: '2025-06-05T01:33:18Z',
  CI_RUNNER_ID: '12270852',
  CI_RUNNER_DESCRIPTION: '3-blue.saas-linux-small-amd64.runners-manager.gitlab.com/default',
  CI_RUNNER_TAGS: '["gitlab-org", "saas-linux-small-amd64"]',
  CI_RUNNER_VERSION: '18.1.0',
} as const satisfies Record<string, string>;

/** An unsigned JWT-shaped token with `claims`, as GitLab puts an `id_tokens` entry in a variable. */
export function fakeIdToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}
