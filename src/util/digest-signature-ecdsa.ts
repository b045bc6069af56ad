/**
 * ECDSA over a digest computed elsewhere. OpenSSL, through Node, only signs messages it
 * hashes itself, so the arithmetic is done by `@noble/curves` (audited, pure JavaScript) with
 * the scalar and point of the Node key. The result is the ASN.1 DER signature
 * `crypto.sign(hash, message, key)` would give for the message of that digest: ECDSA itself
 * does not depend on the hash, only on the digest's leftmost bits (FIPS 186-5, 6.4.1).
 * @module
 */
import type { KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ECDSA } from '@noble/curves/abstract/weierstrass.js';
import { SigningError } from '../errors.js';
import type { HashAlgorithm } from './digest-signature.js';

/** The noble curve name of each OpenSSL curve name Sigstore signs with, and its size in bytes. */
const CURVES: Record<string, { name: 'p256' | 'p384' | 'p521'; size: number }> = {
  prime256v1: { name: 'p256', size: 32 },
  secp384r1: { name: 'p384', size: 48 },
  secp521r1: { name: 'p521', size: 66 },
};

// The curves take 12-17 ms to load, a fifth of a verifying command's start-up, and most bundles
// (DSSE, or a message signature checked against the artifact's bytes) never need them: they
// load on the first digest signed or verified. Synchronously: these functions are synchronous.
const requireModule = createRequire(import.meta.url);
let nist: Record<'p256' | 'p384' | 'p521', ECDSA> | undefined;

function curveFunctions(name: 'p256' | 'p384' | 'p521'): ECDSA {
  nist ??= requireModule('@noble/curves/nist.js') as Record<'p256' | 'p384' | 'p521', ECDSA>;
  return nist[name];
}

/** The hash the Sigstore algorithm registry pairs with each curve (OpenSSL names). */
export const EC_CURVE_HASH: Readonly<Record<string, HashAlgorithm>> = {
  prime256v1: 'sha256',
  secp384r1: 'sha384',
  secp521r1: 'sha512',
};

/** Signs `digest` with the EC private key `privateKey`; returns a DER signature. */
export function signDigestEcdsa(privateKey: KeyObject, digest: Buffer): Buffer {
  const curve = curveOf(privateKey);
  if (!curve) {
    const name = privateKey.asymmetricKeyDetails?.namedCurve ?? 'unknown';
    throw new SigningError('KEY_INVALID', `ECDSA keys on curve ${name} cannot sign a digest: use P-256, P-384 or P-521`, {
      details: { curve: name },
    });
  }
  const scalar = fixedLength(privateKey.export({ format: 'jwk' }).d, curve.size);
  try {
    // prehash: false because `digest` already is the hash: noble must not hash it again.
    // extraEntropy: hedged nonces (RFC 6979 plus fresh randomness), so a fault or a weak
    // random source cannot reveal the key through a repeated or biased nonce.
    const signature = curveFunctions(curve.name).sign(digest, scalar, { prehash: false, format: 'der', extraEntropy: true });
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
 * signatures are accepted: OpenSSL and cloud KMSs produce them and Sigstore verifiers take them.
 */
export function verifyDigestEcdsa(publicKey: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const curve = curveOf(publicKey);
  if (!curve) return false;
  const jwk = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.of(0x04), fixedLength(jwk.x, curve.size), fixedLength(jwk.y, curve.size)]);
  try {
    return curveFunctions(curve.name).verify(signature, digest, point, { prehash: false, format: 'der', lowS: false });
  } catch {
    return false; // a malformed signature is a wrong one
  }
}

function curveOf(key: KeyObject): { name: 'p256' | 'p384' | 'p521'; size: number } | undefined {
  return CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
}

/** A JWK coordinate or scalar as a big-endian number of exactly `size` bytes. */
function fixedLength(base64url: string | undefined, size: number): Buffer {
  const bytes = Buffer.from(base64url ?? '', 'base64url');
  if (bytes.length === size) return bytes;
  if (bytes.length > size) throw new SigningError('KEY_INVALID', 'the EC key has a component longer than its curve allows');
  return Buffer.concat([Buffer.alloc(size - bytes.length), bytes]);
}
