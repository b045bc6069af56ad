/**
 * The caller's public keys: PEM text or bytes, a KeyObject, or either with an id and a period;
 * the ids a bundle's hint may name them by; private keys refused in every form.
 */
import { createHash, createPrivateKey, createSecretKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSealkitError } from '../../../src/errors.js';
import { keysForHint, loadPublicKeys, npmRegistryKeys } from '../../../src/verify/trust/public-keys.js';
import { newKey } from '../support/crafted-bundles.js';

function keyError(inputs: unknown): { code: string; message: string } {
  try {
    loadPublicKeys(inputs as Parameters<typeof loadPublicKeys>[0]);
  } catch (error) {
    expect(isSealkitError(error)).toBe(true);
    return error as { code: string; message: string };
  }
  throw new Error('no error');
}

describe('loadPublicKeys', () => {
  const key = newKey();
  const der = key.publicKey.export({ format: 'der', type: 'spki' });
  const hex = createHash('sha256').update(der).digest('hex');
  const base64 = createHash('sha256').update(der).digest('base64');

  it('PEM text, PEM bytes and a KeyObject give the same key, named by hex and base64 SHA-256 of its DER', () => {
    for (const input of [key.pem, Buffer.from(key.pem), new Uint8Array(Buffer.from(key.pem)), key.publicKey]) {
      const [loaded] = loadPublicKeys([input]);
      expect([...loaded!.ids]).toEqual([hex, base64]);
      expect(loaded!.label).toBe(hex);
      expect(loaded!.timeConstrained.publicKey.export({ format: 'der', type: 'spki' })).toEqual(der);
      expect(loaded!.timeLimited).toBe(false);
      expect(loaded!.timeConstrained.validFor(new Date(0))).toBe(true);
    }
  });

  it('a key with an id and a period: the id is a hint too and the label, and the period is kept', () => {
    const [loaded] = loadPublicKeys([{ key: key.pem, keyId: 'release-2025', validFrom: '2025-01-01T00:00:00Z', validUntil: new Date('2025-12-31T23:59:59Z') }]);
    expect([...loaded!.ids]).toEqual(['release-2025', hex, base64]);
    expect(loaded!.label).toBe('release-2025');
    expect(loaded!.timeLimited).toBe(true);
    const valid = loaded!.timeConstrained.validFor;
    expect([valid(new Date('2024-12-31T23:59:59Z')), valid(new Date('2025-01-01T00:00:00Z')), valid(new Date('2025-12-31T23:59:59Z')), valid(new Date('2026-01-01T00:00:00Z'))]).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('a KeyObject with an id', () => {
    const [loaded] = loadPublicKeys([{ key: key.publicKey, keyId: 'k1' }]);
    expect(loaded!.label).toBe('k1');
  });

  it('RSA and Ed25519 keys load too', () => {
    for (const type of ['rsa', 'ed25519'] as const) {
      const pair = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
      const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
      expect(loadPublicKeys([pem])[0]!.timeConstrained.publicKey.asymmetricKeyType).toBe(type);
    }
  });

  it('a private key is refused as PEM text, as bytes, and as a KeyObject', () => {
    const privatePem = key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const ecPem = key.privateKey.export({ format: 'pem', type: 'sec1' }).toString();
    for (const input of [privatePem, ecPem, Buffer.from(privatePem), key.privateKey, createPrivateKey(privatePem), { key: key.privateKey, keyId: 'x' }]) {
      const error = keyError([input]);
      expect(error.code).toBe('KEY_INVALID');
      expect(error.message).toContain('publicKeys[0] is a private key');
    }
  });

  it('garbage, a secret key and DER bytes are KEY_INVALID naming the index', () => {
    for (const input of ['not a key', createSecretKey(Buffer.alloc(32)), Buffer.from(key.publicKey.export({ format: 'der', type: 'spki' }))]) {
      const error = keyError([key.pem, input]);
      expect(error.code).toBe('KEY_INVALID');
      expect(error.message).toContain('publicKeys[1]');
    }
  });

  it('a list is required, and dates must be dates', () => {
    expect(keyError(key.pem).code).toBe('INVALID_ARGUMENT');
    expect(keyError([{ key: key.pem, validFrom: 'not a date' }]).message).toContain('publicKeys[0].validFrom is not a date');
  });
});

describe('keysForHint', () => {
  const [a, b] = loadPublicKeys([{ key: newKey().pem, keyId: 'a' }, newKey().pem]);
  const bHex = [...b!.ids][0]!;
  const bBase64 = [...b!.ids][1]!;

  it('a hint naming a key selects only that key, in hex or base64 form', () => {
    expect(keysForHint([a!, b!], 'a')).toEqual([a]);
    expect(keysForHint([a!, b!], bHex)).toEqual([b]);
    expect(keysForHint([a!, b!], bBase64)).toEqual([b]);
  });

  it('an unknown or empty hint tries every key (the signature decides), unless strict', () => {
    expect(keysForHint([a!, b!], 'cosign-style-hint')).toEqual([a, b]);
    expect(keysForHint([a!, b!], '')).toEqual([a, b]);
    expect(keysForHint([a!, b!], 'cosign-style-hint', true)).toEqual([]);
  });

  it('hints are compared exactly: a prefix or another case of a hex id names nothing', () => {
    expect(keysForHint([a!, b!], bHex.slice(0, 16), true)).toEqual([]);
    expect(keysForHint([a!, b!], bHex.toUpperCase(), true)).toEqual([]);
  });
});

describe('npmRegistryKeys', () => {
  it('only the keys for npm:attestations, each limited to its period, parsed once', () => {
    const keys = npmRegistryKeys();
    expect(keys.length).toBe(2);
    expect(keys.every((k) => k.timeLimited && k.label.startsWith('SHA256:'))).toBe(true);
    const old = keys.find((k) => k.label === 'SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA')!;
    expect(old.timeConstrained.validFor(new Date('2023-01-01T00:00:00Z'))).toBe(true);
    expect(old.timeConstrained.validFor(new Date('2022-11-30T00:00:00Z'))).toBe(false);
    expect(old.timeConstrained.validFor(new Date('2025-02-01T00:00:00Z'))).toBe(false);
    expect(npmRegistryKeys()).toBe(keys);
  });
});
