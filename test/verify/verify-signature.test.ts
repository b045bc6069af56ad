/**
 * The cryptographic half of one bundle, with key-signed bundles made here: which keys are
 * tried, when a key counts as trusted, and that every failure is a named check.
 */
import { describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/verify/index.js';
import { checkOf, failedIds } from './support/corpus.js';
import { messageBundle, newKey } from './support/crafted-bundles.js';

const artifact = Buffer.from('release 1.0.0');

describe('keys trusted only within a period', () => {
  it('a key trusted until a date in the past: a bundle with no signing time fails public-key', async () => {
    const key = newKey();
    const result = await verifyBundle(artifact, messageBundle(artifact, key), { publicKeys: [{ key: key.pem, validUntil: '2020-01-01T00:00:00Z' }] });
    expect(result.verified).toBe(false);
    expect(failedIds(result)).toEqual(['public-key']);
    expect(checkOf(result, 'public-key').detail).toContain('proves no signing time');
  });

  it('a key trusted from a date in the future: fails the same way', async () => {
    const key = newKey();
    const result = await verifyBundle(artifact, messageBundle(artifact, key), { publicKeys: [{ key: key.pem, validFrom: '2099-01-01T00:00:00Z' }] });
    expect(result.verified).toBe(false);
    expect(failedIds(result)).toEqual(['public-key']);
  });

  it('a key with no period needs no signing time', async () => {
    const key = newKey();
    const result = await verifyBundle(artifact, messageBundle(artifact, key), { publicKeys: [{ key: key.pem, keyId: 'release-key' }] });
    expect(result.verified).toBe(true);
    expect(checkOf(result, 'public-key').detail).toBe('the key release-key is trusted');
    expect(result.signer).toEqual({ kind: 'key', keyId: 'release-key' });
  });
});
