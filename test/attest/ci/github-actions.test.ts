import { describe, expect, it } from 'vitest';
import { GITHUB_ACTIONS_VARIABLES, githubActionsProvenance, parseWorkflowRef } from '../../../src/attest/ci/github-actions.js';
import { isSealkitError } from '../../../src/errors.js';
import { GITHUB_ENV } from '../support/ci-env.js';

describe('githubActionsProvenance', () => {
  it('fills every field as GitHub artifact attestations do', () => {
    expect(githubActionsProvenance(GITHUB_ENV)).toStrictEqual({
      buildDefinition: {
        buildType: 'https://actions.github.io/buildtypes/workflow/v1',
        externalParameters: {
          workflow: {
            ref: 'refs/tags/v1.2.3',
            repository: 'https://github.com/acme/widget',
            path: '.github/workflows/release.yml',
          },
        },
        internalParameters: {
          github: {
            event_name: 'push',
            repository_id: '123456789',
            repository_owner_id: '987654',
            runner_environment: 'github-hosted',
          },
        },
        resolvedDependencies: [
          {
            uri: 'git+https://github.com/acme/widget@refs/tags/v1.2.3',
            digest: { gitCommit: '5f1e8c0a7b3d9e2f4a6c8b0d1e3f5a7c9b1d3e5f' },
          },
        ],
      },
      runDetails: {
        builder: { id: 'https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.2.3' },
        metadata: { invocationId: 'https://github.com/acme/widget/actions/runs/9876543210/attempts/2' },
      },
    });
  });

  it('uses the GitHub Enterprise server URL everywhere a URL is built', () => {
    const env = {
      ...GITHUB_ENV,
      GITHUB_SERVER_URL: 'https://github.acme.example/',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_WORKFLOW_REF: 'acme/widget/.github/workflows/build.yaml@refs/heads/main',
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      RUNNER_ENVIRONMENT: 'self-hosted',
    };
    const predicate = githubActionsProvenance(env);
    expect(predicate.buildDefinition.externalParameters).toStrictEqual({
      workflow: { ref: 'refs/heads/main', repository: 'https://github.acme.example/acme/widget', path: '.github/workflows/build.yaml' },
    });
    expect(predicate.buildDefinition.internalParameters).toStrictEqual({
      github: { event_name: 'workflow_dispatch', repository_id: '123456789', repository_owner_id: '987654', runner_environment: 'self-hosted' },
    });
    expect(predicate.buildDefinition.resolvedDependencies).toStrictEqual([
      { uri: 'git+https://github.acme.example/acme/widget@refs/heads/main', digest: { gitCommit: GITHUB_ENV.GITHUB_SHA } },
    ]);
    expect(predicate.runDetails).toStrictEqual({
      builder: { id: 'https://github.acme.example/acme/widget/.github/workflows/build.yaml@refs/heads/main' },
      metadata: { invocationId: 'https://github.acme.example/acme/widget/actions/runs/9876543210/attempts/2' },
    });
  });

  it('records a pull request merge ref and a lower-cased commit', () => {
    const predicate = githubActionsProvenance({
      ...GITHUB_ENV,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_REF: 'refs/pull/42/merge',
      GITHUB_WORKFLOW_REF: 'acme/widget/.github/workflows/ci.yml@refs/pull/42/merge',
      GITHUB_SHA: GITHUB_ENV.GITHUB_SHA.toUpperCase(),
    });
    expect(predicate.buildDefinition.resolvedDependencies?.[0]).toStrictEqual({
      uri: 'git+https://github.com/acme/widget@refs/pull/42/merge',
      digest: { gitCommit: GITHUB_ENV.GITHUB_SHA },
    });
    expect((predicate.buildDefinition.externalParameters.workflow as { ref: string }).ref).toBe('refs/pull/42/merge');
  });

  it.each(GITHUB_ACTIONS_VARIABLES)('fails naming %s when it is missing, and never returns a predicate', (name) => {
    const env: Record<string, string> = { ...GITHUB_ENV };
    delete env[name];
    let caught: unknown;
    try {
      githubActionsProvenance(env);
    } catch (error) {
      caught = error;
    }
    expect(isSealkitError(caught, 'PROVENANCE_ENVIRONMENT_INVALID')).toBe(true);
    expect((caught as Error).message).toContain(name);
    expect((caught as { details: { variables: string[] } }).details.variables).toEqual([name]);
    // an empty value is as missing as an unset one
    expect(() => githubActionsProvenance({ ...GITHUB_ENV, [name]: '  ' })).toThrow(name);
  });

  it('names every missing variable at once', () => {
    expect(() => githubActionsProvenance({ GITHUB_ACTIONS: 'true', GITHUB_SERVER_URL: 'https://github.com' })).toThrow(
      /GITHUB_REPOSITORY, GITHUB_REPOSITORY_ID, .*RUNNER_ENVIRONMENT are not set/,
    );
  });

  it('refuses malformed variables, naming them', () => {
    for (const [name, value] of [
      ['GITHUB_WORKFLOW_REF', 'release.yml'],
      ['GITHUB_WORKFLOW_REF', 'acme/widget/.github/workflows/release.yml'],
      ['GITHUB_WORKFLOW_REF', 'acme/widget/.github/workflows/release.yml@'],
      ['GITHUB_SERVER_URL', 'github.com'],
      ['GITHUB_SERVER_URL', 'ftp://github.com'],
      ['GITHUB_SHA', 'main'],
      ['GITHUB_RUN_ID', '12/../34'],
      ['GITHUB_RUN_ATTEMPT', 'first'],
    ] as const) {
      expect(() => githubActionsProvenance({ ...GITHUB_ENV, [name]: value }), `${name}=${value}`).toThrow(
        expect.objectContaining({ code: 'PROVENANCE_ENVIRONMENT_INVALID', message: expect.stringContaining(name) }),
      );
    }
  });
});

describe('parseWorkflowRef', () => {
  it('splits repository, path and ref, keeping @ inside the ref out of the path', () => {
    expect(parseWorkflowRef('octo/repo/.github/workflows/main.yml@refs/heads/main')).toEqual({
      repository: 'octo/repo',
      path: '.github/workflows/main.yml',
      ref: 'refs/heads/main',
    });
    expect(parseWorkflowRef('octo/repo/.github/workflows/sub/dir.yml@refs/tags/v1')).toEqual({
      repository: 'octo/repo',
      path: '.github/workflows/sub/dir.yml',
      ref: 'refs/tags/v1',
    });
    expect(parseWorkflowRef('/.github/workflows/x.yml@main')).toBeUndefined();
    expect(parseWorkflowRef('octo/repo/.github/@refs/heads/main')).toBeUndefined();
  });
});
