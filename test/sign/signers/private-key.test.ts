import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadPrivateKey } from '../../../src/sign/signers/private-key.js';

describe('loadPrivateKey', () => {
  it('reads ECDSA, Ed25519 and RSA keys in PKCS#8, SEC1 and PKCS#1 PEM, and KeyObjects', () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(loadPrivateKey(p256.export({ format: 'pem', type: 'sec1' }).toString()).algorithm).toBe('ecdsa');
    expect(loadPrivateKey(p256).algorithm).toBe('ecdsa');
    const ed = generateKeyPairSync('ed25519').privateKey;
    expect(loadPrivateKey(ed.export({ format: 'pem', type: 'pkcs8' })).algorithm).toBe('ed25519');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey;
    expect(loadPrivateKey(rsa.export({ format: 'pem', type: 'pkcs1' }).toString()).algorithm).toBe('rsa');
  });

  it('reads a key made by the openssl command line, encrypted', () => {
    const pem = execFileSync('openssl', [
      'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-aes-256-cbc', '-pass', 'pass:hunter2',
    ]).toString();
    expect(pem).toContain('ENCRYPTED PRIVATE KEY');
    const { privateKey } = loadPrivateKey(pem, 'hunter2');
    expect(privateKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
  });

  it('says when the passphrase is missing or wrong', () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const pkcs8 = key.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'right' }).toString();
    const sec1 = key.export({ format: 'pem', type: 'sec1', cipher: 'aes-128-cbc', passphrase: 'right' }).toString();
    for (const pem of [pkcs8, sec1]) {
      expect(() => loadPrivateKey(pem)).toThrow(expect.objectContaining({ code: 'KEY_PASSPHRASE', message: expect.stringContaining('encrypted') }));
      expect(() => loadPrivateKey(pem, 'wrong')).toThrow(expect.objectContaining({ code: 'KEY_PASSPHRASE', message: expect.stringContaining('wrong passphrase') }));
      expect(loadPrivateKey(pem, 'right').algorithm).toBe('ecdsa');
    }
  });

  it('refuses what is not a usable private key, saying why', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cases: [string | object, RegExp][] = [
      ['/home/me/key.pem', /not PEM/],
      ['-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', /cannot read the private key/],
      [publicKey.export({ format: 'pem', type: 'spki' }).toString(), /public key/],
      [createPublicKey(privateKey), /public key/],
      ['-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\neyJrZGYiOnt9fQ==\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n', /cosign/],
      [generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey, /secp256k1/],
      [generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, /2048/],
      [generateKeyPairSync('x25519').privateKey, /x25519/],
    ];
    for (const [key, message] of cases) {
      expect(() => loadPrivateKey(key as string)).toThrow(expect.objectContaining({ code: 'KEY_INVALID', message: expect.stringMatching(message) }));
    }
  });
});
