import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, createSecretKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { p256 } from '@noble/curves/nist.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  registryHash,
  signDigestWithKey,
  verifyDigestSignature,
  type HashAlgorithm,
} from '../../src/util/digest-signature.js';
import { opensslVerifies, opensslVerifiesDigest } from '../sign/support/openssl.js';

const message = Buffer.from('artifact bytes hashed by someone else\n'.repeat(500));
const otherMessage = Buffer.from('other bytes');
const HASHES: HashAlgorithm[] = ['sha256', 'sha384', 'sha512'];
const digestOf = (hash: HashAlgorithm, bytes: Buffer = message) => createHash(hash).update(bytes).digest();

/** One key of each kind, made once: RSA key generation is slow. */
const keys = {
  'ECDSA P-256': generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  'ECDSA P-384': generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
  'ECDSA P-521': generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey,
  'RSA 2048': generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  'RSA 3072': generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey,
};
/** A second key of the same kind, for "another key" cases. */
const otherKeys: Record<keyof typeof keys, KeyObject> = {
  'ECDSA P-256': generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
  'ECDSA P-384': generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey,
  'ECDSA P-521': generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey,
  'RSA 2048': generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey,
  'RSA 3072': generateKeyPairSync('rsa', { modulusLength: 3072 }).publicKey,
};
const ed25519 = generateKeyPairSync('ed25519');

let dir: string;
let messageFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sealkit-digest-signature-'));
  messageFile = join(dir, 'message');
  await writeFile(messageFile, message);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function spki(key: KeyObject): string {
  return createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
}

function flipBit(signature: Buffer, index = signature.length - 1): Buffer {
  const copy = Buffer.from(signature);
  copy[index]! ^= 0x01;
  return copy;
}

describe('registryHash', () => {
  it('pairs each key with the hash of the Sigstore algorithm registry', () => {
    expect(registryHash(keys['ECDSA P-256'])).toBe('sha256');
    expect(registryHash(keys['ECDSA P-384'])).toBe('sha384');
    expect(registryHash(keys['ECDSA P-521'])).toBe('sha512');
    expect(registryHash(keys['RSA 2048'])).toBe('sha256');
    expect(registryHash(keys['RSA 3072'])).toBe('sha256');
    // the public half answers the same
    expect(registryHash(createPublicKey(keys['ECDSA P-384']))).toBe('sha384');
    expect(registryHash(otherKeys['ECDSA P-521'])).toBe('sha512');
  });

  it('has no digest hash for keys that sign whole messages or are not in the registry', () => {
    expect(registryHash(ed25519.privateKey)).toBeUndefined();
    expect(registryHash(ed25519.publicKey)).toBeUndefined();
    expect(registryHash(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey)).toBeUndefined();
    expect(registryHash(generateKeyPairSync('x25519').publicKey)).toBeUndefined();
    expect(registryHash(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey)).toBeUndefined();
  });
});

describe('signDigestWithKey against the openssl oracle', () => {
  for (const [name, privateKey] of Object.entries(keys) as [keyof typeof keys, KeyObject][]) {
    for (const hash of HASHES) {
      it(`signs a ${hash} digest with ${name} as signing the message would (openssl, Node and sealkit agree)`, () => {
        const digest = digestOf(hash);
        const signature = signDigestWithKey(privateKey, hash, digest);
        const publicKey = createPublicKey(privateKey);
        // openssl hashes the file itself with the same hash...
        expect(opensslVerifies(spki(privateKey), signature, messageFile, hash)).toBe(true);
        // ...and checks the bare digest
        expect(opensslVerifiesDigest(spki(privateKey), hash, digest, signature)).toBe(true);
        expect(verify(hash, message, publicKey, signature)).toBe(true);
        expect(verifyDigestSignature(publicKey, hash, digest, signature)).toBe(true);

        // with another hash, the signature is another one: openssl refuses it
        const other = HASHES.find((h) => h !== hash)!;
        expect(opensslVerifies(spki(privateKey), signature, messageFile, other)).toBe(false);
        expect(verifyDigestSignature(publicKey, other, digestOf(other), signature)).toBe(false);
      });
    }
  }

  it('gives RSA signatures identical to OpenSSL signing the message (PKCS#1 v1.5 is deterministic)', () => {
    for (const hash of HASHES) {
      const signature = signDigestWithKey(keys['RSA 2048'], hash, digestOf(hash));
      expect(signature.equals(sign(hash, message, keys['RSA 2048']))).toBe(true);
    }
  });

  it('gives DER ECDSA signatures with fresh nonces', () => {
    const digest = digestOf('sha384');
    const a = signDigestWithKey(keys['ECDSA P-384'], 'sha384', digest);
    const b = signDigestWithKey(keys['ECDSA P-384'], 'sha384', digest);
    expect(a[0]).toBe(0x30); // DER SEQUENCE
    expect(a.equals(b)).toBe(false);
  });

  it('refuses keys that cannot sign a digest and digests of the wrong length', () => {
    const digest = digestOf('sha256');
    const refusals: [KeyObject, RegExp][] = [
      [ed25519.privateKey, /Ed25519/],
      [generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey, /rsa-pss/],
      [generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey, /secp256k1/],
      [createPublicKey(keys['ECDSA P-256']), /private key/],
    ];
    for (const [key, reason] of refusals) {
      expect(() => signDigestWithKey(key, 'sha256', digest)).toThrow(
        expect.objectContaining({ code: 'KEY_INVALID', message: expect.stringMatching(reason) }),
      );
    }
    for (const [hash, bytes] of [['sha256', 20], ['sha384', 32], ['sha512', 48]] as const) {
      expect(() => signDigestWithKey(keys['ECDSA P-256'], hash, Buffer.alloc(bytes, 1))).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('digest is') }),
      );
    }
    for (const notAHash of ['md5', 'constructor', 'toString']) {
      expect(() => signDigestWithKey(keys['ECDSA P-256'], notAHash as HashAlgorithm, Buffer.alloc(16))).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('unsupported hash') }),
      );
    }
  });
});

describe('verifyDigestSignature', () => {
  for (const [name, privateKey] of Object.entries(keys) as [keyof typeof keys, KeyObject][]) {
    for (const hash of HASHES) {
      it(`accepts what openssl signs with ${name} and ${hash}, and refuses every alteration`, () => {
        const keyFile = join(dir, `key-${name.replace(/\W/g, '')}.pem`);
        execFileSync('openssl', ['pkey', '-out', keyFile], { input: privateKey.export({ format: 'pem', type: 'pkcs8' }) });
        const signature = execFileSync('openssl', ['dgst', `-${hash}`, '-sign', keyFile, messageFile]);
        const publicKey = createPublicKey(privateKey);
        const digest = digestOf(hash);
        expect(verifyDigestSignature(publicKey, hash, digest, signature)).toBe(true);
        expect(verifyDigestSignature(privateKey, hash, digest, signature)).toBe(true); // the private key's public half

        expect(verifyDigestSignature(publicKey, hash, digestOf(hash, otherMessage), signature)).toBe(false); // wrong digest
        expect(verifyDigestSignature(otherKeys[name], hash, digest, signature)).toBe(false); // other key
        expect(verifyDigestSignature(publicKey, hash, digest, flipBit(signature))).toBe(false); // flipped bit
        expect(verifyDigestSignature(publicKey, hash, digest, flipBit(signature, 8))).toBe(false);
        expect(verifyDigestSignature(publicKey, hash, digest.subarray(1), signature)).toBe(false); // wrong digest length
        expect(verifyDigestSignature(publicKey, hash, Buffer.concat([digest, Buffer.of(0)]), signature)).toBe(false);
        expect(verifyDigestSignature(publicKey, hash, digest, signature.subarray(0, -1))).toBe(false); // truncated
        expect(verifyDigestSignature(publicKey, hash, digest, Buffer.concat([signature, Buffer.of(0)]))).toBe(false);
        expect(verifyDigestSignature(publicKey, hash, digest, Buffer.alloc(0))).toBe(false);
      });
    }
  }

  it('accepts high-S ECDSA signatures, as OpenSSL and KMSs make them', () => {
    const privateKey = keys['ECDSA P-256'];
    const digest = digestOf('sha256');
    // OpenSSL does not normalize s: about half of its signatures have the high one.
    const signatures = Array.from({ length: 24 }, () => sign('sha256', message, privateKey));
    expect(signatures.some((signature) => p256.Signature.fromBytes(signature, 'der').hasHighS())).toBe(true);
    for (const signature of signatures) {
      expect(verifyDigestSignature(createPublicKey(privateKey), 'sha256', digest, signature)).toBe(true);
    }
  });

  it('refuses an RSA signature made with another hash over the same bytes', () => {
    const publicKey = createPublicKey(keys['RSA 2048']);
    const sha512 = sign('sha512', message, keys['RSA 2048']);
    expect(verifyDigestSignature(publicKey, 'sha256', digestOf('sha256'), sha512)).toBe(false);
    expect(verifyDigestSignature(publicKey, 'sha512', digestOf('sha512'), sha512)).toBe(true);
  });

  it('is false, never a throw, for keys that cannot verify a digest and for nonsense', () => {
    const digest = digestOf('sha256');
    const edSignature = sign(null, digest, ed25519.privateKey);
    expect(verifyDigestSignature(ed25519.publicKey, 'sha256', digest, edSignature)).toBe(false);
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    const pssSignature = sign('sha256', message, pss.privateKey);
    expect(verify('sha256', message, pss.publicKey, pssSignature)).toBe(true);
    expect(verifyDigestSignature(pss.publicKey, 'sha256', digest, pssSignature)).toBe(false);
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    expect(verifyDigestSignature(k1.publicKey, 'sha256', digest, sign('sha256', message, k1.privateKey))).toBe(false);
    expect(verifyDigestSignature(createSecretKey(Buffer.alloc(32, 1)), 'sha256', digest, Buffer.alloc(64, 1))).toBe(false);

    const ec = createPublicKey(keys['ECDSA P-256']);
    const good = signDigestWithKey(keys['ECDSA P-256'], 'sha256', digest);
    expect(verifyDigestSignature(ec, 'md5' as HashAlgorithm, digest, good)).toBe(false);
    expect(verifyDigestSignature(ec, 'sha256', 'digest' as unknown as Buffer, good)).toBe(false);
    expect(verifyDigestSignature(ec, 'sha256', digest, 'signature' as unknown as Buffer)).toBe(false);
    expect(verifyDigestSignature(ec, 'sha256', digest, Buffer.from('not a signature'))).toBe(false);
    expect(verifyDigestSignature(createPublicKey(keys['RSA 2048']), 'sha256', digest, Buffer.alloc(256, 1))).toBe(false);
    expect(verifyDigestSignature(ec, 'sha256', digest, good)).toBe(true);
  });

  it('refuses DER that is not the canonical encoding of the signature', () => {
    const digest = digestOf('sha256');
    const good = signDigestWithKey(keys['ECDSA P-256'], 'sha256', digest);
    const ec = createPublicKey(keys['ECDSA P-256']);
    // SEQUENCE length in long form (0x81 len): BER, not DER
    const longForm = Buffer.concat([Buffer.of(0x30, 0x81, good[1]!), good.subarray(2)]);
    expect(verify('sha256', message, ec, longForm)).toBe(false); // OpenSSL refuses it too
    expect(verifyDigestSignature(ec, 'sha256', digest, longForm)).toBe(false);
  });
});
