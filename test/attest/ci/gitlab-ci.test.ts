import { describe, expect, it } from 'vitest';
import { GITLAB_CI_VARIABLES, gitlabCiProvenance, runnerTags } from '../../../src/attest/ci/gitlab-ci.js';
import { isSealkitError } from '../../../src/errors.js';
import { GITLAB_ENV, fakeIdToken } from '../support/ci-env.js';

describe('gitlabCiProvenance', () => {
  it('fills every field of a branch pipeline', () => {
    expect(gitlabCiProvenance(GITLAB_ENV)).toStrictEqual({
      buildDefinition: {
        buildType: 'https://sealkit.dev/buildtypes/gitlab-ci/v1',
        externalParameters: {
          source: 'https://gitlab.com/acme/platform/widget',
          ref: 'refs/heads/main',
          configPath: '.gitlab-ci.yml',
          entryPoint: 'build',
        },
        internalParameters: {
          gitlab: {
            server_url: 'https://gitlab.com',
            project_id: '4242',
            namespace_id: '77',
            pipeline_id: '1391152406',
            pipeline_source: 'push',
            job_id: '7446098166',
            job_name: 'build',
            runner_id: '12270852',
            runner_description: '3-blue.saas-linux-small-amd64.runners-manager.gitlab.com/default',
            runner_tags: ['gitlab-org', 'saas-linux-small-amd64'],
          },
        },
        resolvedDependencies: [
          {
            uri: 'git+https://gitlab.com/acme/platform/widget@refs/heads/main',
            digest: { gitCommit: '0fffdd6505a3f5f573e34338cb9eac1211bace14' },
          },
        ],
      },
      runDetails: {
        builder: {
          id: 'https://gitlab.com/acme/platform/widget/-/runners/12270852',
          version: { 'gitlab-runner': '18.1.0' },
        },
        metadata: {
          invocationId: 'https://gitlab.com/acme/platform/widget/-/jobs/7446098166',
          startedOn: '2025-06-05T01:33:18Z',
        },
      },
    });
  });

  it('records refs/tags/<tag> in a tag pipeline, in the ref and the source URI', () => {
    const predicate = gitlabCiProvenance({
      ...GITLAB_ENV,
      CI_COMMIT_TAG: 'v1.2.3',
      CI_COMMIT_REF_NAME: 'v1.2.3',
      CI_COMMIT_BRANCH: '',
    });
    expect(predicate.buildDefinition.externalParameters.ref).toBe('refs/tags/v1.2.3');
    expect(predicate.buildDefinition.resolvedDependencies).toStrictEqual([
      { uri: 'git+https://gitlab.com/acme/platform/widget@refs/tags/v1.2.3', digest: { gitCommit: GITLAB_ENV.CI_COMMIT_SHA } },
    ]);
  });

  it('records the source branch of a merge request pipeline as a branch', () => {
    const predicate = gitlabCiProvenance({
      ...GITLAB_ENV,
      CI_PIPELINE_SOURCE: 'merge_request_event',
      CI_COMMIT_REF_NAME: 'feature/faster',
      CI_COMMIT_BRANCH: undefined,
    });
    expect(predicate.buildDefinition.externalParameters.ref).toBe('refs/heads/feature/faster');
    expect(predicate.buildDefinition.resolvedDependencies?.[0]?.uri).toBe('git+https://gitlab.com/acme/platform/widget@refs/heads/feature/faster');
    expect((predicate.buildDefinition.internalParameters?.gitlab as { pipeline_source: string }).pipeline_source).toBe('merge_request_event');
  });

  it('works on a self-managed instance with a custom config path and only the required variables', () => {
    const minimal = Object.fromEntries(GITLAB_CI_VARIABLES.map((name) => [name, GITLAB_ENV[name]]));
    const predicate = gitlabCiProvenance({
      ...minimal,
      CI_SERVER_URL: 'https://gitlab.acme.example:8443',
      CI_PROJECT_URL: 'https://gitlab.acme.example:8443/tools/widget',
      CI_JOB_URL: 'https://gitlab.acme.example:8443/tools/widget/-/jobs/55',
      CI_JOB_ID: '55',
      CI_CONFIG_PATH: 'ci/release.gitlab-ci.yml',
    });
    expect(predicate).toStrictEqual({
      buildDefinition: {
        buildType: 'https://sealkit.dev/buildtypes/gitlab-ci/v1',
        externalParameters: {
          source: 'https://gitlab.acme.example:8443/tools/widget',
          ref: 'refs/heads/main',
          configPath: 'ci/release.gitlab-ci.yml',
          entryPoint: 'build',
        },
        internalParameters: {
          gitlab: {
            server_url: 'https://gitlab.acme.example:8443',
            project_id: '4242',
            pipeline_id: '1391152406',
            pipeline_source: 'push',
            job_id: '55',
            job_name: 'build',
            runner_id: '12270852',
          },
        },
        resolvedDependencies: [
          { uri: 'git+https://gitlab.acme.example:8443/tools/widget@refs/heads/main', digest: { gitCommit: GITLAB_ENV.CI_COMMIT_SHA } },
        ],
      },
      runDetails: {
        builder: { id: 'https://gitlab.acme.example:8443/tools/widget/-/runners/12270852' },
        metadata: { invocationId: 'https://gitlab.acme.example:8443/tools/widget/-/jobs/55' },
      },
    });
  });

  it('defaults the config path to .gitlab-ci.yml', () => {
    const predicate = gitlabCiProvenance({ ...GITLAB_ENV, CI_CONFIG_PATH: undefined });
    expect(predicate.buildDefinition.externalParameters.configPath).toBe('.gitlab-ci.yml');
  });

  it('takes the runner environment from the job ID token Fulcio will certify, and never guesses it', () => {
    const runnerEnvironment = (env: NodeJS.ProcessEnv) =>
      (gitlabCiProvenance(env).buildDefinition.internalParameters?.gitlab as { runner_environment?: string }).runner_environment;
    expect(runnerEnvironment({ ...GITLAB_ENV, SIGSTORE_ID_TOKEN: fakeIdToken({ runner_environment: 'gitlab-hosted' }) })).toBe('gitlab-hosted');
    expect(runnerEnvironment({ ...GITLAB_ENV, SIGSTORE_ID_TOKEN: fakeIdToken({ runner_environment: 'self-hosted' }) })).toBe('self-hosted');
    expect(runnerEnvironment({ ...GITLAB_ENV, SIGSTORE_ID_TOKEN: fakeIdToken({ runner_environment: 'moon-hosted' }) })).toBeUndefined();
    expect(runnerEnvironment({ ...GITLAB_ENV, SIGSTORE_ID_TOKEN: 'not-a-jwt' })).toBeUndefined();
    expect(runnerEnvironment(GITLAB_ENV)).toBeUndefined();
  });

  it.each(GITLAB_CI_VARIABLES)('fails naming %s when it is missing', (name) => {
    const env: Record<string, string> = { ...GITLAB_ENV };
    delete env[name];
    let caught: unknown;
    try {
      gitlabCiProvenance(env);
    } catch (error) {
      caught = error;
    }
    expect(isSealkitError(caught, 'PROVENANCE_ENVIRONMENT_INVALID')).toBe(true);
    expect((caught as Error).message).toContain(name);
    expect((caught as { details: { variables: string[] } }).details.variables).toEqual([name]);
  });

  it('refuses malformed variables, naming them', () => {
    for (const [name, value] of [
      ['CI_PROJECT_URL', 'gitlab.com/acme/widget'],
      ['CI_SERVER_URL', 'not a url'],
      ['CI_JOB_URL', 'javascript:alert(1)'],
      ['CI_COMMIT_SHA', '0fffdd65'],
      ['CI_JOB_STARTED_AT', 'yesterday'],
    ] as const) {
      expect(() => gitlabCiProvenance({ ...GITLAB_ENV, [name]: value }), `${name}=${value}`).toThrow(
        expect.objectContaining({ code: 'PROVENANCE_ENVIRONMENT_INVALID', message: expect.stringContaining(name) }),
      );
    }
  });
});

describe('runnerTags', () => {
  it('reads JSON arrays and comma-separated lists, and drops empty ones', () => {
    expect(runnerTags('["docker", "linux"]')).toEqual(['docker', 'linux']);
    expect(runnerTags('docker, linux ,arm64')).toEqual(['docker', 'linux', 'arm64']);
    expect(runnerTags('[docker, linux]')).toEqual(['docker', 'linux']);
    expect(runnerTags('[]')).toBeUndefined();
    expect(runnerTags(undefined)).toBeUndefined();
  });
});
