/**
 * ECDSA over a SHA-256 digest computed elsewhere. OpenSSL, through Node, only signs messages
 * it hashes itself, so the arithmetic is done by `@noble/curves` (audited, pure JavaScript)
 * with the private scalar of the Node key. The result is the same ASN.1 DER signature
 * `crypto.sign('sha256', message, key)` would give for the message of that digest.
 * @module
 */
import type { KeyObject } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import type { ECDSA } from '@noble/curves/abstract/weierstrass.js';
import { SigningError } from '../../errors.js';

/** The noble curve of each OpenSSL curve name sealkit signs with, and its size in bytes. */
const CURVES: Record<string, { ecdsa: ECDSA; size: number }> = {
  prime256v1: { ecdsa: p256, size: 32 },
  secp384r1: { ecdsa: p384, size: 48 },
  secp521r1: { ecdsa: p521, size: 66 },
};

/** Signs `digest` with the EC private key `privateKey`; returns a DER signature. */
export function signDigestEcdsa(privateKey: KeyObject, digest: Buffer): Buffer {
  const { ecdsa, size } = curveOf(privateKey);
  const scalar = fixedLength(privateKey.export({ format: 'jwk' }).d, size);
  try {
    // prehash: false because `digest` already is the hash: noble must not hash it again.
    // extraEntropy: hedged nonces (RFC 6979 plus fresh randomness), so a fault or a weak
    // random source cannot reveal the key through a repeated or biased nonce.
    const signature = ecdsa.sign(digest, scalar, { prehash: false, format: 'der', extraEntropy: true });
    return Buffer.from(signature);
  } catch (error) {
    throw new SigningError('SIGNER_FAILED', `ECDSA signing of the digest failed: ${(error as Error).message}`, { cause: error });
  } finally {
    // The scalar is the key: do not leave a copy of it in memory longer than needed.
    scalar.fill(0);
  }
}

/**
 * True when `signature` (DER) is an ECDSA signature of `digest` by `publicKey`. High-S
 * signatures are accepted: OpenSSL and cloud KMSs produce them and verifiers take them.
 */
export function verifyDigestEcdsa(publicKey: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const { ecdsa, size } = curveOf(publicKey);
  const jwk = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.of(0x04), fixedLength(jwk.x, size), fixedLength(jwk.y, size)]);
  try {
    return ecdsa.verify(signature, digest, point, { prehash: false, format: 'der', lowS: false });
  } catch {
    return false; // a malformed signature is a wrong one
  }
}

function curveOf(key: KeyObject): { ecdsa: ECDSA; size: number } {
  const name = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
  const curve = CURVES[name];
  if (!curve) throw new SigningError('KEY_INVALID', `ECDSA keys on curve ${name} cannot sign a precomputed digest`, { details: { curve: name } });
  return curve;
}

/** A JWK coordinate or scalar as a big-endian number of exactly `size` bytes. */
function fixedLength(base64url: string | undefined, size: number): Buffer {
  const bytes = Buffer.from(base64url ?? '', 'base64url');
  if (bytes.length === size) return bytes;
  if (bytes.length > size) throw new SigningError('KEY_INVALID', 'the EC key has a component longer than its curve allows');
  return Buffer.concat([Buffer.alloc(size - bytes.length), bytes]);
}
