import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attestProvenance } from '../../src/attest/index.js';
import { githubActionsProvenance } from '../../src/attest/ci/github-actions.js';
import { gitlabCiProvenance } from '../../src/attest/ci/gitlab-ci.js';
import type { SignProgress } from '../../src/sign/sign-options.js';
import {
  EMPTY_TRUSTED_ROOT,
  TEST_ISSUER,
  TEST_SUBJECT,
  keylessOptions,
  mintIdentityToken,
  startSigstoreStack,
  verifyBundle,
  withFlippedSignatureBit,
  type SigstoreStack,
} from '../sign/support/index.js';
import { GITHUB_ENV, GITLAB_ENV } from './support/ci-env.js';

let stack: SigstoreStack;
let dir: string;
let tgz: string;
const bytes = Buffer.from('widget 1.0.0 release tarball');
const sha256 = createHash('sha256').update(bytes).digest('hex');
const sha512 = createHash('sha512').update(bytes).digest('hex');
const imageDigest = 'c'.repeat(64);
const identity = { subject: TEST_SUBJECT, issuer: TEST_ISSUER };

beforeAll(async () => {
  stack = await startSigstoreStack();
  dir = await mkdtemp(join(tmpdir(), 'sealkit-provenance-'));
  tgz = join(dir, 'widget-1.0.0.tgz');
  await writeFile(tgz, bytes);
});
afterAll(async () => {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
});

/** The statement inside a DSSE bundle, decoded from its payload. */
function payloadOf(bundle: { dsseEnvelope?: { payload: string; payloadType: string } }): unknown {
  expect(bundle.dsseEnvelope?.payloadType).toBe('application/vnd.in-toto+json');
  return JSON.parse(Buffer.from(bundle.dsseEnvelope!.payload, 'base64').toString('utf8'));
}

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

describe('attestProvenance', () => {
  it('signs GitHub Actions provenance keyless; the bundle verifies and carries exactly the statement returned', async () => {
    const progress: SignProgress['stage'][] = [];
    const result = await attestProvenance([tgz, { name: 'ghcr.io/acme/widget', digest: { sha256: imageDigest } }], {
      ...keylessOptions(stack, { env: GITHUB_ENV, tsaUrl: stack.tsa.url }),
      onProgress: (p) => progress.push(p.stage),
    });
    expect(result.provenanceSource).toBe('github-actions');
    expect(result.statement).toStrictEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [
        { name: 'widget-1.0.0.tgz', digest: { sha256 } },
        { name: 'ghcr.io/acme/widget', digest: { sha256: imageDigest } },
      ],
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: githubActionsProvenance(GITHUB_ENV),
    });
    expect(payloadOf(result.bundle)).toStrictEqual(result.statement);
    const signer = verifyBundle(result.bundle, { trustedRoot: stack.trustedRoot, identity, timestampThreshold: 2 });
    expect(signer.identity?.subjectAlternativeName).toBe(TEST_SUBJECT);
    expect(result.signer).toMatchObject({ kind: 'keyless', subject: TEST_SUBJECT, issuer: TEST_ISSUER });
    expect(result.tlogEntries).toHaveLength(1);
    expect(result.timestampAuthorities).toEqual([stack.tsa.url]);
    expect(result.sha256).toBe(createHash('sha256').update(Buffer.from(result.bundle.dsseEnvelope!.payload, 'base64')).digest('hex'));
    expect(progress).toContain('hash');
    expect(progress.indexOf('hash')).toBeLessThan(progress.indexOf('certificate'));
    expect(() => verifyBundle(withFlippedSignatureBit(result.bundle), { trustedRoot: stack.trustedRoot, identity })).toThrow();
  });

  it('signs GitLab CI provenance with a P-256 key, offline, with sha512 subjects as npm records them', async () => {
    const { key, publicKey } = keyPair();
    const bundlePath = join(dir, 'gitlab.sigstore.json');
    const result = await attestProvenance(
      { artifact: tgz, name: 'pkg:npm/widget@1.0.0' },
      { key, env: GITLAB_ENV, digestAlgorithms: ['sha512'], bundlePath },
    );
    expect(result.provenanceSource).toBe('gitlab-ci');
    expect(result.statement.subject).toStrictEqual([{ name: 'pkg:npm/widget@1.0.0', digest: { sha512 } }]);
    expect(result.statement.predicate).toStrictEqual(gitlabCiProvenance(GITLAB_ENV));
    const written = JSON.parse(await readFile(bundlePath, 'utf8'));
    expect(written).toStrictEqual(result.bundle);
    expect(payloadOf(written)).toStrictEqual(result.statement);
    expect(result.signer.kind).toBe('key');
    expect(result.tlogEntries).toEqual([]);
    const hint = written.verificationMaterial.publicKey.hint as string;
    verifyBundle(written, { trustedRoot: EMPTY_TRUSTED_ROOT, publicKeys: { [hint]: publicKey }, tlogThreshold: 0, timestampThreshold: 0 });
    // another key does not verify it
    expect(() =>
      verifyBundle(written, { trustedRoot: EMPTY_TRUSTED_ROOT, publicKeys: { [hint]: keyPair().publicKey }, tlogThreshold: 0, timestampThreshold: 0 }),
    ).toThrow();
  });

  it('signs explicit provenance outside any CI, keyless, with both digests', async () => {
    const provenance = {
      buildType: 'https://ci.acme.example/buildtypes/pipeline/v1',
      builderId: 'https://ci.acme.example/builders/linux',
      externalParameters: { repository: 'https://git.acme.example/widget', ref: 'refs/tags/v1.0.0' },
      resolvedDependencies: [{ uri: 'git+https://git.acme.example/widget@refs/tags/v1.0.0', digest: { gitCommit: 'ab'.repeat(20) } }],
      invocationId: 'https://ci.acme.example/jobs/77',
    };
    const result = await attestProvenance([{ artifact: bytes, name: 'widget.tgz' }], {
      ...keylessOptions(stack),
      provenance,
      digestAlgorithms: ['sha256', 'sha512'],
    });
    expect(result.provenanceSource).toBe('explicit');
    expect(result.statement).toStrictEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'widget.tgz', digest: { sha256, sha512 } }],
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: {
        buildDefinition: {
          buildType: provenance.buildType,
          externalParameters: provenance.externalParameters,
          resolvedDependencies: provenance.resolvedDependencies,
        },
        runDetails: { builder: { id: provenance.builderId }, metadata: { invocationId: provenance.invocationId } },
      },
    });
    expect(payloadOf(result.bundle)).toStrictEqual(result.statement);
    verifyBundle(result.bundle, { trustedRoot: stack.trustedRoot, identity });
  });

  it('fails with PROVENANCE_ENVIRONMENT_UNKNOWN outside CI, before reading a subject or asking for a token', async () => {
    await expect(attestProvenance(join(dir, 'missing.tgz'), { env: {} })).rejects.toMatchObject({
      code: 'PROVENANCE_ENVIRONMENT_UNKNOWN',
    });
  });

  it('fails naming a missing CI variable, before reading a subject', async () => {
    const { GITHUB_WORKFLOW_REF: _gone, ...env } = GITHUB_ENV;
    await expect(attestProvenance(join(dir, 'missing.tgz'), keylessOptions(stack, { env }))).rejects.toMatchObject({
      code: 'PROVENANCE_ENVIRONMENT_INVALID',
      message: expect.stringContaining('GITHUB_WORKFLOW_REF'),
    });
  });

  it('refuses wrong subjects and digests before signing', async () => {
    await expect(attestProvenance([], keylessOptions(stack, { env: GITHUB_ENV }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(attestProvenance(bytes, keylessOptions(stack, { env: GITHUB_ENV }))).rejects.toThrow(/has no name/);
    await expect(attestProvenance({ name: 'x', digest: { sha256: 'abc' } }, keylessOptions(stack, { env: GITHUB_ENV }))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('passes signing errors through: no identity token in a GitHub job without id-token permission', async () => {
    await expect(attestProvenance(tgz, { ...stack.services, env: GITHUB_ENV, retryDelay: 5 })).rejects.toMatchObject({
      code: 'IDENTITY_TOKEN_MISSING',
      message: expect.stringContaining('id-token: write'),
    });
  });

  it('keyless on GitHub names the signing workflow (job_workflow_ref) as builder.id, as GitHub does; with a key, the calling workflow', async () => {
    const reusable = 'acme/build-tools/.github/workflows/build.yml@refs/tags/v3.0.0';
    const token = mintIdentityToken({
      issuer: 'https://token.actions.githubusercontent.com',
      subject: `https://github.com/${reusable}`,
      claims: { job_workflow_ref: reusable, workflow_ref: GITHUB_ENV.GITHUB_WORKFLOW_REF },
    });
    const keyless = await attestProvenance(tgz, { ...keylessOptions(stack, { env: GITHUB_ENV }), identityToken: token });
    expect(keyless.statement.predicate!.runDetails.builder.id).toBe(`https://github.com/${reusable}`);
    expect((payloadOf(keyless.bundle) as typeof keyless.statement).predicate!.runDetails.builder.id).toBe(`https://github.com/${reusable}`);
    // Only the builder changes: the workflow that ran (externalParameters) stays the caller's.
    expect(keyless.statement.predicate!.buildDefinition.externalParameters).toStrictEqual(
      githubActionsProvenance(GITHUB_ENV).buildDefinition.externalParameters,
    );

    // A token from another issuer says nothing about GitHub workflows.
    const other = await attestProvenance(tgz, { ...keylessOptions(stack, { env: GITHUB_ENV }) });
    expect(other.statement.predicate!.runDetails.builder.id).toBe(`https://github.com/${GITHUB_ENV.GITHUB_WORKFLOW_REF}`);

    const keyed = await attestProvenance(tgz, { key: keyPair().key, env: GITHUB_ENV });
    expect(keyed.statement.predicate!.runDetails.builder.id).toBe(`https://github.com/${GITHUB_ENV.GITHUB_WORKFLOW_REF}`);
  });

  it('checks the key before reading any subject', async () => {
    await expect(attestProvenance(join(dir, 'not-built-yet.tgz'), { key: 'not a key', env: GITHUB_ENV })).rejects.toMatchObject({
      code: 'KEY_INVALID',
    });
  });
});
