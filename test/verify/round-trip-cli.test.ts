/**
 * The command line, round trip: `sealkit attest` and `sealkit sign` against the local
 * Sigstore stack, then `sealkit verify` and `sealkit verify-bundle` on what they wrote.
 * Exit 0 only when verified, 1 when not, and `--json` prints the whole result either way.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { VerificationResult } from '../../src/verify/index.js';
import { startSigstoreStack, type SigstoreStack } from '../sign/support/index.js';
import { GENERIC_GENERATOR, githubEnv, githubJob, githubToken, workflowUri } from './support/github-claims.js';
import { captureIo } from '../support/capture-io.js';

let stack: SigstoreStack;
let dir: string;
const artifact = Buffer.from('widget 1.0.0 release tarball, from the command line\n');
const sha256 = createHash('sha256').update(artifact).digest('hex');

function cli(env: NodeJS.ProcessEnv = {}) {
  return captureIo(dir, env);
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const io = cli(env);
  const code = await main(args, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

async function verifyJson(args: string[]): Promise<{ code: number; result: VerificationResult }> {
  const { code, stdout, stderr } = await run(['verify', ...args, '--trusted-root', 'root.json', '--json']);
  expect(stderr).toBe('');
  return { code, result: JSON.parse(stdout) as VerificationResult };
}

const failed = (result: VerificationResult) => result.checks.filter((c) => !c.passed).map((c) => c.id);

beforeAll(async () => {
  stack = await startSigstoreStack();
  dir = await mkdtemp(join(tmpdir(), 'sealkit-round-trip-cli-'));
  await writeFile(join(dir, 'widget.tgz'), artifact);
  await writeFile(join(dir, 'root.json'), JSON.stringify(stack.trustedRoot));
});
afterAll(async () => {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
});

function signingFlags(token: string): string[] {
  return ['--identity-token', token, '--fulcio-url', stack.services.fulcioUrl, '--rekor-url', stack.services.rekorUrl, '--tsa-url', stack.tsa.url, '--retries', '0'];
}

describe('sealkit attest, then sealkit verify', () => {
  it('GitHub Actions provenance: L2, exit 0; --min-level 3 exits 1 with the result as JSON', async () => {
    const job = githubJob();
    const attested = await run(['attest', 'widget.tgz', '--bundle', 'widget.intoto.json', ...signingFlags(githubToken(job))], githubEnv(job));
    expect(attested.stderr).toBe('');
    expect(attested.code).toBe(0);

    const ok = await verifyJson(['widget.tgz', '--bundle', 'widget.intoto.json', '--source-uri', 'github.com/acme/widget', '--min-level', '2']);
    expect(ok.code).toBe(0);
    expect(ok.result).toMatchObject({ verified: true, level: 2, artifact: { sha256 } });
    expect(failed(ok.result)).toEqual(['builder.trusted']);

    const digest = await verifyJson([`sha256:${sha256}`, '--bundle', 'widget.intoto.json', '--source-uri', 'github.com/acme/widget', '--source-ref', 'refs/heads/main']);
    expect(digest.code).toBe(0);

    const l3 = await verifyJson(['widget.tgz', '--bundle', 'widget.intoto.json', '--source-uri', 'github.com/acme/widget', '--min-level', '3']);
    expect(l3.code).toBe(1);
    expect(l3.result).toMatchObject({ verified: false, level: 2 });
    expect(failed(l3.result).sort()).toEqual(['builder.trusted', 'level.minimum']);

    const otherRepo = await verifyJson(['widget.tgz', '--bundle', 'widget.intoto.json', '--source-uri', 'github.com/acme/gadget']);
    expect(otherRepo.code).toBe(1);
    expect(failed(otherRepo.result)).toContain('source.repository');

    // The table: the verdict first, every check below.
    const table = await run(['verify', 'widget.tgz', '--bundle', 'widget.intoto.json', '--trusted-root', 'root.json', '--source-uri', 'github.com/acme/widget']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toBe('widget.tgz: VERIFIED, SLSA Build L2');
    expect(table.stdout).toContain('builder.trusted');
  });

  it('slsa-github-generator as the signer: L3 with --min-level 3', async () => {
    const job = githubJob({ jobWorkflowRef: `${GENERIC_GENERATOR}@refs/tags/v2.1.0` });
    const attested = await run(['attest', 'widget.tgz', '--bundle', 'l3.intoto.json', ...signingFlags(githubToken(job))], githubEnv(job));
    expect(attested.code).toBe(0);
    const l3 = await verifyJson(['widget.tgz', '--bundle', 'l3.intoto.json', '--source-uri', 'github.com/acme/widget', '--min-level', '3']);
    expect(failed(l3.result)).toEqual([]);
    expect(l3).toMatchObject({ code: 0, result: { verified: true, level: 3 } });
  });

  it('a self-hosted runner: --min-level 2 exits 1 naming platform.hosted', async () => {
    const job = githubJob({ runnerEnvironment: 'self-hosted' });
    expect((await run(['attest', 'widget.tgz', '--bundle', 'self-hosted.intoto.json', ...signingFlags(githubToken(job))], githubEnv(job))).code).toBe(0);
    const result = await verifyJson(['widget.tgz', '--bundle', 'self-hosted.intoto.json', '--source-uri', 'github.com/acme/widget', '--min-level', '2']);
    expect(result).toMatchObject({ code: 1, result: { verified: false, level: 1 } });
    expect(failed(result.result)).toEqual(expect.arrayContaining(['platform.hosted', 'level.minimum']));
  });
});

describe('sealkit sign, then sealkit verify-bundle', () => {
  it('keyless: exit 0 with the identity, 1 with another (the checks on stderr)', async () => {
    const job = githubJob();
    const signed = await run(['sign', 'widget.tgz', '--bundle', 'widget.sigstore.json', ...signingFlags(githubToken(job))]);
    expect(signed.code).toBe(0);
    const base = ['verify-bundle', '--bundle', 'widget.sigstore.json', '--trusted-root', 'root.json', '--certificate-oidc-issuer', 'https://token.actions.githubusercontent.com'];
    const ok = await run([...base, '--certificate-identity', workflowUri(job), 'widget.tgz']);
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toContain('VERIFIED');
    expect((await run([...base, '--certificate-identity', workflowUri(job), `sha256:${sha256}`])).code).toBe(0);

    const other = await run([...base, '--certificate-identity', `${workflowUri(job)}x`, 'widget.tgz']);
    expect(other.code).toBe(1);
    expect(other.stdout).toBe('');
    expect(other.stderr).toContain('NOT VERIFIED');
    expect(other.stderr).toContain('identity.subject');

    await writeFile(join(dir, 'other.tgz'), 'another artifact');
    const otherArtifact = await run([...base, '--certificate-identity', workflowUri(job), 'other.tgz']);
    expect(otherArtifact.code).toBe(1);
    expect(otherArtifact.stderr).toContain('attestations.match');
  });

  it('with a key: exit 0 with its public key, 1 with another; a missing bundle is exit 1 naming the error code', async () => {
    const pems = [0, 1].map(() => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
      return { key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), pub: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
    });
    await writeFile(join(dir, 'key.pem'), pems[0]!.key);
    await writeFile(join(dir, 'key.pub'), pems[0]!.pub);
    await writeFile(join(dir, 'other.pub'), pems[1]!.pub);
    const signed = await run(['sign', 'widget.tgz', '--key', 'key.pem', '--bundle', 'keyed.sigstore.json', '--rekor-url', stack.services.rekorUrl]);
    expect(signed).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(await readFile(join(dir, 'keyed.sigstore.json'), 'utf8'))).toHaveProperty('messageSignature');

    const base = ['verify-bundle', '--bundle', 'keyed.sigstore.json', '--trusted-root', 'root.json'];
    expect((await run([...base, '--key', 'key.pub', 'widget.tgz'])).code).toBe(0);
    const sha384 = createHash('sha384').update(artifact).digest('hex');
    expect((await run([...base, '--key', 'key.pub', `sha384:${sha384}`])).code).toBe(0);
    const other = await run([...base, '--key', 'other.pub', 'widget.tgz']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('signature');

    const json = await verifyJson(['widget.tgz', '--bundle', 'keyed.sigstore.json', '--key', 'other.pub']);
    expect(json).toMatchObject({ code: 1, result: { verified: false, level: 0 } });

    const missing = await run(['verify', 'widget.tgz', '--bundle', 'nope.json', '--key', 'key.pub']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^sealkit: ARTIFACT_UNREADABLE: /);
  });
});
