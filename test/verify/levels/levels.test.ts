/**
 * The SLSA level checks on their own: hosted platform (L2), certificate agreement (L2),
 * builder trust and binding (L3), for certificate identities built here field by field.
 */
import { describe, expect, it } from 'vitest';
import { builderChecks } from '../../../src/verify/levels/builder-trust.js';
import { certificateAgreementCheck } from '../../../src/verify/levels/certificate-agreement.js';
import { hostedPlatformCheck } from '../../../src/verify/levels/hosted-platform.js';
import { BuilderTable } from '../../../src/verify/provenance/builders.js';
import type { ProvenanceSummary } from '../../../src/verify/provenance/parse-provenance.js';
import type { CertificateIdentity } from '../../../src/verify/certificate-identity.js';
import type { VerifiedSigner } from '../../../src/verify/verify-signature.js';
import { COMMIT, WORKFLOW, certificateSigner, provenanceSummary } from '../support/summaries.js';

const GENERATOR = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/';
const signer = certificateSigner;
const provenance = (overrides: Partial<ProvenanceSummary> = {}) => provenanceSummary('https://github.com/actions/runner/github-hosted', overrides);

const KEY: VerifiedSigner = { kind: 'key', keyId: 'k' };

describe('platform.hosted', () => {
  it('GitHub with a github-hosted runner, GitLab.com with a gitlab-hosted one', () => {
    expect(hostedPlatformCheck(signer(), 's')).toMatchObject({ id: 'platform.hosted', passed: true, level: 2 });
    expect(hostedPlatformCheck(signer({ issuer: 'https://gitlab.com', runnerEnvironment: 'gitlab-hosted' }), 's').passed).toBe(true);
  });

  it.each<[string, Partial<CertificateIdentity>, string]>([
    ['a self-hosted runner', { runnerEnvironment: 'self-hosted' }, 'with a self-hosted runner, not github-hosted'],
    ["GitLab's runner name on GitHub", { runnerEnvironment: 'gitlab-hosted' }, 'not github-hosted'],
    ['no runner environment', { runnerEnvironment: undefined }, 'does not record the runner environment'],
    ['an unknown issuer', { issuer: 'https://token.actions.githubusercontent.com/acme' }, 'is not a known hosted build platform'],
    ['no issuer', { issuer: undefined }, 'the issuer (none)'],
    ['a self-managed GitLab', { issuer: 'https://gitlab.example.com', runnerEnvironment: 'gitlab-hosted' }, 'is not a known hosted build platform'],
  ])('%s: fails', (_name, overrides, detail) => {
    const result = hostedPlatformCheck(signer(overrides), 's');
    expect(result.passed).toBe(false);
    expect(result.detail).toContain(detail);
  });

  it('a key proves no platform', () => {
    expect(hostedPlatformCheck(KEY, 's').passed).toBe(false);
  });
});

describe('provenance.certificate', () => {
  it('agreement on repository (any spelling), ref, commit (any case) and build configuration', () => {
    const result = certificateAgreementCheck(signer(), provenance({ source: { repository: 'git+https://github.com/acme/widget.git', ref: 'refs/heads/main', commit: COMMIT.toUpperCase() } }), 's');
    expect(result).toMatchObject({ passed: true, level: 2 });
  });

  it.each<[string, Partial<CertificateIdentity>, Partial<ProvenanceSummary>, string]>([
    ['another repository', {}, { source: { repository: 'https://github.com/acme/other', ref: 'refs/heads/main', commit: COMMIT } }, 'source repository: the certificate says https://github.com/acme/widget'],
    ['a repository differing in case', {}, { source: { repository: 'https://github.com/Acme/widget', ref: 'refs/heads/main', commit: COMMIT } }, 'source repository'],
    ['another ref', {}, { source: { repository: 'https://github.com/acme/widget', ref: 'refs/heads/dev', commit: COMMIT } }, 'ref: the certificate says refs/heads/main'],
    ['another commit', {}, { source: { repository: 'https://github.com/acme/widget', ref: 'refs/heads/main', commit: 'b'.repeat(40) } }, 'commit'],
    ['another workflow', {}, { buildConfig: 'https://github.com/acme/widget/.github/workflows/other.yml@refs/heads/main' }, 'build configuration'],
    ['the workflow at another ref', {}, { buildConfig: 'https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/dev' }, 'build configuration'],
    ['a provenance that does not state the commit', {}, { source: { repository: 'https://github.com/acme/widget', ref: 'refs/heads/main' } }, 'the provenance does not state the commit'],
    ['a provenance with no build configuration', {}, { buildConfig: undefined }, 'the provenance does not state the build configuration'],
    ['a certificate without the source', { sourceRepositoryUri: undefined }, {}, 'the certificate does not record the source repository'],
    ['a certificate without the Build Config URI', { buildConfigUri: undefined }, {}, 'the certificate does not record the build configuration'],
  ])('%s: fails', (_name, certificate, summary, detail) => {
    const result = certificateAgreementCheck(signer(certificate), provenance(summary), 's');
    expect(result.passed).toBe(false);
    expect(result.detail).toContain(detail);
  });

  it('a legacy certificate: its SAN stands for the build configuration', () => {
    const legacy = signer({ buildConfigUri: undefined, legacyExtensionsOnly: true });
    expect(certificateAgreementCheck(legacy, provenance(), 's').passed).toBe(true);
    expect(certificateAgreementCheck(legacy, provenance({ buildConfig: 'https://github.com/acme/widget/.github/workflows/other.yml@refs/heads/main' }), 's').passed).toBe(false);
  });

  it('a key has no certificate to agree with', () => {
    expect(certificateAgreementCheck(KEY, provenance(), 's').passed).toBe(false);
  });
});

describe('builder.trusted and builder.bound', () => {
  const table = new BuilderTable([]);
  const ids = (checks: ReturnType<typeof builderChecks>) => Object.fromEntries(checks.map((c) => [c.id, c.passed]));

  it('a generator at a release tag naming itself: trusted and bound', () => {
    const generic = `${GENERATOR}generator_generic_slsa3.yml@refs/tags/v2.1.0`;
    expect(ids(builderChecks(signer({ subject: generic, buildSignerUri: generic }), provenance({ builderId: generic }), table, 's'))).toEqual({ 'builder.trusted': true, 'builder.bound': true });
  });

  it('a generator naming the generator at another tag: trusted, not bound', () => {
    const signed = `${GENERATOR}generator_generic_slsa3.yml@refs/tags/v2.1.0`;
    const claimed = `${GENERATOR}generator_generic_slsa3.yml@refs/tags/v2.0.0`;
    expect(ids(builderChecks(signer({ subject: signed, buildSignerUri: signed }), provenance({ builderId: claimed }), table, 's'))).toEqual({ 'builder.trusted': true, 'builder.bound': false });
  });

  it('a generator naming another builder: trusted, not bound', () => {
    const signed = `${GENERATOR}generator_generic_slsa3.yml@refs/tags/v2.1.0`;
    expect(ids(builderChecks(signer({ subject: signed, buildSignerUri: signed }), provenance({ builderId: `${GENERATOR}builder_go_slsa3.yml@refs/tags/v2.1.0` }), table, 's'))).toEqual({
      'builder.trusted': true,
      'builder.bound': false,
    });
  });

  it("the repository's own workflow claiming the generator: neither", () => {
    expect(ids(builderChecks(signer(), provenance({ builderId: `${GENERATOR}generator_generic_slsa3.yml@refs/tags/v2.1.0` }), table, 's'))).toEqual({
      'builder.trusted': false,
      'builder.bound': false,
    });
  });

  it('a delegator running a trusted builder: trusted and bound; an untrusted builder: bound only', () => {
    const delegator = `${GENERATOR}delegator_lowperms-generic_slsa3.yml@refs/tags/v2.1.0`;
    const s = signer({ subject: delegator, buildSignerUri: delegator });
    expect(ids(builderChecks(s, provenance({ builderId: `${GENERATOR}builder_maven_slsa3.yml@refs/tags/v2.1.0` }), table, 's'))).toEqual({ 'builder.trusted': true, 'builder.bound': true });
    const untrusted = builderChecks(s, provenance({ builderId: 'https://github.com/evil/trw/.github/workflows/b.yml@refs/tags/v1' }), table, 's');
    expect(ids(untrusted)).toEqual({ 'builder.trusted': false, 'builder.bound': true });
    // A delegator does not vouch for a builder running from a branch either.
    expect(ids(builderChecks(s, provenance({ builderId: `${GENERATOR}builder_maven_slsa3.yml@refs/heads/main` }), table, 's'))['builder.trusted']).toBe(false);
  });

  it('a delegator at a branch is not trusted', () => {
    const delegator = `${GENERATOR}delegator_generic_slsa3.yml@refs/heads/main`;
    expect(ids(builderChecks(signer({ subject: delegator, buildSignerUri: delegator }), provenance({ builderId: `${GENERATOR}builder_maven_slsa3.yml@refs/tags/v2.1.0` }), table, 's'))['builder.trusted']).toBe(false);
  });

  it("builder.id must name the signer, whatever the build type: the calling workflow (Build Config URI) is not the builder", () => {
    const own = 'https://github.com/acme/build-tools/.github/workflows/build.yml@refs/tags/v1';
    const trusting = new BuilderTable(['https://github.com/acme/build-tools/.github/workflows/build.yml']);
    const s = signer({ subject: own, buildSignerUri: own });
    for (const buildType of ['https://actions.github.io/buildtypes/workflow/v1', 'https://example.com/other']) {
      expect(ids(builderChecks(s, provenance({ buildType, builderId: own }), trusting, 's')), buildType).toEqual({ 'builder.trusted': true, 'builder.bound': true });
      expect(ids(builderChecks(s, provenance({ buildType, builderId: WORKFLOW }), trusting, 's')), buildType).toEqual({ 'builder.trusted': true, 'builder.bound': false });
    }
  });

  it('a certificate without a Build Signer URI falls back to its SAN', () => {
    const generic = `${GENERATOR}generator_generic_slsa3.yml@refs/tags/v2.1.0`;
    expect(ids(builderChecks(signer({ subject: generic, buildSignerUri: undefined }), provenance({ builderId: generic }), table, 's'))).toEqual({ 'builder.trusted': true, 'builder.bound': true });
  });

  it('a key proves no builder', () => {
    expect(ids(builderChecks(KEY, provenance({ builderId: `${GENERATOR}generator_generic_slsa3.yml@refs/tags/v2.1.0` }), table, 's'))).toEqual({ 'builder.trusted': false, 'builder.bound': false });
  });
});
