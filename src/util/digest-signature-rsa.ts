/**
 * RSASSA-PKCS1-v1_5 over a digest computed elsewhere. The scheme signs
 * `DigestInfo(hash, digest)` padded with PKCS#1 type-1 padding, and that is exactly what
 * OpenSSL's raw private-key operation does with `RSA_PKCS1_PADDING`: Node signs a digest
 * with RSA natively, no extra library needed.
 * @module
 */
import { constants, privateEncrypt, publicDecrypt, type KeyObject } from 'node:crypto';
import { SigningError } from '../errors.js';
import type { HashAlgorithm } from './digest-signature.js';

/**
 * DER of `DigestInfo { AlgorithmIdentifier { id-shaXXX, NULL }, OCTET STRING }` up to the
 * digest bytes (RFC 8017, 9.2, note 1).
 */
const DIGEST_INFO_PREFIX: Readonly<Record<HashAlgorithm, Buffer>> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

/** Signs the `hash` digest `digest` with the RSA private key `privateKey` (PKCS#1 v1.5). */
export function signDigestRsa(privateKey: KeyObject, hash: HashAlgorithm, digest: Buffer): Buffer {
  try {
    return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo(hash, digest));
  } catch (error) {
    throw new SigningError('SIGNER_FAILED', `RSA signing of the digest failed: ${(error as Error).message}`, { cause: error });
  }
}

/** True when `signature` is a PKCS#1 v1.5 signature of the `hash` digest `digest` by `publicKey`. */
export function verifyDigestRsa(publicKey: KeyObject, hash: HashAlgorithm, digest: Buffer, signature: Buffer): boolean {
  try {
    const recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
    // Comparing the whole DigestInfo, not only the digest at its end, refuses a signature made
    // with another hash than the one the caller expects.
    return recovered.equals(digestInfo(hash, digest));
  } catch {
    return false; // a malformed signature is a wrong one
  }
}

function digestInfo(hash: HashAlgorithm, digest: Buffer): Buffer {
  return Buffer.concat([DIGEST_INFO_PREFIX[hash], digest]);
}
