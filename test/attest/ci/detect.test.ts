import { describe, expect, it } from 'vitest';
import { buildProvenancePredicate, detectCiSystem } from '../../../src/attest/ci/detect.js';
import { isSealkitError, SealkitError, UsageError } from '../../../src/errors.js';
import { GITHUB_ENV, GITLAB_ENV } from '../support/ci-env.js';

const explicit = { buildType: 'https://ci.acme.example/buildtypes/v1', builderId: 'https://ci.acme.example/builder' };

function thrown(fn: () => unknown): SealkitError {
  try {
    fn();
  } catch (error) {
    return error as SealkitError;
  }
  throw new Error('expected a throw');
}

describe('detectCiSystem', () => {
  it('recognises GitHub Actions and GitLab CI by their own markers only', () => {
    expect(detectCiSystem({ GITHUB_ACTIONS: 'true' })).toBe('github-actions');
    expect(detectCiSystem({ GITLAB_CI: 'true' })).toBe('gitlab-ci');
    expect(detectCiSystem({ GITHUB_ACTIONS: 'false', CI: 'true' })).toBeUndefined();
    expect(detectCiSystem({})).toBeUndefined();
    expect(() => detectCiSystem({ GITHUB_ACTIONS: 'true', GITLAB_CI: 'true' })).toThrow(UsageError);
  });
});

describe('buildProvenancePredicate', () => {
  it('detects the CI system from env', () => {
    expect(buildProvenancePredicate({ env: GITHUB_ENV })).toMatchObject({
      source: 'github-actions',
      predicate: { buildDefinition: { buildType: 'https://actions.github.io/buildtypes/workflow/v1' } },
    });
    expect(buildProvenancePredicate({ env: GITLAB_ENV, ci: 'auto' })).toMatchObject({
      source: 'gitlab-ci',
      predicate: { buildDefinition: { buildType: 'https://sealkit.dev/buildtypes/gitlab-ci/v1' } },
    });
  });

  it('reads the CI system named by ci even without its marker variable', () => {
    const { GITHUB_ACTIONS: _marker, ...env } = GITHUB_ENV;
    expect(buildProvenancePredicate({ env, ci: 'github-actions' }).source).toBe('github-actions');
    expect(isSealkitError(thrown(() => buildProvenancePredicate({ env: GITLAB_ENV, ci: 'github-actions' })), 'PROVENANCE_ENVIRONMENT_INVALID')).toBe(true);
  });

  it('fails with PROVENANCE_ENVIRONMENT_UNKNOWN in an unknown environment, saying what to do', () => {
    const error = thrown(() => buildProvenancePredicate({ env: { CI: 'true' } }));
    expect(error).toBeInstanceOf(SealkitError);
    expect(error).not.toBeInstanceOf(UsageError);
    expect(error.code).toBe('PROVENANCE_ENVIRONMENT_UNKNOWN');
    expect(error.message).toMatch(/neither GITHUB_ACTIONS nor GITLAB_CI/);
    expect(error.message).toMatch(/explicit provenance/);
    const jenkins = thrown(() => buildProvenancePredicate({ env: { JENKINS_URL: 'https://jenkins.acme.example/' } }));
    expect(jenkins.code).toBe('PROVENANCE_ENVIRONMENT_UNKNOWN');
    expect(jenkins.message).toMatch(/looks like Jenkins/);
  });

  it('reads process.env when no env is given', () => {
    const saved = { ...process.env };
    try {
      for (const key of Object.keys(process.env)) delete process.env[key];
      Object.assign(process.env, GITLAB_ENV);
      expect(buildProvenancePredicate().source).toBe('gitlab-ci');
    } finally {
      for (const key of Object.keys(process.env)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it('uses explicit provenance outside CI, and in CI it wins over detection', () => {
    expect(buildProvenancePredicate({ env: {}, provenance: explicit })).toStrictEqual({
      source: 'explicit',
      predicate: { buildDefinition: { buildType: explicit.buildType, externalParameters: {} }, runDetails: { builder: { id: explicit.builderId } } },
    });
    const inGitHub = buildProvenancePredicate({ env: GITHUB_ENV, provenance: explicit, ci: 'auto' });
    expect(inGitHub.source).toBe('explicit');
    expect(inGitHub.predicate.runDetails.builder.id).toBe(explicit.builderId);
  });

  it('refuses a named CI system together with explicit provenance, and unknown ci values', () => {
    expect(() => buildProvenancePredicate({ env: GITHUB_ENV, provenance: explicit, ci: 'github-actions' })).toThrow(/either ci .* or explicit provenance/);
    expect(() => buildProvenancePredicate({ env: GITHUB_ENV, ci: 'jenkins' as 'auto' })).toThrow(UsageError);
  });
});
