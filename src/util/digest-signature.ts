/**
 * Signatures over a digest computed elsewhere: the primitive under a Sigstore message
 * signature (a `hashedrekord` is a signature over the artifact's digest), shared by signing
 * (`signArtifact({ sha256 })`, a KMS callback's answer) and verification (a bundle checked
 * against a digest). Node signs and verifies only messages it hashes itself, so ECDSA and
 * RSA PKCS#1 v1.5 over a bare digest live here, for SHA-256, SHA-384 and SHA-512.
 * @module
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { SigningError, UsageError } from '../errors.js';
import { EC_CURVE_HASH, signDigestEcdsa, verifyDigestEcdsa } from './digest-signature-ecdsa.js';
import { signDigestRsa, verifyDigestRsa } from './digest-signature-rsa.js';

/** The hash functions a Sigstore signature is made with. */
export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

/** Bytes of a digest of each {@link HashAlgorithm}. */
export const DIGEST_BYTES: Readonly<Record<HashAlgorithm, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/**
 * The hash the Sigstore algorithm registry pairs with a key: P-256 -> sha256, P-384 ->
 * sha384, P-521 -> sha512, RSA -> sha256; undefined for keys that sign whole messages
 * (Ed25519) or are unsupported.
 *
 * Works on public and private keys alike.
 * @see https://github.com/sigstore/architecture-docs/blob/main/algorithm-registry.md
 */
export function registryHash(key: KeyObject): HashAlgorithm | undefined {
  if (key.asymmetricKeyType === 'rsa') return 'sha256';
  if (key.asymmetricKeyType === 'ec') return EC_CURVE_HASH[key.asymmetricKeyDetails?.namedCurve ?? ''];
  return undefined;
}

/**
 * True when `signature` is `publicKey`'s signature over the `hash` digest `digest`: ECDSA
 * P-256/P-384/P-521 (DER; high-S accepted), RSA PKCS#1 v1.5 (whole DigestInfo compared).
 * False — never a throw — for a wrong length, a malformed signature, or a key type that
 * cannot verify a digest (Ed25519, RSA-PSS).
 *
 * Any supported hash is checked with any supported key; whether that pairing is acceptable
 * (see {@link registryHash}) and whether the key is strong enough are the caller's policy.
 * A private key is accepted in place of its public half.
 */
export function verifyDigestSignature(publicKey: KeyObject, hash: HashAlgorithm, digest: Buffer, signature: Buffer): boolean {
  try {
    if (!isDigest(hash, digest) || !(signature instanceof Uint8Array) || signature.length === 0) return false;
    const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
    if (key.type !== 'public') return false;
    const bytes = Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength);
    if (key.asymmetricKeyType === 'ec') return verifyDigestEcdsa(key, digest, bytes);
    if (key.asymmetricKeyType === 'rsa') return verifyDigestRsa(key, hash, digest, bytes);
    return false;
  } catch {
    // whatever went wrong, this signature does not verify with this key
    return false;
  }
}

/**
 * Signs the `hash` digest `digest` with `privateKey`, giving the signature (DER ECDSA or
 * PKCS#1 v1.5 RSA) that signing the message of that digest with `hash` gives. The signing
 * counterpart of {@link verifyDigestSignature}, used by `src/sign`.
 * @throws {UsageError} `INVALID_ARGUMENT` for an unknown hash or a digest of the wrong length.
 * @throws {SigningError} `KEY_INVALID` for a key that cannot sign a digest (Ed25519, RSA-PSS,
 *   another curve, a public key); `SIGNER_FAILED` when the signing operation fails.
 */
export function signDigestWithKey(privateKey: KeyObject, hash: HashAlgorithm, digest: Buffer): Buffer {
  if (!Object.hasOwn(DIGEST_BYTES, hash)) {
    throw new UsageError('INVALID_ARGUMENT', `unsupported hash ${String(hash)}: use sha256, sha384 or sha512`);
  }
  if (!isDigest(hash, digest)) {
    throw new UsageError('INVALID_ARGUMENT', `a ${hash.toUpperCase().replace('SHA', 'SHA-')} digest is ${DIGEST_BYTES[hash]} bytes`);
  }
  if (privateKey?.type !== 'private') {
    throw new SigningError('KEY_INVALID', 'signing a digest needs a private key');
  }
  const type = privateKey.asymmetricKeyType;
  if (type === 'ec') return signDigestEcdsa(privateKey, digest);
  if (type === 'rsa') return signDigestRsa(privateKey, hash, digest);
  if (type === 'ed25519' || type === 'ed448') {
    throw new SigningError('KEY_INVALID', 'Ed25519 signs whole messages, never a digest: signing a digest needs an ECDSA or RSA key');
  }
  throw new SigningError('KEY_INVALID', `${type ?? 'this'} keys cannot sign a digest: use an ECDSA (P-256, P-384, P-521) or RSA key`, {
    details: { type },
  });
}

function isDigest(hash: HashAlgorithm, digest: Buffer): boolean {
  return Object.hasOwn(DIGEST_BYTES, hash) && digest instanceof Uint8Array && digest.length === DIGEST_BYTES[hash];
}
