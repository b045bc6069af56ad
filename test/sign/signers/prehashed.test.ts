import { createHash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { p256 } from '@noble/curves/nist.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDigest, verifyDigest } from '../../../src/sign/signers/prehashed.js';
import { opensslVerifies } from '../support/openssl.js';

const message = Buffer.from('artifact bytes hashed by someone else\n'.repeat(500));
const digest = createHash('sha256').update(message).digest();

const keys: Record<string, { algorithm: 'ecdsa' | 'rsa'; make: () => KeyObject }> = {
  'ECDSA P-256': { algorithm: 'ecdsa', make: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey },
  'ECDSA P-384': { algorithm: 'ecdsa', make: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey },
  'ECDSA P-521': { algorithm: 'ecdsa', make: () => generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey },
  'RSA 2048': { algorithm: 'rsa', make: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey },
  'RSA 3072': { algorithm: 'rsa', make: () => generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey },
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sealkit-prehashed-'));
  await writeFile(join(dir, 'message'), message);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('signDigest', () => {
  for (const [name, { algorithm, make }] of Object.entries(keys)) {
    it(`signs a SHA-256 digest with ${name} as signing the message would (Node, openssl and sealkit agree)`, () => {
      const privateKey = make();
      const publicKey = createPublicKey(privateKey);
      const signature = signDigest(privateKey, algorithm, digest);
      expect(verify('sha256', message, publicKey, signature)).toBe(true);
      const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
      expect(opensslVerifies(publicKeyPem, signature, join(dir, 'message'))).toBe(true);
      expect(verifyDigest(publicKey, algorithm, digest, signature)).toBe(true);

      const other = createPublicKey(make());
      expect(verify('sha256', message, other, signature)).toBe(false);
      expect(verifyDigest(other, algorithm, digest, signature)).toBe(false);
      const otherDigest = createHash('sha256').update('other bytes').digest();
      expect(verifyDigest(publicKey, algorithm, otherDigest, signature)).toBe(false);
      expect(verify('sha256', Buffer.from('other bytes'), publicKey, signature)).toBe(false);
    });
  }

  it('gives RSA signatures identical to OpenSSL signing the message (PKCS#1 v1.5 is deterministic)', () => {
    const privateKey = keys['RSA 2048']!.make();
    expect(signDigest(privateKey, 'rsa', digest).equals(sign('sha256', message, privateKey))).toBe(true);
  });

  it('gives DER ECDSA signatures with fresh nonces', () => {
    const privateKey = keys['ECDSA P-256']!.make();
    const a = signDigest(privateKey, 'ecdsa', digest);
    const b = signDigest(privateKey, 'ecdsa', digest);
    expect(a[0]).toBe(0x30); // DER SEQUENCE
    expect(a.equals(b)).toBe(false);
  });

  it('refuses Ed25519 keys and digests that are not 32 bytes', () => {
    const ed = generateKeyPairSync('ed25519').privateKey;
    expect(() => signDigest(ed, 'ed25519', digest)).toThrow(expect.objectContaining({ code: 'KEY_INVALID', message: expect.stringContaining('Ed25519') }));
    const p256 = keys['ECDSA P-256']!.make();
    expect(() => signDigest(p256, 'ecdsa', digest.subarray(0, 20))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('verifyDigest', () => {
  it('accepts high-S ECDSA signatures, as OpenSSL and KMSs make them, and refuses garbage', () => {
    const privateKey = keys['ECDSA P-256']!.make();
    const publicKey = createPublicKey(privateKey);
    // OpenSSL does not normalize s: about half of its signatures have the high one.
    const signatures = Array.from({ length: 24 }, () => sign('sha256', message, privateKey));
    expect(signatures.some((signature) => p256.Signature.fromBytes(signature, 'der').hasHighS())).toBe(true);
    for (const signature of signatures) expect(verifyDigest(publicKey, 'ecdsa', digest, signature)).toBe(true);
    expect(verifyDigest(publicKey, 'ecdsa', digest, Buffer.from('not a signature'))).toBe(false);
    const rsa = createPublicKey(keys['RSA 2048']!.make());
    expect(verifyDigest(rsa, 'rsa', digest, Buffer.alloc(256, 1))).toBe(false);
  });

  it('refuses an RSA signature made with another hash over the same bytes', () => {
    const privateKey = keys['RSA 2048']!.make();
    const sha512 = sign('sha512', message, privateKey);
    expect(verifyDigest(createPublicKey(privateKey), 'rsa', digest, sha512)).toBe(false);
  });
});
