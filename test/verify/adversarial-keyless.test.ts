/**
 * Adversarial cases that need certificates sealkit can be made to trust: the local Sigstore
 * stack (mock Fulcio copies the token's GitHub claims into the certificate), and an attacker
 * who holds a perfectly valid identity of their own. Each signature here verifies; what must
 * fail is the policy, the level, or the kind of signer allowed.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signStatement } from '../../src/sign/index.js';
import { verifyBundle, verifySlsaLevel } from '../../src/verify/index.js';
import { NPM_PUBLISH_PREDICATE_TYPE } from '../../src/verify/attestations/load-attestations.js';
import { mintIdentityToken, startSigstoreStack, type SigstoreStack } from '../sign/support/index.js';
import { checkOf, failedChecks, failedIds } from './support/corpus.js';

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const GENERIC = 'slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0';

let stack: SigstoreStack;
beforeAll(async () => {
  stack = await startSigstoreStack();
});
afterAll(async () => {
  await stack.close();
});

const artifact = Buffer.from('acme widget 2.0.0, as the attacker rebuilt it');
const sha256 = createHash('sha256').update(artifact).digest('hex');

interface Job {
  repository: string;
  ref: string;
  sha: string;
  workflow: string;
  /** The workflow that signs (job_workflow_ref), when a reusable one does. */
  signer?: string;
  runner?: string;
  issuer?: string;
}

/** A token for a GitHub Actions job; its `sub` is the signing workflow's URI, as the real SAN. */
function token(job: Job): string {
  const workflowRef = `${job.repository}/${job.workflow}@${job.ref}`;
  const signer = job.signer ?? workflowRef;
  return mintIdentityToken({
    issuer: job.issuer ?? GITHUB_ISSUER,
    subject: `https://github.com/${signer}`,
    claims: {
      repository: job.repository,
      repository_owner: job.repository.split('/')[0],
      ref: job.ref,
      sha: job.sha,
      workflow_ref: workflowRef,
      job_workflow_ref: signer,
      runner_environment: job.runner ?? 'github-hosted',
      event_name: 'push',
    },
  });
}

/** SLSA v1 provenance in GitHub's workflow shape for `job`, claiming `builderId`. */
function provenance(job: Job, builderId: string, subjectDigest = sha256) {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'widget-2.0.0.tgz', digest: { sha256: subjectDigest } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {
      buildDefinition: {
        buildType: 'https://actions.github.io/buildtypes/workflow/v1',
        externalParameters: { workflow: { repository: `https://github.com/${job.repository}`, path: job.workflow, ref: job.ref } },
        resolvedDependencies: [{ uri: `git+https://github.com/${job.repository}@${job.ref}`, digest: { gitCommit: job.sha } }],
      },
      runDetails: { builder: { id: builderId } },
    },
  };
}

async function sign(statement: ReturnType<typeof provenance> | Record<string, unknown>, job: Job) {
  const result = await signStatement(statement as Parameters<typeof signStatement>[0], { identityToken: token(job), ...stack.services, env: {}, retryDelay: 5 });
  return result.bundle as unknown as Record<string, unknown>;
}

const victim: Job = { repository: 'acme/widget', ref: 'refs/tags/v2.0.0', sha: 'a'.repeat(40), workflow: '.github/workflows/release.yml' };
const attacker: Job = { repository: 'mallory/widget', ref: 'refs/heads/main', sha: 'b'.repeat(40), workflow: '.github/workflows/release.yml' };
const policy = () => ({ sourceRepository: 'github.com/acme/widget', trustedRoot: stack.trustedRoot });

it("the victim's own provenance is L2 and verifies (the cases below differ from it in one way)", async () => {
  const bundle = await sign(provenance(victim, `https://github.com/${victim.repository}/${victim.workflow}@${victim.ref}`), victim);
  const result = await verifySlsaLevel(artifact, { attestations: bundle, ...policy() });
  expect(result).toMatchObject({ verified: true, level: 2 });
});

describe('an attacker with a valid identity of their own', () => {
  it("claims the victim's source in the provenance: source.repository fails on the certificate, L1 (provenance.certificate)", async () => {
    const bundle = await sign(provenance(victim, `https://github.com/${attacker.repository}/${attacker.workflow}@${attacker.ref}`), attacker);
    const result = await verifySlsaLevel(artifact, { attestations: bundle, ...policy() });
    expect(result.verified).toBe(false);
    expect(result.level).toBe(1);
    expect(failedChecks(result, 'source.repository')[0]!.detail).toBe('the certificate says the source repository is https://github.com/mallory/widget, not github.com/acme/widget');
    expect(checkOf(result, 'provenance.certificate').passed).toBe(false);
  });

  it("adds their bundle to the victim's genuine one: the attestation about the artifact that fails the policy fails the whole", async () => {
    const genuine = await sign(provenance(victim, `https://github.com/${victim.repository}/${victim.workflow}@${victim.ref}`), victim);
    const forged = await sign(provenance(victim, 'https://github.com/actions/runner/github-hosted'), attacker);
    const result = await verifySlsaLevel(artifact, { attestations: [genuine, forged], ...policy() });
    expect(result.verified).toBe(false);
    expect(failedChecks(result, 'source.repository').map((c) => c.source)).toEqual(['attestations[1]']);
  });

  it('claims the victim\'s exact workflow as builder.id: still their own certificate, builder.bound and source fail', async () => {
    const victimWorkflow = `https://github.com/${victim.repository}/${victim.workflow}@${victim.ref}`;
    const bundle = await sign(provenance(victim, victimWorkflow), attacker);
    const result = await verifySlsaLevel(artifact, { attestations: bundle, ...policy(), certificateIdentity: undefined });
    expect(result.verified).toBe(false);
    expect(checkOf(result, 'builder.bound').passed).toBe(false);
  });

  it('runs slsa-github-generator from their own repository: honest L3 provenance, but for their source; the victim policy fails', async () => {
    const job: Job = { ...attacker, signer: GENERIC };
    const bundle = await sign(provenance(job, `https://github.com/${GENERIC}`), job);
    const result = await verifySlsaLevel(artifact, { attestations: bundle, ...policy() });
    expect(result.verified).toBe(false);
    expect(failedIds(result)).toEqual(['source.repository']);
    // The level is the builder's, proven for the attacker's source: it is no verdict (read `verified`).
    expect(result.level).toBe(3);
  });

  // An exact certificateIdentity naming a shared builder (a reusable workflow any repository
  // can call) identifies no source: without a sourceRepository it is not enough.
  it('certificateIdentity naming the shared generator, without a source: identity.policy fails', async () => {
    const job: Job = { ...attacker, signer: GENERIC };
    const bundle = await sign(provenance(job, `https://github.com/${GENERIC}`), job);
    const result = await verifySlsaLevel(artifact, { attestations: bundle, certificateIdentity: `https://github.com/${GENERIC}`, certificateIssuer: GITHUB_ISSUER, trustedRoot: stack.trustedRoot });
    expect(result.verified).toBe(false);
    expect(failedIds(result)).toEqual(['identity.policy']);
    expect(checkOf(result, 'identity.policy').detail).toContain('this build is from https://github.com/mallory/widget');
  });

  it('signs from a self-hosted runner: L1 (platform.hosted), minLevel 2 fails', async () => {
    const job: Job = { ...victim, runner: 'self-hosted' };
    const bundle = await sign(provenance(job, `https://github.com/${job.repository}/${job.workflow}@${job.ref}`), job);
    const result = await verifySlsaLevel(artifact, { attestations: bundle, ...policy(), minLevel: 2 });
    expect(result).toMatchObject({ verified: false, level: 1 });
    expect(checkOf(result, 'platform.hosted').passed).toBe(false);
  });

  it('an e-mail identity signs provenance naming the victim source: the certificate cannot prove a source', async () => {
    const bundle = (
      await signStatement(provenance(victim, 'https://github.com/actions/runner/github-hosted') as Parameters<typeof signStatement>[0], {
        identityToken: mintIdentityToken({ issuer: 'https://accounts.example', subject: 'mallory@example.com' }),
        ...stack.services,
        env: {},
        retryDelay: 5,
      })
    ).bundle as unknown as Record<string, unknown>;
    const result = await verifySlsaLevel(artifact, { attestations: bundle, ...policy(), certificateIssuer: 'https://accounts.example' });
    expect(result.verified).toBe(false);
    expect(failedChecks(result, 'source.repository')[0]!.detail).toContain('the certificate does not record the source repository');
  });
});

describe('npm publish attestations must be signed by the registry key', () => {
  const publish = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'pkg:npm/widget@2.0.0', digest: { sha512: createHash('sha512').update(artifact).digest('hex') } }],
    predicateType: NPM_PUBLISH_PREDICATE_TYPE,
    predicate: { name: 'widget', version: '2.0.0', registry: 'https://registry.npmjs.org' },
  };

  it('a publish-type statement signed with a (valid) certificate: certificate.chain fails, not verified', async () => {
    const bundle = await sign(publish, victim);
    const result = await verifyBundle(artifact, bundle, policy());
    expect(result.verified).toBe(false);
    expect(checkOf(result, 'certificate.chain')).toMatchObject({ passed: false, detail: 'this attestation must be signed by a registry key, not a certificate' });
    expect(result.attestations).toEqual([expect.objectContaining({ about: 'yes', authentic: false })]);
  });

  it('the same statement under another predicate type verifies (the signer kind is the only difference)', async () => {
    const bundle = await sign({ ...publish, predicateType: 'https://example.com/publish/v1' }, victim);
    const result = await verifyBundle(artifact, bundle, policy());
    expect(result.verified).toBe(true);
  });

  it('inside an npm response as [publish], next to genuine provenance: fails closed', async () => {
    const genuine = await sign(
      { ...provenance(victim, `https://github.com/${victim.repository}/${victim.workflow}@${victim.ref}`), subject: publish.subject },
      victim,
    );
    const response = {
      attestations: [
        { predicateType: 'https://slsa.dev/provenance/v1', bundle: genuine },
        { predicateType: NPM_PUBLISH_PREDICATE_TYPE, bundle: await sign(publish, attacker) },
      ],
    };
    const result = await verifySlsaLevel(artifact, { attestations: response, ...policy() });
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(checkOf(result, 'npm.publish').passed).toBe(false);
  });
});

describe('a key with a period, and a logged signing time', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'w', digest: { sha256 } }], predicateType: 'https://example.com/p', predicate: {} };

  it('verifies when the logged signing time is inside the period, fails (public-key) when the period ended before it', async () => {
    const { bundle } = await signStatement(statement, { key: privateKey, keyHint: 'release-key', rekorUrl: stack.rekor.url, env: {} });
    const json = bundle as unknown as Record<string, unknown>;
    const hour = 3_600_000;
    const inside = await verifyBundle(artifact, json, { trustedRoot: stack.trustedRoot, publicKeys: [{ key: pem, keyId: 'release-key', validFrom: new Date(stack.clock.getTime() - hour), validUntil: new Date(stack.clock.getTime() + hour) }] });
    expect(inside.verified).toBe(true);
    const ended = await verifyBundle(artifact, json, { trustedRoot: stack.trustedRoot, publicKeys: [{ key: pem, keyId: 'release-key', validUntil: new Date(stack.clock.getTime() - hour) }] });
    expect(ended.verified).toBe(false);
    expect(failedIds(ended)).toEqual(['public-key']);
    expect(checkOf(ended, 'public-key').detail).toContain('the key is not trusted when it signed');
  });
});
