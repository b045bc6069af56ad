/**
 * RSASSA-PKCS1-v1_5 over a SHA-256 digest computed elsewhere. The scheme signs
 * `DigestInfo(sha256, digest)` padded with PKCS#1 type-1 padding, and that is exactly what
 * OpenSSL's raw private-key operation does with `RSA_PKCS1_PADDING`: Node signs a digest
 * with RSA natively, no extra library needed.
 * @module
 */
import { constants, privateEncrypt, publicDecrypt, type KeyObject } from 'node:crypto';
import { SigningError } from '../../errors.js';

/** DER of `DigestInfo { AlgorithmIdentifier { id-sha256, NULL }, OCTET STRING (32 bytes) }` before the digest (RFC 8017, 9.2). */
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** Signs `digest` with the RSA private key `privateKey` (PKCS#1 v1.5, SHA-256). */
export function signDigestRsa(privateKey: KeyObject, digest: Buffer): Buffer {
  try {
    return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo(digest));
  } catch (error) {
    throw new SigningError('SIGNER_FAILED', `RSA signing of the digest failed: ${(error as Error).message}`, { cause: error });
  }
}

/** True when `signature` is a PKCS#1 v1.5 SHA-256 signature of `digest` by `publicKey`. */
export function verifyDigestRsa(publicKey: KeyObject, digest: Buffer, signature: Buffer): boolean {
  try {
    const recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
    // Comparing the whole DigestInfo, not just its tail, refuses signatures made with another hash.
    return recovered.equals(digestInfo(digest));
  } catch {
    return false; // a malformed signature is a wrong one
  }
}

function digestInfo(digest: Buffer): Buffer {
  return Buffer.concat([SHA256_DIGEST_INFO_PREFIX, digest]);
}
