/**
 * SLSA Build levels, round trip: `attestProvenance` signs keyless against the local Sigstore
 * stack with a GitHub Actions token (whose claims the mock Fulcio copies into the
 * certificate), and `verifySlsaLevel` reads back the level. Every claim broken in the token
 * lowers the level, and the check that says why is named.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attestProvenance } from '../../src/attest/index.js';
import type { ExplicitProvenance } from '../../src/attest/ci/explicit.js';
import { assertSlsaLevel, verifyBundle, verifySlsaLevel } from '../../src/verify/index.js';
import type { VerificationResult, VerifySlsaLevelOptions } from '../../src/verify/index.js';
import { TEST_ISSUER, startSigstoreStack, type SigstoreStack } from '../sign/support/index.js';
import { startRekorV2Log, type RekorV2Log } from './support/rekor-v2-log.js';
import {
  GENERIC_GENERATOR,
  GITHUB,
  generatorProvenance,
  githubEnv,
  githubJob,
  githubToken,
  signerUri,
  workflowRef,
  workflowUri,
  type GitHubJob,
} from './support/github-claims.js';

let stack: SigstoreStack;
let rekorV2: RekorV2Log;
const artifact = Buffer.from('widget 1.0.0 release tarball');
const sha256 = createHash('sha256').update(artifact).digest('hex');
const subject = { name: 'widget-1.0.0.tgz', digest: { sha256 } };
const GENERATOR_V2 = `${GITHUB}/${GENERIC_GENERATOR}@refs/tags/v2.1.0`;
/** A caller's own reusable build workflow, in another repository of the owner. */
const OWN_BUILDER = 'acme/build-tools/.github/workflows/build.yml';

beforeAll(async () => {
  [stack, rekorV2] = await Promise.all([startSigstoreStack(), startRekorV2Log()]);
});
afterAll(async () => {
  await Promise.all([stack.close(), rekorV2.close()]);
});

interface AttestOptions {
  /** The job the token is minted for (default: the job the provenance describes). */
  token?: GitHubJob;
  /** Explicit provenance instead of the job's variables. */
  provenance?: ExplicitProvenance;
  rekorVersion?: 1 | 2;
}

/** Provenance of `job` (its GitHub variables, or `provenance`), signed with a token for `options.token`. */
async function attest(job: GitHubJob, options: AttestOptions = {}) {
  const result = await attestProvenance(subject, {
    env: githubEnv(job),
    identityToken: githubToken(options.token ?? job),
    ...stack.services,
    retryDelay: 5,
    ...(options.provenance ? { provenance: options.provenance } : {}),
    ...(options.rekorVersion === 2 ? { rekorUrl: rekorV2.url, rekorVersion: 2 as const, tsaUrl: stack.tsa.url } : {}),
  });
  return result.bundle;
}

function policy(extra: Partial<VerifySlsaLevelOptions> = {}): Omit<VerifySlsaLevelOptions, 'attestations'> {
  return { sourceRepository: 'github.com/acme/widget', trustedRoot: stack.trustedRoot, ...extra };
}

async function level(bundle: unknown, extra: Partial<VerifySlsaLevelOptions> = {}): Promise<VerificationResult> {
  return verifySlsaLevel(artifact, { attestations: bundle as Record<string, unknown>, ...policy(extra) });
}

function failed(result: VerificationResult): string[] {
  return result.checks.filter((c) => !c.passed).map((c) => c.id);
}

function detail(result: VerificationResult, id: string): string {
  return result.checks.find((c) => c.id === id)?.detail ?? `(no ${id} check)`;
}

describe('verifySlsaLevel: L2 on a GitHub-hosted runner', () => {
  it('provenance from the job variables, signed with the job token, is L2 and verifies; the L3 builder check alone fails', async () => {
    const job = githubJob();
    const bundle = await attest(job);
    const result = await level(bundle);
    expect(failed(result)).toEqual(['builder.trusted']);
    expect(result).toMatchObject({ verified: true, level: 2 });
    expect(result.signer).toMatchObject({
      kind: 'certificate',
      identity: {
        subject: workflowUri(job),
        issuer: 'https://token.actions.githubusercontent.com',
        runnerEnvironment: 'github-hosted',
        sourceRepositoryUri: 'https://github.com/acme/widget',
        sourceRepositoryRef: 'refs/heads/main',
        sourceRepositoryDigest: job.sha,
        buildConfigUri: workflowUri(job),
      },
    });
    expect(result.provenance).toMatchObject({
      builderId: workflowUri(job),
      source: { repository: 'https://github.com/acme/widget', ref: 'refs/heads/main', commit: job.sha },
      buildConfig: workflowUri(job),
    });
    for (const id of ['provenance.predicate', 'provenance.signed', 'platform.hosted', 'provenance.certificate', 'builder.bound']) {
      expect(result.checks.find((c) => c.id === id)?.passed, id).toBe(true);
    }
    // The same bundle through verifyBundle: same level, and no level is required.
    const bundleResult = await verifyBundle(artifact, bundle, policy());
    expect(bundleResult).toMatchObject({ verified: true, level: 2 });
  });

  it('a policy naming the ref and the exact identity is met too', async () => {
    const job = githubJob();
    const result = await level(await attest(job), { sourceRef: 'refs/heads/main', certificateIdentity: workflowUri(job) });
    expect(result).toMatchObject({ verified: true, level: 2 });
    expect(failed(result)).toEqual(['builder.trusted']);
  });

  it('Rekor v2 with a TSA timestamp: L2 as well (and nothing without the v2 log in the root)', async () => {
    const job = githubJob();
    const bundle = await attest(job, { rekorVersion: 2 });
    expect(bundle.verificationMaterial.tlogEntries[0]?.kindVersion).toEqual({ kind: 'dsse', version: '0.0.2' });
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
    const result = await level(bundle, { trustedRoot: rekorV2.trustedRoot(stack.trustedRoot) });
    expect(failed(result)).toEqual(['builder.trusted']);
    expect(result).toMatchObject({ verified: true, level: 2 });
    const untrustedLog = await level(bundle);
    expect(untrustedLog).toMatchObject({ verified: false, level: 0 });
    expect(failed(untrustedLog)).toContain('tlog');
  });

  it('assertSlsaLevel: minLevel 2 passes, minLevel 3 throws POLICY_FAILED with the failed checks', async () => {
    const bundle = await attest(githubJob());
    await expect(assertSlsaLevel(artifact, { attestations: bundle, ...policy({ minLevel: 2 }) })).resolves.toMatchObject({ level: 2, verified: true });
    const error = await assertSlsaLevel(artifact, { attestations: bundle, ...policy({ minLevel: 3 }) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'VerificationError', code: 'POLICY_FAILED' });
    const checks = (error as { details: { checks: Array<{ id: string }> } }).details.checks.map((c) => c.id);
    expect(checks).toEqual(expect.arrayContaining(['level.minimum', 'builder.trusted']));
    expect((error as Error).message).toContain('L2 proven');
  });
});

describe('verifySlsaLevel: L3 only when a trusted builder signed', () => {
  it('slsa-github-generator at a release tag signs provenance naming itself: L3', async () => {
    const job = githubJob({ jobWorkflowRef: `${GENERIC_GENERATOR}@refs/tags/v2.1.0` });
    expect(signerUri(job)).toBe(GENERATOR_V2);
    const result = await level(await attest(job, { provenance: generatorProvenance(job, GENERATOR_V2) }));
    expect(failed(result)).toEqual([]);
    expect(result).toMatchObject({ verified: true, level: 3 });
    expect(detail(result, 'builder.trusted')).toContain('default table');
    expect(detail(result, 'builder.bound')).toContain(`builder.id is the signer, ${GENERATOR_V2}`);
  });

  it('GitHub variables in a reusable workflow: builder.id is the signing workflow (job_workflow_ref), as GitHub names it: L3', async () => {
    const job = githubJob({ jobWorkflowRef: `${GENERIC_GENERATOR}@refs/tags/v2.1.0` });
    const result = await level(await attest(job));
    expect(result.provenance?.builderId).toBe(`${GITHUB}/${GENERIC_GENERATOR}@refs/tags/v2.1.0`);
    expect(result.provenance?.buildType).toBe('https://actions.github.io/buildtypes/workflow/v1');
    expect(result.provenance?.buildConfig).toBe(workflowUri(job));
    expect(failed(result)).toEqual([]);
    expect(result).toMatchObject({ verified: true, level: 3 });
    expect(detail(result, 'builder.bound')).toContain('builder.id is the signer');
  });

  it("a builder.id naming the calling workflow while a trusted reusable workflow signed is not bound: L2", async () => {
    const job = githubJob({ jobWorkflowRef: `${GENERIC_GENERATOR}@refs/tags/v2.1.0` });
    const result = await level(await attest(job, { provenance: generatorProvenance(job, workflowUri(job)) }));
    expect(result).toMatchObject({ verified: true, level: 2 });
    expect(failed(result)).toEqual(['builder.bound']);
  });

  it("the caller's own reusable workflow is trusted through builderIds, with or without its ref", async () => {
    const job = githubJob({ jobWorkflowRef: `${OWN_BUILDER}@refs/tags/v1` });
    const bundle = await attest(job, { provenance: generatorProvenance(job, signerUri(job)) });
    expect((await level(bundle)).level).toBe(2); // not trusted by default
    for (const builderId of [`${GITHUB}/${OWN_BUILDER}`, `${GITHUB}/${OWN_BUILDER}@refs/tags/v1`]) {
      const result = await level(bundle, { builderIds: [builderId] });
      expect(failed(result), builderId).toEqual([]);
      expect(result, builderId).toMatchObject({ verified: true, level: 3 });
      expect(detail(result, 'builder.trusted')).toContain('(policy)');
    }
  });

  it('builderIds naming another ref of that workflow: not L3, and the policy fails', async () => {
    const job = githubJob({ jobWorkflowRef: `${OWN_BUILDER}@refs/tags/v1` });
    const bundle = await attest(job, { provenance: generatorProvenance(job, signerUri(job)) });
    const result = await level(bundle, { builderIds: [`${GITHUB}/${OWN_BUILDER}@refs/tags/v2`] });
    expect(result).toMatchObject({ verified: false, level: 2 });
    expect(failed(result).sort()).toEqual(['builder.id', 'builder.trusted']);
    expect(detail(result, 'builder.trusted')).toContain('trusted only at @refs/tags/v2');
  });

  // The builder.id policy check is L3's own builder trust, so the two agree.
  it('GitHub variables in a reusable workflow listed in builderIds: L3 and verified (builder.id policy and builder.trusted agree)', async () => {
    const job = githubJob({ jobWorkflowRef: `${OWN_BUILDER}@refs/tags/v1` });
    const result = await level(await attest(job), { builderIds: [`${GITHUB}/${OWN_BUILDER}`] });
    expect(result.level).toBe(3);
    expect(failed(result)).toEqual([]);
    expect(result.verified).toBe(true);
  });
});

describe('verifySlsaLevel: each broken claim lowers the level, and names why', () => {
  it('a self-hosted runner: L1 (platform.hosted)', async () => {
    const job = githubJob({ runnerEnvironment: 'self-hosted' });
    const result = await level(await attest(job));
    expect(result).toMatchObject({ verified: true, level: 1 });
    expect(failed(result)).toContain('platform.hosted');
    expect(failed(result).filter((id) => id !== 'builder.trusted')).toEqual(['platform.hosted']);
    expect(detail(result, 'platform.hosted')).toContain('self-hosted runner, not github-hosted');
  });

  it('a token for another repository than the provenance: L1 (provenance.certificate), and the source policy fails', async () => {
    const job = githubJob();
    const result = await level(await attest(job, { token: { ...job, repository: 'evil/widget' } }));
    expect(result).toMatchObject({ verified: false, level: 1 });
    expect(failed(result)).toEqual(expect.arrayContaining(['provenance.certificate', 'source.repository']));
    expect(detail(result, 'provenance.certificate')).toContain('source repository: the certificate says https://github.com/evil/widget');
    expect(detail(result, 'source.repository')).toContain('the certificate says the source repository is https://github.com/evil/widget');
  });

  it('a token for another ref: L1 (provenance.certificate); a policy on the ref fails', async () => {
    const job = githubJob();
    const bundle = await attest(job, { token: { ...job, ref: 'refs/heads/dev' } });
    const result = await level(bundle);
    expect(result).toMatchObject({ verified: true, level: 1 });
    expect(failed(result)).toEqual(['provenance.certificate', 'builder.trusted']);
    expect(detail(result, 'provenance.certificate')).toBe('ref: the certificate says refs/heads/dev, the provenance refs/heads/main');
    const strict = await level(bundle, { sourceRef: 'refs/heads/main' });
    expect(strict).toMatchObject({ verified: false, level: 1 });
    expect(failed(strict)).toContain('source.ref');
  });

  it('a token for another commit: L1 (provenance.certificate)', async () => {
    const job = githubJob();
    const other = 'a'.repeat(40);
    const result = await level(await attest(job, { token: { ...job, sha: other } }));
    expect(result).toMatchObject({ verified: true, level: 1 });
    expect(failed(result)).toEqual(['provenance.certificate', 'builder.trusted']);
    expect(detail(result, 'provenance.certificate')).toBe(`commit: the certificate says ${other}, the provenance ${job.sha}`);
  });

  it('a token for another top-level workflow (Build Config URI): L1 (provenance.certificate)', async () => {
    const job = githubJob();
    // Same signer (job_workflow_ref), another workflow_ref.
    const token = { ...job, workflowPath: '.github/workflows/other.yml', jobWorkflowRef: workflowRef(job) };
    const result = await level(await attest(job, { token }));
    expect(result).toMatchObject({ verified: true, level: 1 });
    expect(failed(result)).toEqual(['provenance.certificate', 'builder.trusted']);
    expect(detail(result, 'provenance.certificate')).toContain(
      'build configuration: the certificate says https://github.com/acme/widget/.github/workflows/other.yml@refs/heads/main',
    );
  });

  it("provenance claiming slsa-github-generator, signed by the repository's own workflow: L2 (builder.bound)", async () => {
    const job = githubJob();
    const result = await level(await attest(job, { provenance: generatorProvenance(job, GENERATOR_V2) }));
    expect(result).toMatchObject({ verified: true, level: 2 });
    expect(failed(result).sort()).toEqual(['builder.bound', 'builder.trusted']);
    expect(detail(result, 'builder.bound')).toBe(`the provenance claims builder ${GENERATOR_V2}, but ${workflowUri(job)} signed it`);
  });

  it('slsa-github-generator run from refs/heads/main instead of a release tag: L2 (builder.trusted)', async () => {
    const job = githubJob({ jobWorkflowRef: `${GENERIC_GENERATOR}@refs/heads/main` });
    const result = await level(await attest(job, { provenance: generatorProvenance(job, signerUri(job)) }));
    expect(result).toMatchObject({ verified: true, level: 2 });
    expect(failed(result)).toEqual(['builder.trusted']);
    expect(detail(result, 'builder.trusted')).toContain('ran at @refs/heads/main, but it is trusted only at a release tag');
  });

  it('a token from another issuer: L1 (platform.hosted) and the inferred issuer policy fails (identity.issuer)', async () => {
    const job = githubJob({ issuer: TEST_ISSUER });
    const result = await level(await attest(job));
    expect(result).toMatchObject({ verified: false, level: 1 });
    expect(failed(result)).toEqual(expect.arrayContaining(['identity.issuer', 'platform.hosted']));
    expect(detail(result, 'identity.issuer')).toBe(`the OIDC issuer is ${TEST_ISSUER}, not https://token.actions.githubusercontent.com`);
    expect(detail(result, 'platform.hosted')).toContain('is not a known hosted build platform');
  });

  it('a policy for another repository or ref: not verified, the level is still reported', async () => {
    const bundle = await attest(githubJob());
    const otherRepo = await level(bundle, { sourceRepository: 'github.com/acme/gadget' });
    expect(otherRepo).toMatchObject({ verified: false, level: 2 });
    expect(failed(otherRepo)).toEqual(['source.repository', 'builder.trusted']);
    const otherRef = await level(bundle, { sourceRef: 'refs/tags/v1.0.0' });
    expect(otherRef).toMatchObject({ verified: false, level: 2 });
    expect(failed(otherRef)).toEqual(['source.ref', 'builder.trusted']);
    const otherIdentity = await level(bundle, { certificateIdentity: `${GITHUB}/acme/widget/.github/workflows/ci.yml@refs/heads/main` });
    expect(otherIdentity).toMatchObject({ verified: false, level: 2 });
    expect(failed(otherIdentity)).toEqual(['identity.subject', 'builder.trusted']);
  });

  it('minLevel 2 fails (level.minimum) on every L1 above', async () => {
    const job = githubJob({ runnerEnvironment: 'self-hosted' });
    const result = await level(await attest(job), { minLevel: 2 });
    expect(result).toMatchObject({ verified: false, level: 1 });
    expect(failed(result)).toContain('level.minimum');
    await expect(assertSlsaLevel(artifact, { attestations: await attest(job), ...policy({ minLevel: 2 }) })).rejects.toMatchObject({
      code: 'POLICY_FAILED',
    });
  });
});
