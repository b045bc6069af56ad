import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeySigner } from '../../../src/sign/signers/key-signer.js';
import { signMessage } from '../../../src/sign/signers/signer.js';

describe('KeySigner', () => {
  const message = Buffer.from('x'.repeat(100_000));
  const digest = createHash('sha256').update(message).digest();

  it('signs chunk by chunk what one-shot verification accepts (ECDSA, RSA)', async () => {
    for (const [type, options] of [['ec', { namedCurve: 'P-384' }], ['rsa', { modulusLength: 2048 }]] as const) {
      const { privateKey, publicKey } = generateKeyPairSync(type as 'ec', options as { namedCurve: string });
      const signer = new KeySigner(privateKey, type === 'ec' ? 'ecdsa' : 'rsa');
      const session = signer.begin();
      for (let i = 0; i < message.length; i += 7_777) session.update(message.subarray(i, i + 7_777));
      const signature = await session.finish(digest, undefined);
      expect(verify('sha256', message, publicKey, signature)).toBe(true);
    }
  });

  it('signs whole messages with Ed25519', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signer = new KeySigner(privateKey, 'ed25519');
    expect(verify(null, message, publicKey, await signMessage(signer, message))).toBe(true);
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
  const digest = createHash('sha256').update(message).digest();

  it('signs a bare digest with the ephemeral keyless key, as signing the message would', async () => {
    const signer = KeySigner.ephemeral();
    const signature = await signer.signDigest(digest);
    expect(verify('sha256', message, signer.publicKeyPem, signature)).toBe(true);
  });

  it('signs a bare digest with ECDSA and RSA keys, and refuses with Ed25519', async () => {
    for (const [type, options] of [['ec', { namedCurve: 'P-384' }], ['rsa', { modulusLength: 2048 }]] as const) {
      const { privateKey, publicKey } = generateKeyPairSync(type as 'ec', options as { namedCurve: string });
      const signer = new KeySigner(privateKey, type === 'ec' ? 'ecdsa' : 'rsa');
      expect(verify('sha256', message, publicKey, await signer.signDigest(digest))).toBe(true);
    }
    const ed = new KeySigner(generateKeyPairSync('ed25519').privateKey, 'ed25519');
    await expect(ed.signDigest(digest)).rejects.toMatchObject({ code: 'KEY_INVALID' });
  });
});
