/**
 * The signer contract of sealkit: something that turns a message (fed in chunks while it is
 * hashed, or given whole) or the SHA-256 digest of one into a signature, and says which
 * public key checks it.
 * Implementations: a private key held in this process, and a caller's callback (KMS, HSM).
 * @module
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

/** The signature families Sigstore verifiers accept. */
export type SignatureAlgorithm = 'ecdsa' | 'rsa' | 'ed25519';

/** One signature in progress. */
export interface SignatureSession {
  /** Feeds the next chunk of the message (ignored by signers that work from the digest). */
  update(chunk: Buffer): void;
  /**
   * Completes the signature. `digest` is the SHA-256 of the whole message; `message` is the
   * message itself when it is in memory.
   */
  finish(digest: Buffer, message: Buffer | undefined): Promise<Buffer>;
}

/** Signs messages with one key. */
export interface MessageSigner {
  readonly algorithm: SignatureAlgorithm;
  /** SPKI PEM of the verifying key. */
  readonly publicKeyPem: string;
  /** The key hint recorded in bundles. */
  readonly keyHint: string;
  begin(): SignatureSession;
  /**
   * Signs a message known only by its SHA-256 `digest`, giving the signature {@link begin}
   * would give for the message itself. Ed25519 signers refuse (`KEY_INVALID`).
   */
  signDigest(digest: Buffer): Promise<Buffer>;
}

/** Signs a message that is already in memory. */
export async function signMessage(signer: MessageSigner, message: Buffer): Promise<Buffer> {
  const session = signer.begin();
  session.update(message);
  return session.finish(createHash('sha256').update(message).digest(), message);
}

/** The default key hint: hex SHA-256 of the DER public key, as logs name their keys. */
export function defaultKeyHint(key: KeyObject): string {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  return createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex');
}

/** SPKI PEM of any key object (a private key yields its public half). */
export function publicKeyPem(key: KeyObject): string {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  return publicKey.export({ format: 'pem', type: 'spki' }).toString();
}
