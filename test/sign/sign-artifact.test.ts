import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signArtifact, type SignResult } from '../../src/sign/index.js';
import {
  EMPTY_TRUSTED_ROOT,
  TEST_ISSUER,
  TEST_SUBJECT,
  keylessOptions,
  mintIdentityToken,
  opensslVerifies,
  parseV03Bundle,
  startSigstoreStack,
  verifyBundle,
  withFlippedSignatureBit,
  type SigstoreStack,
} from './support/index.js';

let stack: SigstoreStack;
let dir: string;
let artifactPath: string;
const artifact = Buffer.from('release tarball bytes\n'.repeat(1000));
const identity = { subject: TEST_SUBJECT, issuer: TEST_ISSUER };

beforeAll(async () => {
  stack = await startSigstoreStack();
  dir = await mkdtemp(join(tmpdir(), 'sealkit-sign-'));
  artifactPath = join(dir, 'widget-1.0.tgz');
  await writeFile(artifactPath, artifact);
});
afterAll(async () => {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
});

const keyless = (extra: Record<string, unknown> = {}) => keylessOptions(stack, extra);

function rekorBodies(path = '/api/v1/log/entries'): Record<string, unknown>[] {
  return stack.rekor.requests.filter((r) => r.path === path).map((r) => JSON.parse(r.body) as Record<string, unknown>);
}

describe('signArtifact keyless', () => {
  let result: SignResult;
  beforeAll(async () => {
    result = await signArtifact(artifactPath, keyless());
  });

  it('returns a v0.3 message-signature bundle that @sigstore/verify accepts for the signing identity', () => {
    expect(result.bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(result.bundle.messageSignature?.messageDigest?.algorithm).toBe('SHA2_256');
    expect(result.bundle.verificationMaterial.certificate).toBeDefined();
    expect(() => parseV03Bundle(result.bundle)).not.toThrow();
    const signer = verifyBundle(result.bundle, { trustedRoot: stack.trustedRoot, artifact, identity });
    expect(signer.identity?.subjectAlternativeName).toBe(TEST_SUBJECT);
    expect(signer.identity?.extensions?.issuer).toBe(TEST_ISSUER);
  });

  it('reports the digest, the identity and the log entry', () => {
    expect(result.sha256).toBe(createHash('sha256').update(artifact).digest('hex'));
    expect(result.signer).toMatchObject({ kind: 'keyless', subject: TEST_SUBJECT, issuer: TEST_ISSUER, tokenSource: 'option' });
    const certificate = new X509Certificate((result.signer as { certificate: string }).certificate);
    expect(certificate.subjectAltName).toContain(TEST_SUBJECT);
    expect(result.tlogEntries).toEqual([
      { url: stack.rekor.url, logIndex: result.bundle.verificationMaterial.tlogEntries[0]!.logIndex, integratedTime: expect.any(Number) },
    ]);
    expect(result.timestampAuthorities).toEqual([]);
  });

  it('logs a hashedrekord entry of the artifact digest in Rekor', () => {
    const entry = rekorBodies().find(
      (body) => (body.spec as { data: { hash: { value: string } } }).data.hash.value === result.sha256,
    );
    expect(entry).toMatchObject({ kind: 'hashedrekord', apiVersion: '0.0.1' });
  });

  it('fails verification for another artifact, another identity and a flipped signature bit', () => {
    const trustedRoot = stack.trustedRoot;
    expect(() => verifyBundle(result.bundle, { trustedRoot, artifact: Buffer.from('tampered'), identity })).toThrow();
    expect(() =>
      verifyBundle(result.bundle, { trustedRoot, artifact, identity: { ...identity, subject: 'https://github.com/evil/x' } }),
    ).toThrow(/identity/i);
    expect(() =>
      verifyBundle(result.bundle, { trustedRoot, artifact, identity: { ...identity, issuer: 'https://evil.example' } }),
    ).toThrow();
    expect(() => verifyBundle(withFlippedSignatureBit(result.bundle), { trustedRoot, artifact, identity })).toThrow();
  });

  it('adds an RFC 3161 timestamp when a TSA is given, and it verifies', async () => {
    const before = stack.tsa.requests.length;
    const stamped = await signArtifact(artifact, keyless({ tsaUrl: stack.tsa.url }));
    expect(stack.tsa.requests.length).toBe(before + 1);
    expect(stamped.bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
    expect(stamped.timestampAuthorities).toEqual([stack.tsa.url]);
    // two verified timestamps: the log's integration time and the TSA's
    verifyBundle(stamped.bundle, { trustedRoot: stack.trustedRoot, artifact, identity, timestampThreshold: 2 });
    expect(() =>
      verifyBundle(withFlippedSignatureBit(stamped.bundle), { trustedRoot: stack.trustedRoot, artifact, identity }),
    ).toThrow();
  });

  it('signs streams and large files in one streaming pass; openssl agrees with the signature', async () => {
    const big = join(dir, 'big.bin');
    const bytes = Buffer.alloc(24 * 1024 * 1024 + 5, 7);
    await writeFile(big, bytes);
    for (const input of [big, createReadStream(big)]) {
      const signed = await signArtifact(input, keyless());
      const certificate = new X509Certificate((signed.signer as { certificate: string }).certificate);
      const publicKey = certificate.publicKey.export({ format: 'pem', type: 'spki' }).toString();
      expect(opensslVerifies(publicKey, signed.bundle.messageSignature!.signature, big)).toBe(true);
      verifyBundle(signed.bundle, { trustedRoot: stack.trustedRoot, artifact: bytes, identity });
    }
  });

  it('writes the bundle atomically, leaving no temporary file', async () => {
    const out = join(dir, 'out', 'widget.sigstore.json');
    await mkdir(join(dir, 'out'));
    const written = await signArtifact(artifactPath, keyless({ bundlePath: out }));
    expect(written.bundlePath).toBe(out);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(written.bundle);
    expect(await readdir(join(dir, 'out'))).toEqual(['widget.sigstore.json']);
    verifyBundle(JSON.parse(await readFile(out, 'utf8')), { trustedRoot: stack.trustedRoot, artifact, identity });
  });

  it('reads the token from SIGSTORE_ID_TOKEN when none is passed', async () => {
    const signed = await signArtifact(artifact, {
      ...stack.services,
      env: { SIGSTORE_ID_TOKEN: mintIdentityToken({ subject: 'ci@example.test' }) },
    });
    expect(signed.signer).toMatchObject({ subject: 'ci@example.test', tokenSource: 'env' });
    verifyBundle(signed.bundle, { trustedRoot: stack.trustedRoot, artifact, identity: { ...identity, subject: 'ci@example.test' } });
  });

  it('checks the token before hashing or calling Fulcio', async () => {
    const calls = stack.fulcio.requests.length;
    await expect(signArtifact(artifact, keyless({ identityToken: mintIdentityToken({ expiresIn: -30 }) }))).rejects.toMatchObject({
      code: 'IDENTITY_TOKEN_EXPIRED',
    });
    await expect(
      signArtifact(artifact, keyless({ identityToken: mintIdentityToken({ audience: 'not-sigstore' }) })),
    ).rejects.toMatchObject({ code: 'IDENTITY_TOKEN_AUDIENCE', message: expect.stringContaining('not-sigstore') });
    await expect(signArtifact(artifact, { ...stack.services, env: {} })).rejects.toMatchObject({
      code: 'IDENTITY_TOKEN_MISSING',
      message: expect.stringMatching(/SIGSTORE_ID_TOKEN.*GitHub Actions.*Buildkite.*GitLab CI/),
    });
    expect(stack.fulcio.requests.length).toBe(calls);
  });

  describe('with Rekor v2', () => {
    it('needs a timestamp authority', async () => {
      await expect(signArtifact(artifact, keyless({ rekorVersion: 2 }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('writes a hashedrekord v0.0.2 entry of the right digest and signature', async () => {
      const signed = await signArtifact(artifact, keyless({ rekorVersion: 2, tsaUrl: stack.tsa.url }));
      const [entry] = signed.bundle.verificationMaterial.tlogEntries;
      expect(entry?.kindVersion).toEqual({ kind: 'hashedrekord', version: '0.0.2' });
      expect(() => parseV03Bundle(signed.bundle)).not.toThrow();
      const request = rekorBodies('/api/v2/log/entries').at(-1) as {
        hashedRekordRequestV002: {
          digest: string;
          signature: { content: string; verifier: { keyDetails: string; x509Certificate: { rawBytes: string } } };
        };
      };
      // Rekor v2 names no hash: the key details say it, and they must match the digest.
      expect(request.hashedRekordRequestV002.signature.verifier.keyDetails).toBe('PKIX_ECDSA_P256_SHA_256');
      expect(signed.bundle.messageSignature?.messageDigest?.algorithm).toBe('SHA2_256');
      expect(Buffer.from(request.hashedRekordRequestV002.digest, 'base64').toString('hex')).toBe(signed.sha256);
      expect(request.hashedRekordRequestV002.signature.content).toBe(signed.bundle.messageSignature!.signature);
      expect(request.hashedRekordRequestV002.signature.verifier.x509Certificate.rawBytes).toBe(
        signed.bundle.verificationMaterial.certificate!.rawBytes,
      );
      // The mock's v2 entries claim a random index in a one-leaf tree, so no verifier accepts
      // their inclusion proof; everything else in the bundle must still verify.
      expect(() => verifyBundle(signed.bundle, { trustedRoot: stack.trustedRoot, artifact, identity })).toThrow(/index/);
      const withoutEntry = { ...signed.bundle, verificationMaterial: { ...signed.bundle.verificationMaterial, tlogEntries: [] } };
      verifyBundle(withoutEntry, { trustedRoot: stack.trustedRoot, artifact, identity, tlogThreshold: 0 });
    });
  });
});

describe('signArtifact with a key', () => {
  // Each key with the hash the Sigstore algorithm registry pairs with it, and the bundle's name of it.
  const keys: Record<string, { make: () => { privateKey: KeyObject; pem: string }; hash: 'sha256' | 'sha384' | 'sha512'; proto: string }> = {
    'ECDSA P-256 (PKCS#8)': {
      make: () => pemKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'pkcs8'),
      hash: 'sha256',
      proto: 'SHA2_256',
    },
    'ECDSA P-384 (SEC1)': {
      make: () => pemKey(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 'sec1'),
      hash: 'sha384',
      proto: 'SHA2_384',
    },
    'ECDSA P-521 (PKCS#8)': {
      make: () => pemKey(generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey, 'pkcs8'),
      hash: 'sha512',
      proto: 'SHA2_512',
    },
    'RSA 2048 (PKCS#1)': {
      make: () => pemKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'pkcs1'),
      hash: 'sha256',
      proto: 'SHA2_256',
    },
  };

  for (const [name, { make, hash, proto }] of Object.entries(keys)) {
    it(`signs offline with ${name} over the artifact's ${hash}; verifies with its public key only`, async () => {
      const { privateKey, pem } = make();
      const before = stack.rekor.requests.length + stack.fulcio.requests.length + stack.tsa.requests.length;
      const signed = await signArtifact(artifactPath, { key: pem, env: {} });
      expect(stack.rekor.requests.length + stack.fulcio.requests.length + stack.tsa.requests.length).toBe(before);
      expect(signed.bundle.verificationMaterial.tlogEntries ?? []).toEqual([]); // proto3 JSON omits empty lists
      expect(() => parseV03Bundle(signed.bundle)).not.toThrow();
      expect(signed.bundle.messageSignature?.messageDigest).toEqual({
        algorithm: proto,
        digest: createHash(hash).update(artifact).digest('base64'),
      });
      expect(signed.sha256).toBe(createHash('sha256').update(artifact).digest('hex'));

      const publicKey = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
      expect(signed.signer).toEqual({ kind: 'key', keyHint: expect.stringMatching(/^[0-9a-f]{64}$/), publicKey });
      const hint = (signed.signer as { keyHint: string }).keyHint;
      expect(signed.bundle.verificationMaterial.publicKey?.hint).toBe(hint);
      const offline = { trustedRoot: EMPTY_TRUSTED_ROOT, artifact, tlogThreshold: 0, timestampThreshold: 0 };
      verifyBundle(signed.bundle, { ...offline, publicKeys: { [hint]: publicKey } });
      expect(opensslVerifies(publicKey, signed.bundle.messageSignature!.signature, artifactPath, hash)).toBe(true);

      const other = createPublicKey(make().privateKey).export({ format: 'pem', type: 'spki' }).toString();
      expect(() => verifyBundle(signed.bundle, { ...offline, publicKeys: { [hint]: other } })).toThrow();
      expect(() => verifyBundle(signed.bundle, { ...offline, publicKeys: { [hint]: publicKey }, artifact: Buffer.from('x') })).toThrow();
    });
  }

  it('takes a KeyObject, an encrypted PEM with its passphrase, and a key hint', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicKey = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
    const offline = { trustedRoot: EMPTY_TRUSTED_ROOT, artifact, tlogThreshold: 0, timestampThreshold: 0 };

    const fromObject = await signArtifact(artifact, { key: privateKey, keyHint: 'release-key-2025' });
    expect(fromObject.bundle.verificationMaterial.publicKey?.hint).toBe('release-key-2025');
    verifyBundle(fromObject.bundle, { ...offline, publicKeys: { 'release-key-2025': publicKey } });

    const encrypted = privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 's3cret' });
    const fromPem = await signArtifact(artifact, { key: Buffer.from(encrypted), passphrase: 's3cret', keyHint: 'k' });
    verifyBundle(fromPem.bundle, { ...offline, publicKeys: { k: publicKey } });
    await expect(signArtifact(artifact, { key: encrypted, passphrase: 'wrong' })).rejects.toMatchObject({ code: 'KEY_PASSPHRASE' });
  });

  it('logs in Rekor when a Rekor URL is given, and the entry verifies', async () => {
    const { privateKey, pem } = keys['ECDSA P-256 (PKCS#8)']!.make();
    const signed = await signArtifact(artifact, { key: pem, rekorUrl: stack.rekor.url, keyHint: 'k1' });
    expect(signed.tlogEntries).toHaveLength(1);
    const publicKey = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
    verifyBundle(signed.bundle, { trustedRoot: stack.trustedRoot, artifact, publicKeys: { k1: publicKey } });
    const logged = rekorBodies().at(-1) as { spec: { signature: { publicKey: { content: string } } } };
    expect(Buffer.from(logged.spec.signature.publicKey.content, 'base64').toString()).toBe(publicKey);
  });

  it('timestamps without logging when only a TSA is given', async () => {
    const { privateKey, pem } = keys['ECDSA P-256 (PKCS#8)']!.make();
    const signed = await signArtifact(artifact, { key: pem, tsaUrl: stack.tsa.url, keyHint: 'k2' });
    expect(signed.tlogEntries).toEqual([]);
    const publicKey = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
    verifyBundle(signed.bundle, { trustedRoot: stack.trustedRoot, artifact, publicKeys: { k2: publicKey }, tlogThreshold: 0 });
  });

  it('refuses Ed25519 for message signatures, which verifiers cannot check', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    await expect(signArtifact(artifact, { key: privateKey })).rejects.toMatchObject({ code: 'KEY_INVALID' });
  });

  it('refuses a key together with an identity token or a signer callback', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await expect(signArtifact(artifact, { key: privateKey, identityToken: mintIdentityToken() })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(
      signArtifact(artifact, { key: privateKey, signer: { publicKey: createPublicKey(privateKey), sign: async () => Buffer.alloc(1) } }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('signArtifact with a signer callback', () => {
  it('signs a precomputed digest through a digest-signing "HSM" (openssl pkeyutl)', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = join(dir, 'hsm-key.pem');
    await writeFile(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const publicKey = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
    const requests: { digest: string; message: Buffer | undefined }[] = [];
    const hsm = {
      publicKey,
      keyHint: 'hsm-slot-1',
      sign: async ({ digest, message }: { digest: Buffer; message: Buffer | undefined }) => {
        requests.push({ digest: digest.toString('hex'), message });
        return execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', keyFile, '-pkeyopt', 'digest:sha256'], { input: digest });
      },
    };
    const sha256 = createHash('sha256').update(artifact).digest('hex');
    for (const input of [{ sha256 }, artifactPath, artifact]) {
      const signed = await signArtifact(input, { signer: hsm });
      expect(signed.sha256).toBe(sha256);
      verifyBundle(signed.bundle, {
        trustedRoot: EMPTY_TRUSTED_ROOT,
        artifact,
        publicKeys: { 'hsm-slot-1': publicKey },
        tlogThreshold: 0,
        timestampThreshold: 0,
      });
    }
    expect(requests.map((r) => r.digest)).toEqual([sha256, sha256, sha256]);
    expect(requests.map((r) => r.message === undefined)).toEqual([true, true, false]);
  });

  it('rejects a callback that fails or returns a signature its key does not verify', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const wrongKey = { publicKey, sign: async ({ message }: { message?: Buffer }) => sign('sha256', message!, other) };
    await expect(signArtifact(artifact, { signer: wrongKey })).rejects.toMatchObject({ code: 'SIGNER_FAILED' });
    const failing = {
      publicKey,
      sign: async () => {
        throw new Error('KMS: access denied');
      },
    };
    await expect(signArtifact(artifact, { signer: failing })).rejects.toMatchObject({
      code: 'SIGNER_FAILED',
      message: expect.stringContaining('access denied'),
    });
    const right = { publicKey, sign: async ({ message }: { message?: Buffer }) => sign('sha256', message!, privateKey) };
    await expect(signArtifact(artifact, { signer: right })).resolves.toBeDefined();
  });
});

function pemKey(privateKey: KeyObject, type: 'pkcs8' | 'sec1' | 'pkcs1') {
  return { privateKey, pem: privateKey.export({ format: 'pem', type }).toString() };
}
