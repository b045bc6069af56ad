/**
 * SLSA provenance reduced to builder, build type, source and build configuration, for every
 * shape sealkit meets: GitHub's and npm's workflow build types, slsa-github-generator's v1
 * (internalParameters) and container-based (externalParameters.source) ones, sealkit's GitLab
 * build type, SLSA v0.2 configSource, and pre-GA npm's entry point holding the whole workflow ref.
 */
import { describe, expect, it } from 'vitest';
import { gitlabCiProvenance } from '../../../src/attest/ci/gitlab-ci.js';
import { parseBundle } from '../../../src/verify/attestations/parse-bundle.js';
import type { InTotoStatement } from '../../../src/verify/attestations/statement.js';
import { isSlsaProvenance, parseProvenance } from '../../../src/verify/provenance/parse-provenance.js';
import { GITLAB_ENV } from '../../attest/support/ci-env.js';
import { caseBundleJson, provenanceCase, provenanceCases } from '../support/corpus.js';

function statementOf(id: string): InTotoStatement {
  const c = provenanceCase(id);
  let json = caseBundleJson(c);
  if (c.files.bundleFormat === 'npm-attestations-response') json = (json as { attestations: Array<{ bundle: Record<string, unknown> }> }).attestations[0]!.bundle;
  return parseBundle(json).bundle!.statement!;
}

const v1 = (predicate: unknown): InTotoStatement => ({ _type: 'https://in-toto.io/Statement/v1', subject: [], predicateType: 'https://slsa.dev/provenance/v1', predicate });
const v02 = (predicate: unknown): InTotoStatement => ({ _type: 'https://in-toto.io/Statement/v0.1', subject: [], predicateType: 'https://slsa.dev/provenance/v0.2', predicate });

describe('every real fixture reads as cases.json records it', () => {
  it.each(provenanceCases().map((c) => [c.id] as const))('%s', (id) => {
    const c = provenanceCase(id);
    const { provenance, problem } = parseProvenance(statementOf(id));
    expect(problem).toBeUndefined();
    expect(provenance).toMatchObject({
      builderId: c.provenance.builderId,
      source: { repository: c.provenance.sourceRepository, ref: c.provenance.ref, commit: c.provenance.commit },
      buildConfig: c.provenance.buildConfig,
    });
  });
});

describe('shapes', () => {
  it("GitHub's workflow build type (v1): externalParameters.workflow and the git dependency", () => {
    expect(parseProvenance(statementOf('gh-attest-bcr-publish')).provenance).toEqual({
      predicateType: 'https://slsa.dev/provenance/v1',
      builderId: 'https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1',
      buildType: 'https://actions.github.io/buildtypes/workflow/v1',
      source: { repository: 'https://github.com/aspect-build/rules_lint', ref: 'refs/heads/publish-to-bcr', commit: '8f70009fde0c94ade6ce2a054b94718c819126ec' },
      buildConfig: 'https://github.com/aspect-build/rules_lint/.github/workflows/release.yml@refs/heads/publish-to-bcr',
      invocationId: 'https://github.com/aspect-build/rules_lint/actions/runs/14095611671/attempts/1',
    });
  });

  it('slsa-github-generator v1 (BYOB): the source from the git dependency, the configuration from internalParameters.GITHUB_WORKFLOW_REF', () => {
    const { provenance } = parseProvenance(statementOf('byob-maven-v2.1.0'));
    expect(provenance).toMatchObject({
      buildType: 'https://github.com/slsa-framework/slsa-github-generator/delegator-generic@v0',
      source: { repository: 'https://github.com/slsa-framework/example-package', ref: 'refs/tags/v14', commit: '4d329c75e7ec1725f7c9ce917a8799d408d06be3' },
      buildConfig: 'https://github.com/slsa-framework/example-package/.github/workflows/verifier-e2e.all.workflow_dispatch.main.all.slsa3.yml@refs/tags/v14',
    });
  });

  it('the GITHUB_WORKFLOW_REF shape alone, with only GitHub variables', () => {
    const { provenance } = parseProvenance(
      v1({
        buildDefinition: {
          buildType: 'https://github.com/slsa-framework/slsa-github-generator/generic@v1',
          externalParameters: {},
          internalParameters: { GITHUB_REF: 'refs/tags/v1', GITHUB_SHA: 'b'.repeat(40), GITHUB_WORKFLOW_REF: 'acme/widget/.github/workflows/release.yml@refs/tags/v1' },
          resolvedDependencies: [{ uri: 'git+https://github.com/acme/widget' }],
        },
        runDetails: { builder: { id: 'https://example.com/b' } },
      }),
    );
    expect(provenance).toMatchObject({
      source: { repository: 'https://github.com/acme/widget', ref: 'refs/tags/v1', commit: 'b'.repeat(40) },
      buildConfig: 'https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1',
    });
  });

  it('container-based: the source from externalParameters.source (uri and sha1)', () => {
    const { provenance } = parseProvenance(statementOf('slsa-container-based-v2.1.0'));
    expect(provenance).toMatchObject({
      buildType: 'https://slsa.dev/container-based-build/v0.1?draft',
      source: { repository: 'https://github.com/slsa-framework/example-package', ref: 'refs/tags/v14', commit: '4d329c75e7ec1725f7c9ce917a8799d408d06be3' },
    });
  });

  it("sealkit's GitLab build type: source, ref and the pipeline file as GitLab's Build Config URI (with //)", () => {
    const predicate = gitlabCiProvenance(GITLAB_ENV);
    const { provenance } = parseProvenance(v1(predicate));
    expect(provenance).toEqual({
      predicateType: 'https://slsa.dev/provenance/v1',
      builderId: 'https://gitlab.com/acme/platform/widget/-/runners/12270852',
      buildType: 'https://sealkit.dev/buildtypes/gitlab-ci/v1',
      source: { repository: 'https://gitlab.com/acme/platform/widget', ref: 'refs/heads/main', commit: '0fffdd6505a3f5f573e34338cb9eac1211bace14' },
      buildConfig: 'https://gitlab.com/acme/platform/widget//.gitlab-ci.yml@refs/heads/main',
      invocationId: 'https://gitlab.com/acme/platform/widget/-/jobs/7446098166',
    });
  });

  it('the GitLab fields are read only under the GitLab build type', () => {
    const predicate = gitlabCiProvenance(GITLAB_ENV);
    const other = { ...predicate, buildDefinition: { ...predicate.buildDefinition, buildType: 'https://example.com/other' } };
    const { provenance } = parseProvenance(v1(other));
    expect(provenance!.buildConfig).toBeUndefined();
    // The source still comes from the git dependency.
    expect(provenance!.source.repository).toBe('https://gitlab.com/acme/platform/widget');
  });

  it('SLSA v0.2: configSource uri, digest and entry point', () => {
    expect(parseProvenance(statementOf('slsa-generic-v2.1.0')).provenance).toMatchObject({
      predicateType: 'https://slsa.dev/provenance/v0.2',
      buildType: 'https://github.com/slsa-framework/slsa-github-generator/generic@v1',
      source: { repository: 'https://github.com/slsa-framework/example-package', ref: 'refs/tags/v14', commit: '4d329c75e7ec1725f7c9ce917a8799d408d06be3' },
      buildConfig: 'https://github.com/slsa-framework/example-package/.github/workflows/verifier-e2e.all.workflow_dispatch.main.all.slsa3.yml@refs/tags/v14',
    });
  });

  it('pre-GA npm (v0.2): an entry point holding the whole workflow ref with @', () => {
    expect(parseProvenance(statementOf('npm-sigstore-0.4.0-pre-ga')).provenance).toMatchObject({
      builderId: 'https://github.com/npm/cli@9.2.0',
      buildType: 'https://github.com/npm/cli/gha@v0',
      source: { repository: 'https://github.com/sigstore/sigstore-js', ref: 'refs/tags/v0.4.0', commit: '8a2ee2fd20dda58ffa4a8d808a65cb1e04711c03' },
      buildConfig: 'https://github.com/sigstore/sigstore-js/.github/workflows/publish.yml@refs/tags/v0.4.0',
    });
  });

  it('v0.2 without configSource: the source from the materials, the configuration from GITHUB_WORKFLOW_REF', () => {
    const { provenance } = parseProvenance(
      v02({
        builder: { id: 'https://github.com/actions/runner' },
        invocation: { environment: { GITHUB_WORKFLOW_REF: 'acme/widget/.github/workflows/r.yml@refs/heads/main' } },
        materials: [{ uri: 'git+https://github.com/acme/widget@refs/heads/main', digest: { sha1: 'c'.repeat(40) } }],
      }),
    );
    expect(provenance).toMatchObject({
      source: { repository: 'https://github.com/acme/widget', ref: 'refs/heads/main', commit: 'c'.repeat(40) },
      buildConfig: 'https://github.com/acme/widget/.github/workflows/r.yml@refs/heads/main',
    });
  });

  it('the git dependency of the named repository is chosen over an earlier one', () => {
    const { provenance } = parseProvenance(
      v1({
        buildDefinition: {
          buildType: 'x',
          externalParameters: { workflow: { repository: 'https://github.com/acme/widget', path: '.github/workflows/r.yml', ref: 'refs/heads/main' } },
          resolvedDependencies: [
            { uri: 'git+https://github.com/acme/tools@refs/heads/main', digest: { gitCommit: '1'.repeat(40) } },
            { uri: 'git+https://github.com/acme/widget@refs/heads/main', digest: { gitCommit: '2'.repeat(40) } },
          ],
        },
        runDetails: { builder: { id: 'https://example.com/b' } },
      }),
    );
    expect(provenance!.source).toEqual({ repository: 'https://github.com/acme/widget', ref: 'refs/heads/main', commit: '2'.repeat(40) });
  });
});

describe('unreadable provenance', () => {
  it.each<[string, InTotoStatement, string]>([
    ['no predicate', v1(undefined), 'no predicate object'],
    ['a predicate list', v1([]), 'no predicate object'],
    ['v1 without buildDefinition', v1({ runDetails: { builder: { id: 'x' } } }), 'no buildDefinition'],
    ['v1 without a builder id', v1({ buildDefinition: {}, runDetails: { builder: {} } }), 'no runDetails.builder.id'],
    ['v1 with an empty builder id', v1({ buildDefinition: {}, runDetails: { builder: { id: '' } } }), 'no runDetails.builder.id'],
    ['v0.2 without builder.id', v02({ builder: {} }), 'no builder.id'],
    ['v0.2 with a builder id that is not text', v02({ builder: { id: 3 } }), 'no builder.id'],
  ])('%s', (_name, statement, problem) => {
    expect(parseProvenance(statement).problem).toContain(problem);
  });

  it('fields of the wrong type are absent, never guessed', () => {
    const { provenance } = parseProvenance(
      v1({
        buildDefinition: { buildType: 7, externalParameters: { workflow: { repository: 1, path: [], ref: {} } }, resolvedDependencies: 'x' },
        runDetails: { builder: { id: 'https://example.com/b' }, metadata: { invocationId: 5 } },
      }),
    );
    expect(provenance).toEqual({ predicateType: 'https://slsa.dev/provenance/v1', builderId: 'https://example.com/b', buildType: undefined, source: {} });
  });

  it('isSlsaProvenance knows v1 and v0.2 only', () => {
    expect(['https://slsa.dev/provenance/v1', 'https://slsa.dev/provenance/v0.2', 'https://slsa.dev/provenance/v0.1', 'https://slsa.dev/provenance/v1 '].map(isSlsaProvenance)).toEqual([true, true, false, false]);
  });
});
