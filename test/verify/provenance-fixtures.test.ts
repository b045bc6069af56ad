/**
 * Every real provenance fixture (fixtures/provenance/cases.json) through the public API: the
 * level its builder can prove offline against the embedded public-good root, `verified` with a
 * sourceRepository policy, and what sealkit reads from the provenance and the certificate
 * matching what cases.json recorded independently.
 */
import { describe, expect, it } from 'vitest';
import { assertSlsaLevel, verifyBundle, verifySlsaLevel } from '../../src/verify/index.js';
import { GITHUB_ISSUER, caseArtifact, caseBundlePath, checkOf, failedIds, provenanceCase, provenanceCases, type ProvenanceCase } from './support/corpus.js';

/** Why a case with a level does not verify with only its sourceRepository policy. */
const NOT_VERIFIED: Record<string, string[]> = {
  // The statement claims aspect-build/rules_lint, the certificate loosebazooka/aa-test.
  'gh-attest-bcr-forged-signer': ['source.repository', 'provenance.certificate', 'builder.trusted', 'builder.bound'],
  // An enterprise issuer: the issuer inferred from github.com is not it.
  'gh-attest-custom-issuer': ['identity.issuer', 'platform.hosted', 'builder.trusted'],
  // Not authentic against the public-good root: nothing is proven (the integrity failure is
  // reported, not every policy field it leaves unproven).
  'gh-attest-github-trust-domain': ['level.minimum', 'timestamp'],
};

/** The level checks that fail for each case below L3 (L3 cases fail none). */
const LEVEL_FAILURES: Record<string, string[]> = {
  'byob-delegator-untrusted-builder-v2.1.0': ['builder.trusted'],
  'gh-attest-bcr-publish': ['builder.trusted'],
  'gh-attest-bcr-release-ruleset': ['builder.trusted'],
  'gh-attest-reusable-workflow': ['builder.trusted', 'builder.bound'],
  'npm-sigstore-2.1.0': ['builder.trusted', 'builder.bound'],
  'npm-sigstore-2.1.0-bundle-v0.1': ['builder.trusted', 'builder.bound'],
  'npm-sigstore-0.4.0-pre-ga': ['platform.hosted', 'builder.trusted', 'builder.bound'],
};

const verify = (c: ProvenanceCase, extra: Record<string, unknown> = {}) =>
  verifySlsaLevel(caseArtifact(c), { attestations: caseBundlePath(c), sourceRepository: c.provenance.sourceRepository, ...extra });

describe.each(provenanceCases().map((c) => [c.id, c] as const))('%s', (_id, c) => {
  it(`proves SLSA Build L${c.expectedLevel}${NOT_VERIFIED[c.id] ? ', not verified' : ', verified'} with its sourceRepository`, async () => {
    const result = await verify(c);
    expect(result.level).toBe(c.expectedLevel);
    if (NOT_VERIFIED[c.id]) {
      expect(result.verified).toBe(false);
      expect(failedIds(result).sort()).toEqual([...NOT_VERIFIED[c.id]!].sort());
    } else {
      expect(result.verified).toBe(true);
      expect(failedIds(result).sort()).toEqual([...(LEVEL_FAILURES[c.id] ?? [])].sort());
    }
  });

  if (c.checks.verifiesOffline) {
    it('reads the provenance and the certificate as cases.json records them', async () => {
      const result = await verify(c);
      expect(result.provenance).toMatchObject({
        builderId: c.provenance.builderId,
        source: { repository: c.provenance.sourceRepository, ref: c.provenance.ref, commit: c.provenance.commit },
        buildConfig: c.provenance.buildConfig,
      });
      expect(result.signer).toMatchObject({ kind: 'certificate', identity: { subject: c.certificate.san, issuer: c.certificate.issuer } });
      expect(result.attestations.filter((a) => a.about === 'yes').every((a) => a.authentic)).toBe(true);
    });
  }
});

describe('the cases that need more than a sourceRepository', () => {
  it('gh-attest-custom-issuer verifies at L1 once its enterprise issuer is named', async () => {
    const c = provenanceCase('gh-attest-custom-issuer');
    const result = await verify(c, { certificateIssuer: c.certificate.issuer });
    expect(result).toMatchObject({ verified: true, level: 1 });
    expect(checkOf(result, 'platform.hosted').detail).toContain('is not a known hosted build platform');
  });

  it('gh-attest-github-trust-domain fails closed: unverified, level 0, the timestamp check names why', async () => {
    const c = provenanceCase('gh-attest-github-trust-domain');
    const result = await verify(c);
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(result.attestations).toEqual([expect.objectContaining({ about: 'yes', authentic: false, level: 0 })]);
    expect(checkOf(result, 'timestamp').passed).toBe(false);
    await expect(assertSlsaLevel(caseArtifact(c), { attestations: caseBundlePath(c), sourceRepository: c.provenance.sourceRepository })).rejects.toMatchObject({
      code: 'VERIFICATION_FAILED',
    });
  });

  it('every L3 case: the builder is trusted and bound, and minLevel 3 verifies', async () => {
    for (const c of provenanceCases().filter((k) => k.expectedLevel === 3)) {
      const result = await verify(c, { minLevel: 3 });
      expect(result.verified, c.id).toBe(true);
      expect(checkOf(result, 'builder.trusted').passed, c.id).toBe(true);
      expect(checkOf(result, 'builder.bound').passed, c.id).toBe(true);
      expect(checkOf(result, 'level.minimum').passed, c.id).toBe(true);
    }
  });

  it('every L2 case: minLevel 3 is not met (level.minimum), and assertSlsaLevel throws POLICY_FAILED', async () => {
    for (const c of provenanceCases().filter((k) => k.expectedLevel === 2)) {
      const result = await verify(c, { minLevel: 3 });
      expect(result.verified, c.id).toBe(false);
      expect(result.level, c.id).toBe(2);
      expect(checkOf(result, 'level.minimum').passed, c.id).toBe(false);
      await expect(
        assertSlsaLevel(caseArtifact(c), { attestations: caseBundlePath(c), sourceRepository: c.provenance.sourceRepository, minLevel: 3 }),
        c.id,
      ).rejects.toMatchObject({ code: 'POLICY_FAILED' });
    }
  });

  it('the exact identity and issuer of each verifying case are a policy too; a signer shared by every repository also needs the source', async () => {
    for (const c of provenanceCases().filter((k) => k.checks.verifiesOffline)) {
      const certificateSource = c.certificate.extensions.sourceRepositoryURI ?? `https://github.com/${c.certificate.extensions.githubWorkflowRepository}`;
      const signedInSource = c.certificate.san.startsWith(`${certificateSource}/`);
      const identity = { certificateIdentity: c.certificate.san, certificateIssuer: c.certificate.issuer };
      const alone = await verifyBundle(caseArtifact(c), caseBundlePath(c), identity);
      expect(alone.level, c.id).toBe(c.expectedLevel);
      if (signedInSource) {
        expect(alone.verified, c.id).toBe(true);
      } else {
        expect(alone.verified, c.id).toBe(false);
        expect(failedIds(alone).filter((id) => !id.startsWith('builder.') && id !== 'provenance.certificate' && id !== 'platform.hosted'), c.id).toEqual(['identity.policy']);
        const withSource = await verifyBundle(caseArtifact(c), caseBundlePath(c), { ...identity, sourceRepository: c.provenance.sourceRepository });
        expect(withSource.verified, c.id).toBe(true);
      }
    }
  });

  it('the pre-GA npm response verifies with its publish attestation from the registry key', async () => {
    const c = provenanceCase('npm-sigstore-0.4.0-pre-ga');
    const result = await verify(c);
    expect(checkOf(result, 'npm.publish')).toMatchObject({ passed: true, source: expect.stringMatching(/\[publish\]$/) });
    expect(result.attestations.map((a) => [a.source.replace(/^.*\[/, '['), a.about, a.authentic])).toEqual([
      ['[provenance]', 'yes', true],
      ['[publish]', 'yes', true],
    ]);
    expect(result.signer).toMatchObject({ kind: 'certificate', identity: { legacyExtensionsOnly: true } });
  });
});

it('every case verifies under the issuer of GitHub Actions except the enterprise one', () => {
  const issuers = new Set(provenanceCases().map((c) => c.certificate.issuer));
  expect([...issuers].sort()).toEqual([GITHUB_ISSUER, provenanceCase('gh-attest-custom-issuer').certificate.issuer].sort());
});
