/**
 * signArtifact({ sha256 }): a digest computed elsewhere, signed keyless or with ECDSA/RSA keys
 * without sealkit ever seeing the artifact, and verified by @sigstore/verify and openssl
 * given the artifact's bytes.
 */
import { X509Certificate, createHash, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signArtifact, type SignProgress, type SignResult } from '../../src/sign/index.js';
import {
  EMPTY_TRUSTED_ROOT,
  TEST_ISSUER,
  TEST_SUBJECT,
  keylessOptions,
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
const artifact = Buffer.from('a release built and hashed elsewhere\n'.repeat(2000));
const sha256 = createHash('sha256').update(artifact).digest('hex');
const otherBytes = Buffer.from('a different release\n');
const identity = { subject: TEST_SUBJECT, issuer: TEST_ISSUER };

beforeAll(async () => {
  stack = await startSigstoreStack();
  dir = await mkdtemp(join(tmpdir(), 'sealkit-sign-digest-'));
  artifactPath = join(dir, 'release.tgz');
  await writeFile(artifactPath, artifact);
});
afterAll(async () => {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
});

const keyless = (extra: Record<string, unknown> = {}) => keylessOptions(stack, extra);

function certificateKey(result: SignResult): string {
  const certificate = new X509Certificate((result.signer as { certificate: string }).certificate);
  return certificate.publicKey.export({ format: 'pem', type: 'spki' }).toString();
}

function spki(key: KeyObject): string {
  return createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
}

describe('signArtifact({ sha256 }) keyless', () => {
  let result: SignResult;
  const progress: SignProgress['stage'][] = [];
  beforeAll(async () => {
    result = await signArtifact({ sha256 }, keyless({ onProgress: (p: SignProgress) => progress.push(p.stage) }));
  });

  it('gives a v0.3 bundle whose messageDigest is the digest, verified given the artifact bytes', () => {
    expect(() => parseV03Bundle(result.bundle)).not.toThrow();
    expect(result.bundle.messageSignature?.messageDigest).toEqual({
      algorithm: 'SHA2_256',
      digest: Buffer.from(sha256, 'hex').toString('base64'),
    });
    expect(result.sha256).toBe(sha256);
    expect(result.signer).toMatchObject({ kind: 'keyless', subject: TEST_SUBJECT, issuer: TEST_ISSUER });
    const signer = verifyBundle(result.bundle, { trustedRoot: stack.trustedRoot, artifact, identity });
    expect(signer.identity?.subjectAlternativeName).toBe(TEST_SUBJECT);
  });

  it('fails verification with other bytes, another identity or a flipped signature bit', () => {
    const trustedRoot = stack.trustedRoot;
    expect(() => verifyBundle(result.bundle, { trustedRoot, artifact: otherBytes, identity })).toThrow();
    expect(() => verifyBundle(result.bundle, { trustedRoot, artifact: artifact.subarray(1), identity })).toThrow();
    expect(() =>
      verifyBundle(result.bundle, { trustedRoot, artifact, identity: { ...identity, subject: 'https://github.com/evil/x' } }),
    ).toThrow();
    expect(() => verifyBundle(withFlippedSignatureBit(result.bundle), { trustedRoot, artifact, identity })).toThrow();
  });

  it('signs with the certified key: openssl verifies the signature over the artifact file', () => {
    expect(opensslVerifies(certificateKey(result), result.bundle.messageSignature!.signature, artifactPath)).toBe(true);
    expect(opensslVerifies(certificateKey(result), result.bundle.messageSignature!.signature, join(dir, 'missing'))).toBe(false);
  });

  it('logs a hashedrekord entry of the digest and reads nothing (no hash progress)', () => {
    const logged = stack.rekor.requests
      .filter((r) => r.path === '/api/v1/log/entries')
      .map((r) => JSON.parse(r.body) as { kind: string; spec: { data: { hash: { value: string } }; signature: { content: string } } })
      .find((body) => body.spec.data.hash.value === sha256);
    expect(logged).toMatchObject({ kind: 'hashedrekord' });
    expect(logged?.spec.signature.content).toBe(result.bundle.messageSignature!.signature);
    expect(result.tlogEntries).toHaveLength(1);
    expect(progress).not.toContain('hash');
    expect(progress).toEqual(expect.arrayContaining(['identity', 'certificate', 'witness']));
  });

  it('adds an RFC 3161 timestamp when a TSA is given, and both timestamps verify', async () => {
    const stamped = await signArtifact({ sha256: `sha256:${sha256.toUpperCase()}` }, keyless({ tsaUrl: stack.tsa.url }));
    expect(stamped.sha256).toBe(sha256);
    expect(stamped.timestampAuthorities).toEqual([stack.tsa.url]);
    verifyBundle(stamped.bundle, { trustedRoot: stack.trustedRoot, artifact, identity, timestampThreshold: 2 });
    expect(() => verifyBundle(stamped.bundle, { trustedRoot: stack.trustedRoot, artifact: otherBytes, identity })).toThrow();
    expect(opensslVerifies(certificateKey(stamped), stamped.bundle.messageSignature!.signature, artifactPath)).toBe(true);
  });

  it('signs with a TSA and no log', async () => {
    const signed = await signArtifact({ sha256 }, keyless({ tsaUrl: stack.tsa.url, tlog: false }));
    expect(signed.tlogEntries).toEqual([]);
    verifyBundle(signed.bundle, { trustedRoot: stack.trustedRoot, artifact, identity, tlogThreshold: 0 });
    expect(() => verifyBundle(signed.bundle, { trustedRoot: stack.trustedRoot, artifact: otherBytes, identity, tlogThreshold: 0 })).toThrow();
  });

  it('writes a hashedrekord v0.0.2 entry of the digest to Rekor v2', async () => {
    const signed = await signArtifact({ sha256 }, keyless({ rekorVersion: 2, tsaUrl: stack.tsa.url }));
    expect(signed.bundle.verificationMaterial.tlogEntries[0]?.kindVersion).toEqual({ kind: 'hashedrekord', version: '0.0.2' });
    const request = JSON.parse(stack.rekor.requests.filter((r) => r.path === '/api/v2/log/entries').at(-1)!.body) as {
      hashedRekordRequestV002: { digest: string; signature: { content: string } };
    };
    expect(Buffer.from(request.hashedRekordRequestV002.digest, 'base64').toString('hex')).toBe(sha256);
    expect(request.hashedRekordRequestV002.signature.content).toBe(signed.bundle.messageSignature!.signature);
    // The mock's v2 inclusion proofs verify nowhere (see sign-artifact.test.ts); the rest must.
    const withoutEntry = { ...signed.bundle, verificationMaterial: { ...signed.bundle.verificationMaterial, tlogEntries: [] } };
    verifyBundle(withoutEntry, { trustedRoot: stack.trustedRoot, artifact, identity, tlogThreshold: 0 });
  });

  it('refuses a malformed digest before looking for a token or calling a service', async () => {
    const calls = stack.fulcio.requests.length + stack.rekor.requests.length;
    for (const bad of ['abc', 'z'.repeat(64), `sha512:${sha256}`, 42]) {
      await expect(signArtifact({ sha256: bad as string }, { ...stack.services, env: {} })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('64 hexadecimal digits'),
      });
    }
    expect(stack.fulcio.requests.length + stack.rekor.requests.length).toBe(calls);
  });
});

describe('signArtifact({ sha256 }) with a key', () => {
  const keys: Record<string, () => { privateKey: KeyObject; key: string | KeyObject }> = {
    'ECDSA P-256 (PKCS#8 PEM)': () => pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'pkcs8'),
    'ECDSA P-256 (SEC1 PEM)': () => pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'sec1'),
    'RSA 2048 (PKCS#1 PEM)': () => pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'pkcs1'),
    'RSA 3072 (KeyObject)': () => object(generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey),
  };

  for (const [name, make] of Object.entries(keys)) {
    it(`signs offline with ${name}; the public key verifies it given the artifact, another key does not`, async () => {
      const { privateKey, key } = make();
      const before = stack.rekor.requests.length + stack.fulcio.requests.length + stack.tsa.requests.length;
      const signed = await signArtifact({ sha256 }, { key, keyHint: 'release', env: {} });
      expect(stack.rekor.requests.length + stack.fulcio.requests.length + stack.tsa.requests.length).toBe(before);
      expect(() => parseV03Bundle(signed.bundle)).not.toThrow();
      expect(signed.bundle.messageSignature?.messageDigest?.digest).toBe(Buffer.from(sha256, 'hex').toString('base64'));

      const publicKey = spki(privateKey);
      expect(signed.signer).toEqual({ kind: 'key', keyHint: 'release', publicKey });
      const offline = { trustedRoot: EMPTY_TRUSTED_ROOT, tlogThreshold: 0, timestampThreshold: 0 };
      verifyBundle(signed.bundle, { ...offline, artifact, publicKeys: { release: publicKey } });
      expect(opensslVerifies(publicKey, signed.bundle.messageSignature!.signature, artifactPath)).toBe(true);

      const other = spki(make().privateKey);
      expect(() => verifyBundle(signed.bundle, { ...offline, artifact, publicKeys: { release: other } })).toThrow();
      expect(opensslVerifies(other, signed.bundle.messageSignature!.signature, artifactPath)).toBe(false);
      expect(() => verifyBundle(signed.bundle, { ...offline, artifact: otherBytes, publicKeys: { release: publicKey } })).toThrow();
    });
  }

  it('gives RSA the very signature signing the file gives (PKCS#1 v1.5 is deterministic)', async () => {
    const { privateKey, key } = keys['RSA 2048 (PKCS#1 PEM)']!();
    const fromDigest = await signArtifact({ sha256 }, { key });
    const fromFile = await signArtifact(artifactPath, { key });
    expect(fromDigest.bundle).toEqual(fromFile.bundle);
    expect(Buffer.from(fromDigest.bundle.messageSignature!.signature, 'base64').equals(sign('sha256', artifact, privateKey))).toBe(true);
  });

  it('refuses P-384 and P-521 keys, whose registry hash is not SHA-256, saying what to do instead', async () => {
    for (const [curve, hash] of [['P-384', 'SHA-384'], ['P-521', 'SHA-512']] as const) {
      const { key } = object(generateKeyPairSync('ec', { namedCurve: curve }).privateKey);
      const calls = stack.rekor.requests.length;
      await expect(signArtifact({ sha256 }, { key, rekorUrl: stack.rekor.url })).rejects.toMatchObject({
        code: 'KEY_INVALID',
        message: expect.stringMatching(new RegExp(`${curve}.*${hash}.*Pass the artifact itself.*P-256 or RSA key`)),
      });
      expect(stack.rekor.requests.length).toBe(calls); // refused before anything was logged
      // the same key signs the artifact itself, over its registry hash
      const signed = await signArtifact(artifact, { key, keyHint: 'k' });
      expect(signed.bundle.messageSignature?.messageDigest?.algorithm).toBe(hash.replace('SHA-', 'SHA2_'));
      verifyBundle(signed.bundle, { trustedRoot: EMPTY_TRUSTED_ROOT, artifact, publicKeys: { k: spki(key) }, tlogThreshold: 0, timestampThreshold: 0 });
    }
  });

  it('logs in Rekor when asked, and the logged entry verifies', async () => {
    const { privateKey, key } = keys['ECDSA P-256 (PKCS#8 PEM)']!();
    const signed = await signArtifact({ sha256 }, { key, rekorUrl: stack.rekor.url, tsaUrl: stack.tsa.url, keyHint: 'k' });
    expect(signed.tlogEntries).toHaveLength(1);
    expect(signed.timestampAuthorities).toEqual([stack.tsa.url]);
    verifyBundle(signed.bundle, { trustedRoot: stack.trustedRoot, artifact, publicKeys: { k: spki(privateKey) }, timestampThreshold: 2 });
    expect(() => verifyBundle(signed.bundle, { trustedRoot: stack.trustedRoot, artifact: otherBytes, publicKeys: { k: spki(privateKey) } })).toThrow();
  });

  it('refuses Ed25519 keys, which cannot make message signatures', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    await expect(signArtifact({ sha256 }, { key: privateKey })).rejects.toMatchObject({ code: 'KEY_INVALID' });
  });

  it('stops when the signal is already aborted', async () => {
    const { key } = keys['ECDSA P-256 (PKCS#8 PEM)']!();
    await expect(signArtifact({ sha256 }, { key, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('signArtifact({ sha256 }) with a signer callback', () => {
  it('refuses a signature the declared public key does not verify over the digest', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const signer = (key: KeyObject) => ({ publicKey, sign: async () => sign('sha256', artifact, key) });
    await expect(signArtifact({ sha256 }, { signer: signer(other) })).rejects.toMatchObject({ code: 'SIGNER_FAILED' });
    await expect(signArtifact(artifactPath, { signer: signer(other) })).rejects.toMatchObject({ code: 'SIGNER_FAILED' });
    const signed = await signArtifact({ sha256 }, { signer: { ...signer(privateKey), keyHint: 'kms' } });
    verifyBundle(signed.bundle, {
      trustedRoot: EMPTY_TRUSTED_ROOT,
      artifact,
      publicKeys: { kms: spki(privateKey) },
      tlogThreshold: 0,
      timestampThreshold: 0,
    });
  });
});

function pem(privateKey: KeyObject, type: 'pkcs8' | 'sec1' | 'pkcs1') {
  return { privateKey, key: privateKey.export({ format: 'pem', type }).toString() };
}

function object(privateKey: KeyObject) {
  return { privateKey, key: privateKey };
}
