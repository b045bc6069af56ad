/**
 * Loads a private key from PEM (PKCS#8, SEC1, PKCS#1; encrypted or not) or takes a
 * `KeyObject`, and refuses keys Sigstore verifiers would not accept, with the reason.
 * @module
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SigningError } from '../../errors.js';
import type { SignatureAlgorithm } from './signer.js';

/** Curves Sigstore's key details cover (P-256, P-384, P-521). */
const SUPPORTED_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
const MIN_RSA_BITS = 2048;
const SUPPORTED = 'ECDSA P-256/P-384/P-521, Ed25519 or RSA (2048 bits or more)';

/** Returns the private key and its algorithm, or throws KEY_INVALID / KEY_PASSPHRASE. */
export function loadPrivateKey(
  key: string | Uint8Array | KeyObject,
  passphrase?: string,
): { privateKey: KeyObject; algorithm: SignatureAlgorithm } {
  const privateKey = typeof key === 'string' || key instanceof Uint8Array ? parsePem(key, passphrase) : key;
  if (privateKey.type !== 'private') {
    throw new SigningError('KEY_INVALID', `the key is a ${privateKey.type} key; signing needs the private key`);
  }
  return { privateKey, algorithm: signatureAlgorithm(privateKey) };
}

/** The signature family of a key, or KEY_INVALID when sealkit does not sign with it. */
export function signatureAlgorithm(key: KeyObject): SignatureAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') return 'ed25519';
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
    if (SUPPORTED_CURVES.has(curve)) return 'ecdsa';
    throw new SigningError('KEY_INVALID', `unsupported elliptic curve ${curve}; use ${SUPPORTED}`, { details: { curve } });
  }
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits >= MIN_RSA_BITS) return 'rsa';
    throw new SigningError('KEY_INVALID', `RSA keys must have at least ${MIN_RSA_BITS} bits, this one has ${bits}`);
  }
  throw new SigningError('KEY_INVALID', `unsupported key type ${type ?? 'unknown'}; use ${SUPPORTED}`, {
    details: { type },
  });
}

function parsePem(key: string | Uint8Array, passphrase: string | undefined): KeyObject {
  const text = typeof key === 'string' ? key : Buffer.from(key).toString('utf8');
  if (/-----BEGIN (ENCRYPTED )?(SIGSTORE|COSIGN) PRIVATE KEY-----/.test(text)) {
    throw new SigningError(
      'KEY_INVALID',
      'cosign-encrypted keys (ENCRYPTED SIGSTORE PRIVATE KEY) use NaCl secretbox, which sealkit does not read; use a PKCS#8 PEM key, e.g. `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256`',
    );
  }
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
  if (!label) {
    throw new SigningError('KEY_INVALID', 'the key is not PEM text (pass the contents of the key file, not its path)');
  }
  if (label.endsWith('PUBLIC KEY') || label === 'CERTIFICATE') {
    throw new SigningError('KEY_INVALID', `the key is a ${label.toLowerCase()}; signing needs the private key`);
  }
  const encrypted = label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(text);
  if (encrypted && !passphrase) {
    throw new SigningError('KEY_PASSPHRASE', 'the private key is encrypted: give its passphrase');
  }
  try {
    return createPrivateKey({ key: text, format: 'pem', passphrase: encrypted ? passphrase : undefined });
  } catch (error) {
    if (encrypted) {
      throw new SigningError('KEY_PASSPHRASE', 'cannot decrypt the private key: wrong passphrase (or a damaged key)', {
        cause: error,
      });
    }
    throw new SigningError('KEY_INVALID', `cannot read the private key (${label}): ${(error as Error).message}`, {
      cause: error,
    });
  }
}
