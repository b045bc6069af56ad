/**
 * Signing a SHA-256 digest computed elsewhere (`signArtifact({ sha256 })`), for the key types
 * whose Sigstore message signatures are made over that digest: ECDSA (any supported curve)
 * and RSA PKCS#1 v1.5. Ed25519 cannot: its signatures cover the whole message.
 * @module
 */
import type { KeyObject } from 'node:crypto';
import { SigningError, UsageError } from '../../errors.js';
import { signDigestEcdsa, verifyDigestEcdsa } from './prehashed-ecdsa.js';
import { signDigestRsa, verifyDigestRsa } from './prehashed-rsa.js';
import type { SignatureAlgorithm } from './signer.js';

/** Bytes of a SHA-256 digest. */
const SHA256_BYTES = 32;

/**
 * Signs the SHA-256 `digest` with `privateKey`, giving the same signature (DER ECDSA or
 * PKCS#1 v1.5 RSA) as signing the message of that digest with SHA-256.
 * @throws {SigningError} `KEY_INVALID` for Ed25519 keys, `SIGNER_FAILED` when signing fails.
 */
export function signDigest(privateKey: KeyObject, algorithm: SignatureAlgorithm, digest: Buffer): Buffer {
  assertSha256(digest);
  if (algorithm === 'ecdsa') return signDigestEcdsa(privateKey, digest);
  if (algorithm === 'rsa') return signDigestRsa(privateKey, digest);
  throw new SigningError(
    'KEY_INVALID',
    'Ed25519 signs whole messages, never a digest: a precomputed { sha256 } needs an ECDSA or RSA key',
  );
}

/** True when `signature` is `publicKey`'s signature of the SHA-256 `digest` (ECDSA or RSA). */
export function verifyDigest(publicKey: KeyObject, algorithm: SignatureAlgorithm, digest: Buffer, signature: Buffer): boolean {
  assertSha256(digest);
  if (algorithm === 'ecdsa') return verifyDigestEcdsa(publicKey, digest, signature);
  if (algorithm === 'rsa') return verifyDigestRsa(publicKey, digest, signature);
  return false;
}

function assertSha256(digest: Buffer): void {
  if (!Buffer.isBuffer(digest) || digest.length !== SHA256_BYTES) {
    throw new UsageError('INVALID_ARGUMENT', `a SHA-256 digest is ${SHA256_BYTES} bytes`);
  }
}
