import { createHash, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeySigner } from '../../../src/sign/signers/key-signer.js';
import { signMessage } from '../../../src/sign/signers/signer.js';

describe('KeySigner', () => {
  const message = Buffer.from('x'.repeat(100_000));

  it('signs chunk by chunk with the hash asked for what one-shot verification accepts (ECDSA, RSA)', async () => {
    for (const [type, options] of [['ec', { namedCurve: 'P-384' }], ['rsa', { modulusLength: 2048 }]] as const) {
      const { privateKey, publicKey } = generateKeyPairSync(type as 'ec', options as { namedCurve: string });
      const signer = new KeySigner(privateKey, type === 'ec' ? 'ecdsa' : 'rsa');
      for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
        const session = signer.begin(hash);
        for (let i = 0; i < message.length; i += 7_777) session.update(message.subarray(i, i + 7_777));
        const signature = await session.finish(createHash(hash).update(message).digest(), undefined);
        expect(verify(hash, message, publicKey, signature)).toBe(true);
        expect(verify(hash === 'sha256' ? 'sha512' : 'sha256', message, publicKey, signature)).toBe(false);
      }
    }
  });

  it('knows the hash the algorithm registry pairs with its key', () => {
    const hashOf = (privateKey: KeyObject, algorithm: 'ecdsa' | 'rsa' | 'ed25519') => new KeySigner(privateKey, algorithm).messageHash;
    expect(hashOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'ecdsa')).toBe('sha256');
    expect(hashOf(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 'ecdsa')).toBe('sha384');
    expect(hashOf(generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey, 'ecdsa')).toBe('sha512');
    expect(hashOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'rsa')).toBe('sha256');
    expect(hashOf(generateKeyPairSync('ed25519').privateKey, 'ed25519')).toBeUndefined();
    expect(KeySigner.ephemeral().messageHash).toBe('sha256');
  });

  it('signs whole messages with Ed25519', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signer = new KeySigner(privateKey, 'ed25519');
    expect(verify(null, message, publicKey, await signMessage(signer, message, 'sha256'))).toBe(true);
  });

  it('makes a new P-256 key for every ephemeral signer', () => {
    const a = KeySigner.ephemeral();
    const b = KeySigner.ephemeral();
    expect(a.publicKeyPem).not.toBe(b.publicKeyPem);
    expect(a.keyHint).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('KeySigner.signDigest', () => {
  const message = Buffer.from('bytes this process never sees');

  it('signs a bare digest with the ephemeral keyless key, as signing the message would', async () => {
    const signer = KeySigner.ephemeral();
    const signature = await signer.signDigest('sha256', createHash('sha256').update(message).digest());
    expect(verify('sha256', message, signer.publicKeyPem, signature)).toBe(true);
  });

  it('signs a bare digest of any hash with ECDSA and RSA keys, and refuses with Ed25519', async () => {
    for (const [type, options] of [['ec', { namedCurve: 'P-521' }], ['rsa', { modulusLength: 2048 }]] as const) {
      const { privateKey, publicKey } = generateKeyPairSync(type as 'ec', options as { namedCurve: string });
      const signer = new KeySigner(privateKey, type === 'ec' ? 'ecdsa' : 'rsa');
      for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
        const signature = await signer.signDigest(hash, createHash(hash).update(message).digest());
        expect(verify(hash, message, publicKey, signature)).toBe(true);
      }
    }
    const ed = new KeySigner(generateKeyPairSync('ed25519').privateKey, 'ed25519');
    await expect(ed.signDigest('sha256', createHash('sha256').update(message).digest())).rejects.toMatchObject({ code: 'KEY_INVALID' });
  });
});
