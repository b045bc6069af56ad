/**
 * Signs through a caller's callback (a KMS, an HSM, a hardware token). The callback gets the
 * digest to sign and its hash, as those services expect, and the message when it is in
 * memory; sealkit checks the returned signature against the declared public key: over the
 * message when it has it, over the digest otherwise (ECDSA and RSA).
 * @module
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { SealkitError, SigningError } from '../../errors.js';
import { registryHash, verifyDigestSignature, type HashAlgorithm } from '../../util/digest-signature.js';
import type { CustomSigner } from '../sign-options.js';
import { signatureAlgorithm } from './private-key.js';
import { defaultKeyHint, publicKeyPem, type MessageSigner, type SignatureAlgorithm, type SignatureSession } from './signer.js';

/** A {@link MessageSigner} over a {@link CustomSigner}. */
export class CallbackSigner implements MessageSigner {
  readonly algorithm: SignatureAlgorithm;
  readonly messageHash: HashAlgorithm | undefined;
  readonly publicKeyPem: string;
  readonly keyHint: string;
  private readonly publicKey: KeyObject;

  constructor(private readonly custom: CustomSigner) {
    if (typeof custom?.sign !== 'function') {
      throw new SigningError('KEY_INVALID', 'the signer option needs a sign(request) function');
    }
    this.publicKey = readPublicKey(custom.publicKey);
    this.algorithm = signatureAlgorithm(this.publicKey);
    this.messageHash = registryHash(this.publicKey);
    this.publicKeyPem = publicKeyPem(this.publicKey);
    this.keyHint = custom.keyHint ?? defaultKeyHint(this.publicKey);
  }

  begin(hash: HashAlgorithm): SignatureSession {
    return {
      update: () => {},
      finish: (digest, message) => this.sign(hash, digest, message),
    };
  }

  /** Hands the digest to the callback: what KMSs and HSMs sign natively. */
  signDigest(hash: HashAlgorithm, digest: Buffer): Promise<Buffer> {
    return this.sign(hash, digest, undefined);
  }

  private async sign(hash: HashAlgorithm, digest: Buffer, message: Buffer | undefined): Promise<Buffer> {
    let result: Uint8Array;
    try {
      result = await this.custom.sign({ digest, algorithm: hash, message });
    } catch (error) {
      if (error instanceof SealkitError) throw error;
      throw new SigningError('SIGNER_FAILED', `the signer callback failed: ${(error as Error)?.message ?? String(error)}`, {
        cause: error,
      });
    }
    if (!(result instanceof Uint8Array) || result.length === 0) {
      throw new SigningError('SIGNER_FAILED', 'the signer callback returned no signature bytes');
    }
    const signature = Buffer.from(result);
    // A wrong signature caught here is one no verifier, and no log, ever sees; so is one
    // made with another hash than the one asked for.
    if (!this.verifies(hash, digest, message, signature)) {
      throw new SigningError(
        'SIGNER_FAILED',
        this.algorithm === 'ed25519'
          ? 'the signer callback returned a signature its public key does not verify'
          : `the signer callback returned a signature its public key does not verify with ${hash.toUpperCase()} (was it made with another hash?)`,
        { details: { algorithm: hash } },
      );
    }
    return signature;
  }

  private verifies(hash: HashAlgorithm, digest: Buffer, message: Buffer | undefined, signature: Buffer): boolean {
    if (message) return verifiesMessage(this.algorithm === 'ed25519' ? null : hash, message, this.publicKey, signature);
    // Ed25519 covers the whole message: without it there is nothing to check here.
    if (this.algorithm === 'ed25519') return true;
    return verifyDigestSignature(this.publicKey, hash, digest, signature);
  }
}

function verifiesMessage(hash: HashAlgorithm | null, message: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(hash, message, key, signature);
  } catch {
    return false; // a malformed signature is a wrong one
  }
}

function readPublicKey(key: string | KeyObject): KeyObject {
  try {
    const object = typeof key === 'string' ? createPublicKey(key) : key;
    return object.type === 'public' ? object : createPublicKey(object);
  } catch (error) {
    throw new SigningError('KEY_INVALID', `the signer's publicKey is not a public key: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
