/**
 * Signs through a caller's callback (a KMS, an HSM, a hardware token). The callback gets the
 * SHA-256 digest, as those services expect, and the message when it is in memory; sealkit
 * checks the returned signature against the declared public key whenever it can.
 * @module
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { SealkitError, SigningError } from '../../errors.js';
import type { CustomSigner } from '../sign-options.js';
import { signatureAlgorithm } from './private-key.js';
import { defaultKeyHint, publicKeyPem, type MessageSigner, type SignatureAlgorithm, type SignatureSession } from './signer.js';

/** A {@link MessageSigner} over a {@link CustomSigner}. */
export class CallbackSigner implements MessageSigner {
  readonly algorithm: SignatureAlgorithm;
  readonly publicKeyPem: string;
  readonly keyHint: string;
  private readonly publicKey: KeyObject;

  constructor(private readonly custom: CustomSigner) {
    if (typeof custom?.sign !== 'function') {
      throw new SigningError('KEY_INVALID', 'the signer option needs a sign(request) function');
    }
    this.publicKey = readPublicKey(custom.publicKey);
    this.algorithm = signatureAlgorithm(this.publicKey);
    this.publicKeyPem = publicKeyPem(this.publicKey);
    this.keyHint = custom.keyHint ?? defaultKeyHint(this.publicKey);
  }

  begin(): SignatureSession {
    return {
      update: () => {},
      finish: (digest, message) => this.sign(digest, message),
    };
  }

  private async sign(digest: Buffer, message: Buffer | undefined): Promise<Buffer> {
    let result: Uint8Array;
    try {
      result = await this.custom.sign({ digest, algorithm: 'sha256', message });
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
    // Without the message there is nothing to check against here; the log, when used, checks it.
    if (message && !verifies(this.algorithm, message, this.publicKey, signature)) {
      throw new SigningError('SIGNER_FAILED', 'the signer callback returned a signature its public key does not verify');
    }
    return signature;
  }
}

function verifies(algorithm: SignatureAlgorithm, message: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(algorithm === 'ed25519' ? null : 'sha256', message, key, signature);
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
