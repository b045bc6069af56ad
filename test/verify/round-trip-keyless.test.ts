/**
 * Keyless round trips: every bundle `signArtifact`, `attestSbom` and `attestProvenance` make
 * keyless against the local Sigstore stack — logged in Rekor v1, in Rekor v1 with a TSA
 * timestamp, or in Rekor v2 with a TSA timestamp — must pass `verifyBundle` with the identity
 * it was signed with, over the artifact's bytes, path, stream and digest, and fail with
 * another identity, another issuer, another root or another artifact.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attestProvenance } from '../../src/attest/index.js';
import { attestSbom, signArtifact } from '../../src/sign/index.js';
import type { SignResult } from '../../src/sign/index.js';
import { verifyBundle } from '../../src/verify/index.js';
import type { VerificationResult, VerifyBundleOptions } from '../../src/verify/index.js';
import { TEST_ISSUER, TEST_SUBJECT, keylessOptions, mintIdentityToken, startSigstoreStack, type SigstoreStack } from '../sign/support/index.js';
import { GITHUB_ISSUER, githubEnv, githubJob, githubToken, workflowUri } from './support/github-claims.js';
import { startRekorV2Log, type RekorV2Log } from './support/rekor-v2-log.js';

type Log = 'Rekor v1' | 'Rekor v1 + TSA' | 'Rekor v2 + TSA';
type Producer = 'signArtifact' | 'attestSbom' | 'attestProvenance';
const LOGS: Log[] = ['Rekor v1', 'Rekor v1 + TSA', 'Rekor v2 + TSA'];
const PRODUCERS: Producer[] = ['signArtifact', 'attestSbom', 'attestProvenance'];

// The signing matrices run concurrently against one stack: nothing here moves its clock.
let stack: SigstoreStack;
let rekorV2: RekorV2Log;
/** Trusts the stack's CA, CT log, TSA and both logs. */
let trustedRoot: Record<string, unknown>;
let dir: string;
let artifactPath: string;
const artifact = Buffer.from('widget 1.0.0 release tarball, signed keyless\n');
const other = Buffer.from('not the widget\n');
const sha256 = createHash('sha256').update(artifact).digest('hex');
const sbom = { spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: 'widget', dataLicense: 'CC0-1.0', packages: [] };
const explicitProvenance = {
  buildType: 'https://sealkit.test/buildtypes/make/v1',
  builderId: 'https://ci.sealkit.test/runners/7',
  resolvedDependencies: [{ uri: 'git+https://git.sealkit.test/acme/widget@refs/heads/main', digest: { gitCommit: 'c'.repeat(40) } }],
};

beforeAll(async () => {
  [stack, rekorV2] = await Promise.all([startSigstoreStack(), startRekorV2Log()]);
  trustedRoot = rekorV2.trustedRoot(stack.trustedRoot);
  dir = await mkdtemp(join(tmpdir(), 'sealkit-round-trip-keyless-'));
  artifactPath = join(dir, 'widget-1.0.0.tgz');
  await writeFile(artifactPath, artifact);
});
afterAll(async () => {
  await Promise.all([stack.close(), rekorV2.close()]);
  await rm(dir, { recursive: true, force: true });
});

function logOptions(log: Log) {
  if (log === 'Rekor v1') return {};
  if (log === 'Rekor v1 + TSA') return { tsaUrl: stack.tsa.url };
  return { rekorUrl: rekorV2.url, rekorVersion: 2 as const, tsaUrl: stack.tsa.url };
}

async function produce(producer: Producer, log: Log, extra: Record<string, unknown> = {}): Promise<SignResult> {
  const options = keylessOptions(stack, { ...logOptions(log), ...extra });
  switch (producer) {
    case 'signArtifact':
      return signArtifact(artifactPath, options);
    case 'attestSbom':
      return attestSbom(sbom, artifactPath, options);
    case 'attestProvenance':
      return attestProvenance(artifactPath, { ...options, provenance: explicitProvenance });
  }
}

const identity = { certificateIdentity: TEST_SUBJECT, certificateIssuer: TEST_ISSUER };

function policy(extra: Partial<VerifyBundleOptions> = {}): VerifyBundleOptions {
  return { trustedRoot, ...identity, ...extra };
}

function failed(result: VerificationResult): string[] {
  return result.checks.filter((c) => !c.passed).map((c) => c.id);
}

function failedIntegrityOrPolicy(result: VerificationResult): string[] {
  return result.checks.filter((c) => !c.passed && c.category !== 'level').map((c) => c.id);
}

function failedIntegrity(result: VerificationResult): string[] {
  return result.checks.filter((c) => !c.passed && c.category === 'integrity').map((c) => c.id);
}

describe.concurrent.each(PRODUCERS)('%s, keyless', (producer) => {
  it.each(LOGS)('%s: verifies with its identity, over bytes, path, stream and digest', async (log) => {
    const signed = await produce(producer, log);
    const material = signed.bundle.verificationMaterial;
    expect(material.tlogEntries?.[0]?.kindVersion?.version).toBe(log.includes('v2') ? '0.0.2' : '0.0.1');
    expect(material.timestampVerificationData?.rfc3161Timestamps ?? []).toHaveLength(log.includes('TSA') ? 1 : 0);

    for (const input of [artifact, artifactPath, `sha256:${sha256}`, `sha256:${sha256.toUpperCase()}`]) {
      const result = await verifyBundle(input, signed.bundle, policy());
      expect(failedIntegrityOrPolicy(result), String(input).slice(0, 20)).toEqual([]);
      expect(result.verified).toBe(true);
    }
    const streamed = await verifyBundle(createReadStream(artifactPath), signed.bundle, policy());
    expect(streamed.verified).toBe(true);

    const result = await verifyBundle(artifact, signed.bundle, policy());
    expect(result.signer).toMatchObject({ kind: 'certificate', identity: { subject: TEST_SUBJECT, issuer: TEST_ISSUER } });
    expect(result.artifact.sha256).toBe(sha256);
    // Rekor v1 gives an integration time; the TSA one more; Rekor v2 none.
    const times = (log.includes('v1') ? 1 : 0) + (log.includes('TSA') ? 1 : 0);
    expect(result.checks.find((c) => c.id === 'timestamp')?.detail).toMatch(new RegExp(`^${times} signing times? verified`));
  });

  it.each(LOGS)('%s: fails with another identity, issuer, root or artifact', async (log) => {
    const signed = await produce(producer, log);
    const bundle = signed.bundle;

    const otherSubject = await verifyBundle(artifact, bundle, policy({ certificateIdentity: `${TEST_SUBJECT}x` }));
    expect(otherSubject).toMatchObject({ verified: false });
    expect(failedIntegrityOrPolicy(otherSubject)).toEqual(['identity.subject']);

    const otherIssuer = await verifyBundle(artifact, bundle, policy({ certificateIssuer: GITHUB_ISSUER }));
    expect(otherIssuer.verified).toBe(false);
    expect(failedIntegrityOrPolicy(otherIssuer)).toEqual(['identity.issuer']);

    const pattern = await verifyBundle(artifact, bundle, {
      trustedRoot,
      certificateIdentityPattern: '^https://github\\.com/acme/widget/\\.github/workflows/.*$',
      certificateIssuer: TEST_ISSUER,
    });
    expect(pattern.verified).toBe(true);
    // The pattern is anchored: a pattern matching part of the subject does not match it.
    const partial = await verifyBundle(artifact, bundle, { trustedRoot, certificateIdentityPattern: 'acme/widget', certificateIssuer: TEST_ISSUER });
    expect(partial.verified).toBe(false);
    expect(failedIntegrityOrPolicy(partial)).toEqual(['identity.subject']);

    const noIdentity = await verifyBundle(artifact, bundle, { trustedRoot });
    expect(noIdentity.verified).toBe(false);
    expect(failedIntegrityOrPolicy(noIdentity).sort()).toEqual(['identity.issuer', 'identity.policy']);

    const publicGood = await verifyBundle(artifact, bundle, identity); // the embedded public-good root
    expect(publicGood).toMatchObject({ verified: false, level: 0 });
    expect(failedIntegrity(publicGood)).toHaveLength(1);
    expect(['certificate.chain', 'timestamp', 'tlog']).toContain(failedIntegrity(publicGood)[0]);

    const otherArtifact = await verifyBundle(other, bundle, policy());
    expect(otherArtifact).toMatchObject({ verified: false, level: 0 });
    expect(failedIntegrity(otherArtifact)).toEqual(['attestations.match']);
    const otherDigest = await verifyBundle(`sha256:${'0'.repeat(64)}`, bundle, policy());
    expect(otherDigest.verified).toBe(false);
  });
});

describe('keyless bundles in lists, files and JSON Lines', () => {
  it('a bundle file (bundlePath), a list and an .intoto.jsonl with bundles about other artifacts', async () => {
    const bundlePath = join(dir, 'widget.sigstore.json');
    const mine = await signArtifact(artifactPath, keylessOptions(stack, { bundlePath }));
    const theirs = await attestSbom(sbom, other, keylessOptions(stack, { subjectName: 'other' }));
    const provenance = await attestProvenance(artifactPath, keylessOptions(stack, { provenance: explicitProvenance }));

    expect(JSON.parse(await readFile(bundlePath, 'utf8'))).toEqual(mine.bundle);
    expect((await verifyBundle(artifactPath, bundlePath, policy())).verified).toBe(true);

    const list = await verifyBundle(artifact, [theirs.bundle, mine.bundle, provenance.bundle], policy());
    expect(list.verified).toBe(true);
    expect(list.attestations.map((a) => a.about)).toEqual(['no', 'yes', 'yes']);
    expect(list.provenance?.builderId).toBe(explicitProvenance.builderId);

    const jsonl = join(dir, 'release.intoto.jsonl');
    await writeFile(jsonl, [theirs.bundle, provenance.bundle].map((b) => JSON.stringify(b)).join('\n') + '\n');
    const lines = await verifyBundle(artifact, jsonl, policy());
    expect(lines.verified).toBe(true);
    expect(lines.attestations.map((a) => a.source)).toEqual([`${jsonl}:1`, `${jsonl}:2`]);

    // Only bundles about other artifacts: nothing verified.
    const none = await verifyBundle(artifact, [theirs.bundle], policy());
    expect(none.verified).toBe(false);
    expect(failedIntegrity(none)).toEqual(['attestations.match']);
  });

  it('one bundle about the artifact that fails makes the whole list fail, whatever else verifies', async () => {
    const mine = await signArtifact(artifact, keylessOptions(stack));
    const byOther = await signArtifact(artifact, keylessOptions(stack, { identityToken: mintIdentityToken({ subject: 'https://github.com/evil/widget/.github/workflows/release.yml@refs/heads/main' }) }));
    const result = await verifyBundle(artifact, [mine.bundle, byOther.bundle], policy());
    expect(result).toMatchObject({ verified: false });
    expect(result.attestations).toMatchObject([{ about: 'yes', authentic: true }, { about: 'yes', authentic: true }]);
    expect(failedIntegrityOrPolicy(result)).toEqual(['identity.subject']);
    expect(result.checks.find((c) => !c.passed)?.source).toBe('attestations[1]');
  });
});

describe('GitHub identities through verifyBundle', () => {
  it.each(LOGS)('%s: attestProvenance from the job; the policy names the repository, the issuer is inferred', async (log) => {
    const job = githubJob();
    const signed = await attestProvenance(artifactPath, {
      ...logOptions(log),
      ...stack.services,
      ...(log.includes('v2') ? { rekorUrl: rekorV2.url } : {}),
      env: githubEnv(job),
      identityToken: githubToken(job),
      retryDelay: 5,
    });
    const result = await verifyBundle(`sha256:${sha256}`, signed.bundle, { trustedRoot, sourceRepository: 'https://github.com/acme/widget' });
    expect(failedIntegrityOrPolicy(result)).toEqual([]);
    expect(result).toMatchObject({ verified: true, level: 2 });

    const exact = await verifyBundle(artifact, signed.bundle, { trustedRoot, certificateIdentity: workflowUri(job), certificateIssuer: GITHUB_ISSUER });
    expect(exact.verified).toBe(true);
    const otherRepository = await verifyBundle(artifact, signed.bundle, { trustedRoot, sourceRepository: 'github.com/acme/gadget' });
    expect(otherRepository.verified).toBe(false);
    expect(failedIntegrityOrPolicy(otherRepository)).toEqual(['source.repository']);
    // The repository is compared as written: another owner's fork is another repository.
    const fork = await verifyBundle(artifact, signed.bundle, { trustedRoot, sourceRepository: 'github.com/evil/widget' });
    expect(fork.verified).toBe(false);
  });

  it('signArtifact with a GitHub token: the source repository comes from the certificate alone', async () => {
    const job = githubJob();
    const signed = await signArtifact(artifact, { ...stack.services, identityToken: githubToken(job), env: {}, retryDelay: 5 });
    const result = await verifyBundle(artifact, signed.bundle, { trustedRoot, sourceRepository: 'github.com/acme/widget', sourceRef: 'refs/heads/main' });
    expect(failed(result)).toEqual([]);
    expect(result).toMatchObject({ verified: true, level: 0, provenance: undefined });
    const otherRef = await verifyBundle(artifact, signed.bundle, { trustedRoot, sourceRepository: 'github.com/acme/widget', sourceRef: 'refs/heads/dev' });
    expect(otherRef.verified).toBe(false);
    expect(failed(otherRef)).toEqual(['source.ref']);
  });

  it('a certificate without source claims cannot meet a source policy', async () => {
    const signed = await signArtifact(artifact, keylessOptions(stack));
    const result = await verifyBundle(artifact, signed.bundle, { trustedRoot, sourceRepository: 'github.com/acme/widget', certificateIssuer: TEST_ISSUER });
    expect(result.verified).toBe(false);
    expect(failed(result)).toEqual(['source.repository']);
  });
});
