import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCommand } from '../../../src/cli/commands/sign.js';
import { main } from '../../../src/cli/main.js';
import { SealkitError, UsageError } from '../../../src/errors.js';
import {
  EMPTY_TRUSTED_ROOT,
  TEST_ISSUER,
  TEST_SUBJECT,
  mintIdentityToken,
  opensslVerifies,
  startSigstoreStack,
  unusedUrl,
  verifyBundle,
  type SigstoreStack,
} from '../../sign/support/index.js';
import { captureIo } from '../../support/capture-io.js';

let stack: SigstoreStack;
let dir: string;
const artifact = Buffer.from('cli artifact\n');
const identity = { subject: TEST_SUBJECT, issuer: TEST_ISSUER };

beforeAll(async () => {
  stack = await startSigstoreStack();
  dir = await mkdtemp(join(tmpdir(), 'sealkit-cli-sign-'));
  await writeFile(join(dir, 'app.tgz'), artifact);
});
afterAll(async () => {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
});

function io(env: NodeJS.ProcessEnv = {}) {
  return captureIo(dir, env);
}

const services = () => ['--fulcio-url', stack.fulcio.url, '--rekor-url', stack.rekor.url];

describe('sealkit sign', () => {
  it('prints its help', async () => {
    const cli = io();
    expect(await signCommand.run(['--help'], cli)).toBe(0);
    expect(cli.out()).toContain('Usage: sealkit sign <file> --bundle <out.sigstore.json>');
    expect(cli.out()).toContain('sealkit sign --digest sha256:<hex> --bundle <out.sigstore.json>');
    for (const flag of ['--digest', '--key', '--identity-token', '--fulcio-url', '--rekor-url', '--tsa-url', '--signing-config']) {
      expect(cli.out()).toContain(flag);
    }
    expect(signCommand.name).toBe('sign');
  });

  it('signs keyless into a bundle that verifies, naming the identity and the log entry', async () => {
    const cli = io();
    const code = await signCommand.run(
      ['app.tgz', '--bundle', 'app.sigstore.json', '--identity-token', mintIdentityToken(), ...services(), '--tsa-url', stack.tsa.url],
      cli,
    );
    expect(code).toBe(0);
    const bundle: unknown = JSON.parse(await readFile(join(dir, 'app.sigstore.json'), 'utf8'));
    verifyBundle(bundle, { trustedRoot: stack.trustedRoot, artifact, identity, timestampThreshold: 2 });
    expect(cli.out()).toMatch(/^signed app\.tgz \(sha256:[0-9a-f]{64}\)\n {2}signer: .*release\.yml/);
    expect(cli.out()).toContain(`tlog:   ${stack.rekor.url} entry`);
    expect(cli.out()).toContain('bundle: app.sigstore.json');
  });

  it('reads the token from a file or from SIGSTORE_ID_TOKEN, and writes the bundle to stdout with "-"', async () => {
    await writeFile(join(dir, 'token.txt'), `${mintIdentityToken()}\n`);
    const fromFile = io();
    expect(await signCommand.run(['app.tgz', '--bundle', '-', '--identity-token', 'token.txt', ...services()], fromFile)).toBe(0);
    verifyBundle(JSON.parse(fromFile.out()), { trustedRoot: stack.trustedRoot, artifact, identity });

    const fromEnv = io({ SIGSTORE_ID_TOKEN: mintIdentityToken() });
    expect(await signCommand.run(['app.tgz', '--bundle', '-', ...services()], fromEnv)).toBe(0);
    verifyBundle(JSON.parse(fromEnv.out()), { trustedRoot: stack.trustedRoot, artifact, identity });
  });

  it('signs offline with an encrypted key whose passphrase is in SEALKIT_KEY_PASSPHRASE', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await writeFile(join(dir, 'key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' }));
    const before = stack.rekor.requests.length;
    const cli = io({ SEALKIT_KEY_PASSPHRASE: 'pw' });
    expect(await signCommand.run(['app.tgz', '--key', 'key.pem', '--bundle', 'key.sigstore.json'], cli)).toBe(0);
    expect(stack.rekor.requests.length).toBe(before);
    const bundle = JSON.parse(await readFile(join(dir, 'key.sigstore.json'), 'utf8')) as { verificationMaterial: { publicKey: { hint: string } } };
    const publicKey = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
    verifyBundle(bundle, {
      trustedRoot: EMPTY_TRUSTED_ROOT,
      artifact,
      publicKeys: { [bundle.verificationMaterial.publicKey.hint]: publicKey },
      tlogThreshold: 0,
      timestampThreshold: 0,
    });
    expect(cli.out()).toContain(`signer: key ${bundle.verificationMaterial.publicKey.hint}`);
    await expect(signCommand.run(['app.tgz', '--key', 'key.pem', '--bundle', 'x.json'], io())).rejects.toMatchObject({ code: 'KEY_PASSPHRASE' });
  });

  describe('--digest', () => {
    const sha256 = createHash('sha256').update(artifact).digest('hex');

    it('signs keyless by digest alone; the bundle verifies given the artifact bytes, not others', async () => {
      const cli = io();
      const args = ['--digest', `sha256:${sha256}`, '--bundle', 'digest.sigstore.json', '--identity-token', mintIdentityToken(), ...services()];
      expect(await main(['sign', ...args], cli)).toBe(0);
      expect(cli.out()).toMatch(new RegExp(`^signed sha256:${sha256}\n {2}signer: .*release\\.yml`));
      const bundle: unknown = JSON.parse(await readFile(join(dir, 'digest.sigstore.json'), 'utf8'));
      verifyBundle(bundle, { trustedRoot: stack.trustedRoot, artifact, identity });
      expect(() => verifyBundle(bundle, { trustedRoot: stack.trustedRoot, artifact: Buffer.from('other'), identity })).toThrow();
    });

    it('signs by digest with an RSA key, offline; openssl verifies the signature over the file', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      await writeFile(join(dir, 'rsa.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
      const before = stack.rekor.requests.length;
      const cli = io();
      expect(await signCommand.run(['--digest', sha256, '--key', 'rsa.pem', '--bundle', '-'], cli)).toBe(0);
      expect(stack.rekor.requests.length).toBe(before);
      const bundle = JSON.parse(cli.out()) as { messageSignature: { signature: string }; verificationMaterial: { publicKey: { hint: string } } };
      const publicKey = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
      verifyBundle(bundle, {
        trustedRoot: EMPTY_TRUSTED_ROOT,
        artifact,
        publicKeys: { [bundle.verificationMaterial.publicKey.hint]: publicKey },
        tlogThreshold: 0,
        timestampThreshold: 0,
      });
      expect(opensslVerifies(publicKey, bundle.messageSignature.signature, join(dir, 'app.tgz'))).toBe(true);
    });

    it('exits 2 with both a file and --digest, with neither, or with a malformed digest', async () => {
      const cases: [string[], RegExp][] = [
        [['app.tgz', '--digest', `sha256:${sha256}`, '--bundle', 'b.json'], /either <file> or --digest, not both/],
        [['--bundle', 'b.json'], /missing <file> \(or --digest/],
        [['--digest', 'sha256:abc', '--bundle', 'b.json', '--identity-token', mintIdentityToken(), ...services()], /64 hexadecimal digits/],
        [['--digest', `sha512:${sha256}`, '--bundle', 'b.json', '--identity-token', mintIdentityToken(), ...services()], /64 hexadecimal digits/],
      ];
      const calls = stack.fulcio.requests.length;
      for (const [args, message] of cases) {
        const cli = io();
        expect(await main(['sign', ...args], cli)).toBe(2);
        expect(cli.err()).toMatch(message);
        await expect(signCommand.run(args, io())).rejects.toBeInstanceOf(UsageError);
      }
      expect(stack.fulcio.requests.length).toBe(calls);
    });
  });

  it('uses a signing config', async () => {
    await writeFile(
      join(dir, 'signing_config.json'),
      JSON.stringify({
        mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
        caUrls: [{ url: stack.fulcio.url, majorApiVersion: 1 }],
        rekorTlogUrls: [{ url: stack.rekor.url, majorApiVersion: 1 }],
        tsaUrls: [],
        rekorTlogConfig: { selector: 'ANY' },
      }),
    );
    const cli = io();
    const args = ['app.tgz', '--bundle', '-', '--identity-token', mintIdentityToken(), '--signing-config', 'signing_config.json'];
    expect(await signCommand.run(args, cli)).toBe(0);
    verifyBundle(JSON.parse(cli.out()), { trustedRoot: stack.trustedRoot, artifact, identity });
  });

  it('throws usage errors (exit 2) for wrong invocations', async () => {
    const invocations = [
      [],
      ['app.tgz'],
      ['app.tgz', 'other.tgz', '--bundle', 'b'],
      ['app.tgz', '--bundle', 'b', '--frobnicate'],
      ['app.tgz', '--bundle', 'b', '--rekor-version', '3'],
      ['app.tgz', '--bundle', 'b', '--timeout', 'soon'],
      ['app.tgz', '--bundle', 'b', '--retries', '-1'],
      ['app.tgz', '--bundle', 'b', '--fulcio-url', 'nope', '--identity-token', mintIdentityToken()],
    ];
    for (const args of invocations) {
      await expect(signCommand.run(args, io())).rejects.toBeInstanceOf(UsageError);
    }
  });

  it('throws sealkit errors (exit 1) naming what failed', async () => {
    const down = await unusedUrl();
    const failure = await signCommand
      .run(['app.tgz', '--bundle', 'b.json', '--identity-token', mintIdentityToken(), '--fulcio-url', down, '--rekor-url', stack.rekor.url, '--timeout', '1', '--retries', '0'], io())
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SealkitError);
    expect(failure).not.toBeInstanceOf(UsageError);
    expect(failure).toMatchObject({ code: 'SERVICE_UNREACHABLE', message: expect.stringContaining(down) });

    await expect(signCommand.run(['missing.tgz', '--bundle', 'b.json', '--key', 'key.pem'], io({ SEALKIT_KEY_PASSPHRASE: 'pw' }))).rejects.toMatchObject({
      code: 'ARTIFACT_UNREADABLE',
    });
    await expect(signCommand.run(['app.tgz', '--bundle', 'b.json', '--key', 'no-key.pem'], io())).rejects.toMatchObject({ code: 'KEY_INVALID' });
    await expect(signCommand.run(['app.tgz', '--bundle', 'b.json'], io())).rejects.toMatchObject({ code: 'IDENTITY_TOKEN_MISSING' });
  });
});
