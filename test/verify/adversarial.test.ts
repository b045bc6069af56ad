/**
 * The reviewer's list, on real bundles: every way an attacker (or a careless caller) could turn
 * a "no" into a "yes" must give `verified: false`, with the check that says why. The victim is
 * `gh-attest-bcr-publish` (a GitHub artifact attestation for aspect-build/rules_lint, L2) unless
 * a case needs another.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assertSlsaLevel, verifyBundle, verifySlsaLevel } from '../../src/verify/index.js';
import {
  CONFORMANCE,
  CONFORMANCE_IDENTITY,
  GITHUB_ISSUER,
  caseArtifact,
  caseBundleJson,
  caseBundlePath,
  checkOf,
  failedChecks,
  failedIds,
  flipBase64,
  provenanceCase,
  skipWithoutCorpus,
} from './support/corpus.js';
import { newKey } from './support/crafted-bundles.js';

const SKIP_CONFORMANCE = skipWithoutCorpus(CONFORMANCE);
const victim = provenanceCase('gh-attest-bcr-publish');
const ARTIFACT = caseArtifact(victim);
const SAN = victim.certificate.san; // https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1
const REPOSITORY = 'github.com/aspect-build/rules_lint';
const REF = victim.provenance.ref; // refs/heads/publish-to-bcr

type Bundle = { dsseEnvelope: { payload: string; signatures: Array<{ sig: string }> } } & Record<string, unknown>;
const bundle = () => caseBundleJson(victim) as Bundle;

/** The bundle with its statement edited as text (the signature then covers other bytes). */
function withPayload(edit: (statement: string) => string): Record<string, unknown> {
  const copy = bundle();
  const statement = Buffer.from(copy.dsseEnvelope.payload, 'base64').toString('utf8');
  const edited = edit(statement);
  expect(edited).not.toBe(statement);
  copy.dsseEnvelope.payload = Buffer.from(edited).toString('base64');
  return copy;
}

const verify = (attestations: unknown, policy: Record<string, unknown> = { sourceRepository: REPOSITORY }, artifact: string | Buffer = ARTIFACT) =>
  verifySlsaLevel(artifact, { attestations: attestations as Record<string, unknown>, ...policy });

it('the untouched victim verifies at L2 (every case below changes one thing)', async () => {
  const result = await verify(bundle(), { sourceRepository: REPOSITORY, sourceRef: REF, certificateIdentity: SAN });
  expect(result).toMatchObject({ verified: true, level: 2 });
  expect(failedIds(result)).toEqual(['builder.trusted']);
});

describe('integrity', () => {
  it('a byte changed in the artifact: no attestation is about it', async () => {
    const bytes = readFileSync(ARTIFACT);
    bytes[0] = bytes[0]! ^ 0x01;
    const result = await verify(bundle(), undefined, bytes);
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(failedIds(result)).toContain('attestations.match');
    expect(result.attestations).toEqual([expect.objectContaining({ about: 'no' })]);
  });

  it('a byte changed in the DSSE payload (the builder it claims): the log entry and signature no longer match', async () => {
    const tampered = withPayload((s) => s.replace('"github-hosted"', '"github-hostee"'));
    const result = await verify(tampered);
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(result.attestations).toEqual([expect.objectContaining({ about: 'yes', authentic: false })]);
    expect(failedChecks(result, 'tlog')).toHaveLength(1);
  });

  it('a byte changed in the DSSE signature: fails', async () => {
    const tampered = bundle();
    tampered.dsseEnvelope.signatures[0]!.sig = flipBase64(tampered.dsseEnvelope.signatures[0]!.sig, 10);
    const result = await verify(tampered);
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(result.checks.filter((c) => !c.passed && c.category === 'integrity').length).toBeGreaterThan(0);
  });

  it('a subject rewritten to another artifact\'s digest: about that artifact, but not authentic', async () => {
    const other = Buffer.from('the attacker\'s artifact');
    const digest = createHash('sha256').update(other).digest('hex');
    const original = createHash('sha256').update(readFileSync(ARTIFACT)).digest('hex');
    const tampered = withPayload((s) => s.replace(original, digest));
    const result = await verify(tampered, undefined, other);
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(result.attestations).toEqual([expect.objectContaining({ about: 'yes', authentic: false })]);
  });

  it('the DSSE payload type changed: the statement is not in-toto, which fails closed', async () => {
    const tampered = bundle() as Bundle & { dsseEnvelope: { payloadType: string } };
    tampered.dsseEnvelope.payloadType = 'application/json';
    const result = await verify(tampered);
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(failedIds(result)).toContain('statement.format');
  });

  it('a second signature added to the envelope: not a valid bundle', async () => {
    const tampered = bundle();
    tampered.dsseEnvelope.signatures.push({ ...tampered.dsseEnvelope.signatures[0]! });
    const result = await verify(tampered);
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(failedIds(result)).toContain('attestation.format');
  });

  it('the log entry removed: fails (tlog or timestamp)', async () => {
    const tampered = bundle() as Bundle & { verificationMaterial: { tlogEntries: unknown[] } };
    tampered.verificationMaterial.tlogEntries = [];
    const result = await verify(tampered);
    expect(result).toMatchObject({ verified: false, level: 0 });
  });

  it('the certificate replaced by one from another bundle: fails', async () => {
    const tampered = bundle() as Bundle & { verificationMaterial: Record<string, unknown> };
    const other = caseBundleJson(provenanceCase('gh-attest-bcr-release-ruleset')) as { verificationMaterial: Record<string, unknown> };
    tampered.verificationMaterial = { ...tampered.verificationMaterial, certificate: other.verificationMaterial.certificate };
    const result = await verify(tampered);
    expect(result).toMatchObject({ verified: false, level: 0 });
  });
});

describe('identity', () => {
  it('an exact identity naming another workflow: identity.subject fails', async () => {
    const other = 'https://github.com/aspect-build/rules_lint/.github/workflows/release.yml@refs/heads/publish-to-bcr';
    const result = await verify(bundle(), { certificateIdentity: other, certificateIssuer: GITHUB_ISSUER });
    expect(result.verified).toBe(false);
    expect(failedChecks(result, 'identity.subject')[0]!.detail).toBe(`the certificate identity is ${SAN}, not ${other}`);
  });

  it('a prefix of the real identity as certificateIdentity: identity.subject fails', async () => {
    for (const prefix of [SAN.slice(0, SAN.indexOf('@')), 'https://github.com/bazel-contrib/', SAN.slice(0, -1)]) {
      const result = await verify(bundle(), { certificateIdentity: prefix, certificateIssuer: GITHUB_ISSUER });
      expect(result.verified, prefix).toBe(false);
      expect(failedIds(result), prefix).toContain('identity.subject');
    }
  });

  it('a pattern that matches only a prefix of the identity: identity.subject fails (anchoring)', async () => {
    for (const pattern of ['https://github\\.com/bazel-contrib/', 'https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml', /https:\/\/github\.com\/bazel-contrib\//m]) {
      const result = await verify(bundle(), { certificateIdentityPattern: pattern, certificateIssuer: GITHUB_ISSUER });
      expect(result.verified, String(pattern)).toBe(false);
      expect(failedIds(result), String(pattern)).toContain('identity.subject');
    }
    const pattern = 'https://github\\.com/bazel-contrib/publish-to-bcr/\\.github/workflows/publish\\.yaml@refs/tags/v.*';
    const whole = await verify(bundle(), { certificateIdentityPattern: pattern, sourceRepository: REPOSITORY });
    expect(whole.verified).toBe(true);
    // publish-to-bcr signs for any repository that calls it: its identity alone names no source.
    const alone = await verify(bundle(), { certificateIdentityPattern: pattern, certificateIssuer: GITHUB_ISSUER });
    expect(failedIds(alone)).toContain('identity.policy');
  });

  it('another OIDC issuer: identity.issuer fails', async () => {
    const result = await verify(bundle(), { certificateIdentity: SAN, certificateIssuer: 'https://gitlab.com' });
    expect(result.verified).toBe(false);
    expect(failedIds(result)).toContain('identity.issuer');
  });

  it('an explicit issuer overrides the inferred one, and must match', async () => {
    const result = await verify(bundle(), { sourceRepository: REPOSITORY, certificateIssuer: 'https://token.actions.githubusercontent.com/enterprise' });
    expect(result.verified).toBe(false);
    expect(failedChecks(result, 'identity.issuer')[0]!.detail).toContain('not https://token.actions.githubusercontent.com/enterprise');
  });

  it('a keyless bundle with no identity policy: identity.policy (and identity.issuer) fail', async () => {
    const result = await verify(bundle(), {});
    expect(result.verified).toBe(false);
    expect(result.level).toBe(2);
    expect(failedIds(result).sort()).toEqual(['builder.trusted', 'identity.issuer', 'identity.policy']);
  });

  it('verifyBundle without any policy is not verified either', async () => {
    const result = await verifyBundle(ARTIFACT, bundle());
    expect(result.verified).toBe(false);
    expect(failedIds(result)).toContain('identity.policy');
  });
});

describe('source', () => {
  it('another source repository: source.repository fails for the certificate and the provenance', async () => {
    const result = await verify(bundle(), { sourceRepository: 'github.com/aspect-build/rules_go' });
    expect(result.verified).toBe(false);
    const [failed] = failedChecks(result, 'source.repository');
    expect(failed!.detail).toContain('the certificate says the source repository is https://github.com/aspect-build/rules_lint');
    expect(failed!.detail).toContain('the provenance says');
  });

  it('a repository that only starts like the real one: fails', async () => {
    for (const repository of ['github.com/aspect-build/rules', 'github.com/aspect-build/rules_lint-fork', 'github.com/aspect-build/rules_lint/sub']) {
      const result = await verify(bundle(), { sourceRepository: repository });
      expect(result.verified, repository).toBe(false);
      expect(failedIds(result), repository).toContain('source.repository');
    }
  });

  // Decision: a repository is compared as host/path with the scheme, a trailing slash and a
  // `.git` suffix dropped, and the host lower-cased: those are spellings of one URL. The path
  // keeps its case: GitHub treats owner and repository names case-insensitively, but other
  // hosts do not, and a verifier must not guess; a wrong case fails (closed), and the caller
  // writes the name as the platform reports it.
  it('spellings of the same repository verify: scheme, .git, trailing slash, host case', async () => {
    for (const repository of ['https://github.com/aspect-build/rules_lint', 'github.com/aspect-build/rules_lint.git', 'github.com/aspect-build/rules_lint/', 'https://GitHub.com/aspect-build/rules_lint.git/']) {
      const result = await verify(bundle(), { sourceRepository: repository });
      expect(result.verified, repository).toBe(true);
    }
  });

  it('the same repository in another case of its path: fails closed', async () => {
    for (const repository of ['github.com/Aspect-Build/rules_lint', 'github.com/aspect-build/RULES_LINT']) {
      const result = await verify(bundle(), { sourceRepository: repository });
      expect(result.verified, repository).toBe(false);
      expect(failedIds(result), repository).toContain('source.repository');
    }
  });

  it('another ref: source.ref fails', async () => {
    for (const ref of ['refs/heads/main', 'refs/tags/publish-to-bcr', 'refs/heads/publish-to-bcr-2', 'refs/heads/publish']) {
      const result = await verify(bundle(), { sourceRepository: REPOSITORY, sourceRef: ref });
      expect(result.verified, ref).toBe(false);
      expect(failedIds(result), ref).toContain('source.ref');
    }
  });
});

describe('builders and levels', () => {
  it('a workflow that is not the builder re-signed its statement (gh-attest-bcr-forged-signer): at most L2, builder.bound fails', async () => {
    const forged = provenanceCase('gh-attest-bcr-forged-signer');
    const result = await verifySlsaLevel(caseArtifact(forged), {
      attestations: caseBundlePath(forged),
      certificateIdentity: forged.certificate.san,
      certificateIssuer: GITHUB_ISSUER,
    });
    expect(result.level).toBeLessThanOrEqual(2);
    expect(result.level).toBe(1);
    expect(checkOf(result, 'builder.bound').passed).toBe(false);
    expect(checkOf(result, 'provenance.certificate').passed).toBe(false);
    // It claims the victim's source: a policy for that source fails on the certificate.
    const claimed = await verifySlsaLevel(caseArtifact(forged), { attestations: caseBundlePath(forged), sourceRepository: REPOSITORY });
    expect(claimed.verified).toBe(false);
    expect(failedChecks(claimed, 'source.repository')[0]!.detail).toContain('the certificate says the source repository is https://github.com/loosebazooka/aa-test');
  });

  it('a BYOB delegator naming an untrusted builder: L2, builder.trusted fails, builder.bound holds', async () => {
    const c = provenanceCase('byob-delegator-untrusted-builder-v2.1.0');
    const result = await verifySlsaLevel(caseArtifact(c), { attestations: caseBundlePath(c), sourceRepository: 'github.com/slsa-framework/example-package' });
    expect(result).toMatchObject({ verified: true, level: 2 });
    expect(checkOf(result, 'builder.trusted').detail).toContain('slsa-framework/example-trw');
    expect(checkOf(result, 'builder.bound').passed).toBe(true);
    const strict = await verifySlsaLevel(caseArtifact(c), { attestations: caseBundlePath(c), sourceRepository: 'github.com/slsa-framework/example-package', minLevel: 3 });
    expect(strict.verified).toBe(false);
  });

  it('minLevel 3 on an L2 artifact: not verified, level.minimum fails, assertSlsaLevel throws POLICY_FAILED', async () => {
    const result = await verify(bundle(), { sourceRepository: REPOSITORY, minLevel: 3 });
    expect(result).toMatchObject({ verified: false, level: 2 });
    expect(checkOf(result, 'level.minimum')).toMatchObject({ passed: false, detail: 'SLSA Build L2 proven, but L3 is required' });
    const error = await assertSlsaLevel(ARTIFACT, { attestations: bundle(), sourceRepository: REPOSITORY, minLevel: 3 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'POLICY_FAILED' });
    expect((error as { details: { checks: Array<{ id: string }> } }).details.checks.map((c) => c.id)).toContain('level.minimum');
  });

  it('builderIds naming a builder the provenance does not come from: builder.id fails', async () => {
    const result = await verify(bundle(), { sourceRepository: REPOSITORY, builderIds: ['https://github.com/acme/builder/.github/workflows/build.yml'] });
    expect(result.verified).toBe(false);
    expect(failedIds(result)).toContain('builder.id');
  });

  it("builderIds naming the victim's signer make it L3, and builder.id passes", async () => {
    const result = await verify(bundle(), { sourceRepository: REPOSITORY, builderIds: ['https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml'], minLevel: 3 });
    expect(result).toMatchObject({ verified: true, level: 3 });
    expect(checkOf(result, 'builder.id').passed).toBe(true);
  });
});

describe('several attestations', () => {
  const generic = provenanceCase('slsa-generic-v2.1.0');
  const go = provenanceCase('slsa-go-v2.1.0');
  const policy = { sourceRepository: 'github.com/slsa-framework/example-package' };
  const lines = (...bundles: unknown[]) => bundles.map((b) => JSON.stringify(b)).join('\n');

  it('a bundle about another artifact next to the right one is set aside; the result still verifies', async () => {
    const result = await verifySlsaLevel(caseArtifact(generic), { attestations: [caseBundleJson(go), caseBundleJson(generic)], ...policy });
    expect(result).toMatchObject({ verified: true, level: 3 });
    expect(result.attestations.map((a) => a.about)).toEqual(['no', 'yes']);
    expect(checkOf(result, 'attestations.match').detail).toContain('1 of 2 attestations are about the artifact');
  });

  it('a tampered bundle about the artifact next to a good one: fails closed', async () => {
    const tampered = caseBundleJson(generic) as Bundle;
    tampered.dsseEnvelope.signatures[0]!.sig = flipBase64(tampered.dsseEnvelope.signatures[0]!.sig, 8);
    const result = await verifySlsaLevel(caseArtifact(generic), { attestations: [caseBundleJson(generic), tampered], ...policy });
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(result.attestations.map((a) => [a.about, a.authentic])).toEqual([
      ['yes', true],
      ['yes', false],
    ]);
  });

  it('a .intoto.jsonl with a garbage line next to a good bundle: fails closed, naming the line', async () => {
    const text = `${lines(caseBundleJson(generic))}\n\nnot json at all\n`;
    const result = await verifySlsaLevel(caseArtifact(generic), { attestations: text, ...policy });
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(failedChecks(result, 'attestation.format')).toEqual([expect.objectContaining({ source: 'the bundle:3' })]);
  });

  it('a bundle of an unknown version next to a good one: fails closed', async () => {
    const unknown = { ...caseBundleJson(generic), mediaType: 'application/vnd.dev.sigstore.bundle.v0.4+json' };
    const result = await verifySlsaLevel(caseArtifact(generic), { attestations: [caseBundleJson(generic), unknown], ...policy });
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(failedIds(result)).toContain('attestation.format');
  });

  it('the same good bundle twice verifies', async () => {
    const result = await verifySlsaLevel(caseArtifact(generic), { attestations: [caseBundleJson(generic), caseBundleJson(generic)], ...policy });
    expect(result).toMatchObject({ verified: true, level: 3 });
  });

  it('no attestations at all: attestations.match fails', async () => {
    const result = await verifySlsaLevel(caseArtifact(generic), { attestations: [], ...policy });
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(checkOf(result, 'attestations.match')).toMatchObject({ passed: false, detail: 'no attestations were given' });
  });

  it('only bundles about other artifacts: attestations.match fails', async () => {
    const result = await verifySlsaLevel(caseArtifact(generic), { attestations: [caseBundleJson(go)], ...policy });
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(failedIds(result)).toContain('attestations.match');
  });
});

describe('digest mode', () => {
  const generic = provenanceCase('slsa-generic-v2.1.0');

  it('the right sha256 verifies without any bytes', async () => {
    const result = await verifySlsaLevel(caseArtifact(generic), { attestations: caseBundlePath(generic), sourceRepository: 'github.com/slsa-framework/example-package' });
    expect(caseArtifact(generic)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result).toMatchObject({ verified: true, level: 3 });
  });

  it('a wrong sha256 (one nibble off): attestations.match fails', async () => {
    const right = caseArtifact(generic);
    const wrong = `${right.slice(0, -1)}${right.endsWith('0') ? '1' : '0'}`;
    const result = await verifySlsaLevel(wrong, { attestations: caseBundlePath(generic), sourceRepository: 'github.com/slsa-framework/example-package' });
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(failedIds(result)).toContain('attestations.match');
  });

  it('the digest in upper case is the same digest', async () => {
    const upper = `sha256:${caseArtifact(generic).slice(7).toUpperCase()}`;
    const result = await verifySlsaLevel(upper, { attestations: caseBundlePath(generic), sourceRepository: 'github.com/slsa-framework/example-package' });
    expect(result.verified).toBe(true);
  });
});

describe.skipIf(SKIP_CONFORMANCE)('message signatures (the conformance happy paths), artifact and digest mode', () => {
  const artifact = `${CONFORMANCE}a.txt`;
  // Read in the tests: a skipped describe's body still runs when the file is collected.
  const digest = () => `sha256:${createHash('sha256').update(readFileSync(artifact)).digest('hex')}`;

  describe.each(['happy-path-v0.1', 'happy-path-v0.2', 'happy-path-v0.3', 'happy-path-v0.3-new-mediaType', 'rekor2-happy-path'])('%s', (name) => {
    const path = `${CONFORMANCE}${name}/bundle.sigstore.json`;
    const root = `${CONFORMANCE}${name}/trusted_root.json`;
    const policy = { certificateIdentity: CONFORMANCE_IDENTITY, certificateIssuer: GITHUB_ISSUER, ...(existsSync(root) ? { trustedRoot: root } : {}) };

    it('verifies with the artifact and with its digest', async () => {
      for (const input of [artifact, digest(), readFileSync(artifact)]) {
        const result = await verifyBundle(input, path, policy);
        expect(result.verified, String(input).slice(0, 20)).toBe(true);
        expect(result.attestations).toEqual([expect.objectContaining({ kind: 'message-signature', about: 'yes', authentic: true })]);
      }
    });

    it('a wrong digest or another artifact: attestations.match fails', async () => {
      for (const input of [`sha256:${'0'.repeat(64)}`, Buffer.from('not a.txt')]) {
        const result = await verifyBundle(input, path, policy);
        expect(result.verified).toBe(false);
        expect(failedIds(result)).toContain('attestations.match');
      }
    });

    it("a messageDigest rewritten to another artifact's digest: the signature and log entry are checked against that artifact and fail", async () => {
      const other = Buffer.from('not a.txt');
      const json = JSON.parse(readFileSync(path, 'utf8')) as { messageSignature: { messageDigest: { digest: string } } };
      json.messageSignature.messageDigest.digest = createHash('sha256').update(other).digest('base64');
      const result = await verifyBundle(other, json, policy);
      expect(result.verified).toBe(false);
      expect(result.attestations).toEqual([expect.objectContaining({ about: 'yes', authentic: false })]);
    });

    it('another identity: identity.subject fails', async () => {
      const result = await verifyBundle(digest(), path, { ...policy, certificateIdentity: CONFORMANCE_IDENTITY.replace('refs/heads/main', 'refs/heads/evil') });
      expect(result.verified).toBe(false);
      expect(failedIds(result)).toEqual(['identity.subject']);
    });
  });
});

describe.skipIf(SKIP_CONFORMANCE)('keys', () => {
  const artifact = `${CONFORMANCE}a.txt`;
  const dir = `${CONFORMANCE}managed-key-happy-path/`;

  it('a key-signed bundle verifies with its key', async () => {
    const result = await verifyBundle(artifact, `${dir}bundle.sigstore.json`, { publicKeys: [readFileSync(`${dir}key.pub`, 'utf8')] });
    expect(result).toMatchObject({ verified: true, signer: { kind: 'key' } });
  });

  it('a key-signed bundle whose key is not given: public-key fails', async () => {
    const result = await verifyBundle(artifact, `${dir}bundle.sigstore.json`);
    expect(result.verified).toBe(false);
    expect(checkOf(result, 'public-key')).toMatchObject({ passed: false, detail: expect.stringContaining('no public key was given') });
  });

  it('a key-signed bundle with only another key given: fails', async () => {
    const result = await verifyBundle(artifact, `${dir}bundle.sigstore.json`, { publicKeys: [newKey().pem] });
    expect(result.verified).toBe(false);
    expect(failedIds(result)).toEqual(['signature']);
  });
});

