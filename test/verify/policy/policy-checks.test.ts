/**
 * The caller's policy applied to one verified attestation. The checks read what the
 * certificate proves, and what the provenance claims only where the signature makes the claim
 * the signer's own.
 */
import { describe, expect, it } from 'vitest';
import { verifySlsaLevel } from '../../../src/verify/index.js';
import { policyChecks } from '../../../src/verify/policy/policy-checks.js';
import { normalizePolicy } from '../../../src/verify/policy/verification-policy.js';
import { BuilderTable } from '../../../src/verify/provenance/builders.js';
import type { ProvenanceSummary } from '../../../src/verify/provenance/parse-provenance.js';
import type { VerifiedSigner } from '../../../src/verify/verify-signature.js';
import { caseArtifact, caseBundlePath, checkOf, failedIds, provenanceCase } from '../support/corpus.js';
import { dsseBundle, newKey, sha256, statement } from '../support/crafted-bundles.js';
import { GITHUB_ISSUER, WORKFLOW, certificateSigner, provenanceSummary } from '../support/summaries.js';

const GENERIC = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml';

const provenance = (overrides: Partial<ProvenanceSummary> = {}) =>
  provenanceSummary(WORKFLOW, { buildType: 'https://example.com/build/v1', ...overrides });

function run(policy: Parameters<typeof normalizePolicy>[0], signer: VerifiedSigner, summary: ProvenanceSummary | undefined) {
  const normalized = normalizePolicy(policy, 0);
  return policyChecks(normalized, signer, summary, new BuilderTable(normalized.builderIds), 'test');
}

const byId = (checks: ReturnType<typeof run>) => Object.fromEntries(checks.map((c) => [c.id, c.passed]));

describe('builder.id: the builder the policy requires must have signed, not merely be named', () => {
  it('a provenance naming a trusted builder, signed by another workflow, fails builder.id', () => {
    const checks = run({ sourceRepository: 'github.com/acme/widget', builderIds: [GENERIC] }, certificateSigner(), provenance({ builderId: `${GENERIC}@refs/tags/v2.1.0` }));
    expect(byId(checks)['builder.id']).toBe(false);
    expect(checks.find((c) => c.id === 'builder.id')!.detail).toContain(`but ${WORKFLOW} signed it`);
  });

  it('the same claim signed by that builder at a release tag passes', () => {
    const signer = certificateSigner({ subject: `${GENERIC}@refs/tags/v2.1.0`, buildSignerUri: `${GENERIC}@refs/tags/v2.1.0` });
    const checks = run({ sourceRepository: 'github.com/acme/widget', builderIds: [GENERIC] }, signer, provenance({ builderId: `${GENERIC}@refs/tags/v2.1.0` }));
    expect(byId(checks)['builder.id']).toBe(true);
  });

  it("a caller's builder in builderIds that signed its own provenance passes; another ref of it does not", () => {
    const own = 'https://github.com/acme/build-tools/.github/workflows/build.yml';
    const signer = certificateSigner({ subject: `${own}@refs/tags/v1`, buildSignerUri: `${own}@refs/tags/v1` });
    expect(byId(run({ sourceRepository: 'github.com/acme/widget', builderIds: [own] }, signer, provenance({ builderId: `${own}@refs/tags/v1` })))['builder.id']).toBe(true);
    expect(byId(run({ sourceRepository: 'github.com/acme/widget', builderIds: [`${own}@refs/tags/v2`] }, signer, provenance({ builderId: `${own}@refs/tags/v1` })))['builder.id']).toBe(false);
  });

  it('a key-signed provenance cannot prove its builder', () => {
    const checks = run({ builderIds: [GENERIC] }, { kind: 'key', keyId: 'k' }, provenance({ builderId: `${GENERIC}@refs/tags/v2.1.0` }));
    expect(byId(checks)['builder.id']).toBe(false);
  });

  it('real bundle: a workflow outside the builder re-signed a statement naming publish-to-bcr; builderIds naming that builder fail', async () => {
    const c = provenanceCase('gh-attest-bcr-forged-signer');
    const result = await verifySlsaLevel(caseArtifact(c), {
      attestations: caseBundlePath(c),
      certificateIdentity: c.certificate.san,
      certificateIssuer: GITHUB_ISSUER,
      builderIds: ['https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml'],
    });
    expect(result.verified).toBe(false);
    expect(checkOf(result, 'builder.id').passed).toBe(false);
    expect(failedIds(result)).toContain('builder.bound');
  });

  it('real bundle: a key-signed provenance claiming slsa-github-generator with builderIds fails builder.id', async () => {
    const key = newKey();
    const artifact = Buffer.from('x');
    const claim = statement([{ digest: { sha256: sha256(artifact) } }], 'https://slsa.dev/provenance/v1', {
      buildDefinition: { buildType: 'https://example.com/b', externalParameters: {} },
      runDetails: { builder: { id: `${GENERIC}@refs/tags/v2.1.0` } },
    });
    const result = await verifySlsaLevel(artifact, { attestations: dsseBundle(claim, key), publicKeys: [key.pem], builderIds: [GENERIC] });
    expect(result.verified).toBe(false);
    expect(checkOf(result, 'builder.id').passed).toBe(false);
  });
});

describe('identity', () => {
  it('nothing to expect: identity.policy and identity.issuer fail', () => {
    expect(byId(run({}, certificateSigner(), provenance()))).toEqual({ 'identity.policy': false, 'identity.issuer': false });
  });

  it('an exact identity: equal only, no prefix, no case folding', () => {
    expect(byId(run({ certificateIdentity: WORKFLOW, certificateIssuer: GITHUB_ISSUER }, certificateSigner(), undefined))).toEqual({ 'identity.subject': true, 'identity.issuer': true });
    for (const other of [WORKFLOW.slice(0, -1), `${WORKFLOW}x`, WORKFLOW.toUpperCase(), ` ${WORKFLOW}x `]) {
      expect(byId(run({ certificateIdentity: other, certificateIssuer: GITHUB_ISSUER }, certificateSigner(), undefined))['identity.subject'], other).toBe(false);
    }
  });

  it('the issuer must be equal: no prefix, no trailing slash', () => {
    for (const issuer of [`${GITHUB_ISSUER}/`, 'https://token.actions.githubusercontent.co', 'http://token.actions.githubusercontent.com']) {
      expect(byId(run({ certificateIdentity: WORKFLOW, certificateIssuer: issuer }, certificateSigner(), undefined))['identity.issuer'], issuer).toBe(false);
    }
    expect(byId(run({ certificateIdentity: WORKFLOW, certificateIssuer: GITHUB_ISSUER }, certificateSigner({ issuer: undefined }), undefined))['identity.issuer']).toBe(false);
  });

  it('a key signer gets no identity checks here (the verdict requires them elsewhere)', () => {
    expect(byId(run({ certificateIdentity: WORKFLOW }, { kind: 'key', keyId: 'k' }, undefined))).toEqual({});
  });
});

describe('source', () => {
  it('certificate-signed: the certificate must state the source; an e-mail identity cannot', () => {
    const email = certificateSigner({ subject: 'dev@acme.example', sourceRepositoryUri: undefined, sourceRepositoryRef: undefined, buildSignerUri: undefined });
    const checks = run({ sourceRepository: 'github.com/acme/widget', sourceRef: 'refs/heads/main', certificateIssuer: 'https://accounts.example' }, email, provenance());
    expect(byId(checks)['source.repository']).toBe(false);
    expect(byId(checks)['source.ref']).toBe(false);
    expect(checks.find((c) => c.id === 'source.repository')!.detail).toBe('the certificate does not record the source repository, so github.com/acme/widget is not proven');
  });

  it('certificate and provenance must both say the required source', () => {
    const checks = run({ sourceRepository: 'github.com/acme/widget' }, certificateSigner(), provenance({ source: { repository: 'https://github.com/acme/other', ref: 'refs/heads/main' } }));
    expect(byId(checks)['source.repository']).toBe(false);
    expect(checks.find((c) => c.id === 'source.repository')!.detail).toBe('the provenance says the source repository is https://github.com/acme/other, not github.com/acme/widget');
    const cert = run({ sourceRepository: 'github.com/acme/widget' }, certificateSigner({ sourceRepositoryUri: 'https://github.com/evil/widget' }), provenance());
    expect(byId(cert)['source.repository']).toBe(false);
  });

  it('certificate-signed, not provenance: the certificate alone decides', () => {
    expect(byId(run({ sourceRepository: 'github.com/acme/widget', sourceRef: 'refs/heads/main' }, certificateSigner(), undefined))).toMatchObject({ 'source.repository': true, 'source.ref': true });
  });

  it('key-signed: the provenance of the trusted key decides; without provenance nothing is stated', () => {
    const key: VerifiedSigner = { kind: 'key', keyId: 'k' };
    expect(byId(run({ sourceRepository: 'github.com/acme/widget', sourceRef: 'refs/heads/main' }, key, provenance()))).toEqual({ 'source.repository': true, 'source.ref': true });
    const none = run({ sourceRepository: 'github.com/acme/widget' }, key, undefined);
    expect(none).toEqual([expect.objectContaining({ id: 'source.repository', passed: false, detail: 'the attestation does not state its source repository; the policy requires github.com/acme/widget' })]);
  });

  it('the ref is compared exactly', () => {
    for (const ref of ['refs/heads/mai', 'refs/heads/main/x', 'refs/heads/MAIN', 'refs/tags/main']) {
      expect(byId(run({ sourceRepository: 'github.com/acme/widget', sourceRef: ref }, certificateSigner(), provenance()))['source.ref'], ref).toBe(false);
    }
  });
});
