/**
 * The signer contract of sealkit: something that turns a message (fed in chunks while it is
 * hashed, or given whole) or the digest of one into a signature, and says which public key
 * checks it and which hash its message signatures are made with.
 * Implementations: a private key held in this process, and a caller's callback (KMS, HSM).
 * @module
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { HashAlgorithm } from '../../util/digest-signature.js';

/** The signature families Sigstore verifiers accept. */
export type SignatureAlgorithm = 'ecdsa' | 'rsa' | 'ed25519';

/** One signature in progress. */
export interface SignatureSession {
  /** Feeds the next chunk of the message (ignored by signers that work from the digest). */
  update(chunk: Buffer): void;
  /**
   * Completes the signature. `digest` is the whole message hashed with the session's hash;
   * `message` is the message itself when it is in memory.
   */
  finish(digest: Buffer, message: Buffer | undefined): Promise<Buffer>;
}

/** Signs messages with one key. */
export interface MessageSigner {
  readonly algorithm: SignatureAlgorithm;
  /**
   * The hash of this key's message signatures: the one the Sigstore algorithm registry pairs
   * with it (SHA-384 for P-384, SHA-512 for P-521, SHA-256 for P-256 and RSA). Undefined for
   * Ed25519, which signs whole messages.
   */
  readonly messageHash: HashAlgorithm | undefined;
  /** SPKI PEM of the verifying key. */
  readonly publicKeyPem: string;
  /** The key hint recorded in bundles. */
  readonly keyHint: string;
  /** Starts a signature made with `hash` (Ed25519 signers ignore it: they sign the message). */
  begin(hash: HashAlgorithm): SignatureSession;
  /**
   * Signs a message known only by its `hash` digest, giving the signature {@link begin}
   * would give for the message itself. Ed25519 signers refuse (`KEY_INVALID`).
   */
  signDigest(hash: HashAlgorithm, digest: Buffer): Promise<Buffer>;
}

/** Signs a message that is already in memory, with `hash`. */
export async function signMessage(signer: MessageSigner, message: Buffer, hash: HashAlgorithm): Promise<Buffer> {
  const session = signer.begin(hash);
  session.update(message);
  return session.finish(createHash(hash).update(message).digest(), message);
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
