/**
 * Signs with a private key held in this process: a user's key, or the ephemeral key of
 * keyless signing. ECDSA and RSA stream the message through OpenSSL with the hash asked for;
 * Ed25519 signs the whole message at once, as the algorithm requires. A bare digest is signed
 * by {@link signDigestWithKey}, since OpenSSL signs only what it hashed itself.
 * @module
 */
import { createSign, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { SigningError } from '../../errors.js';
import { registryHash, signDigestWithKey, type HashAlgorithm } from '../../util/digest-signature.js';
import { defaultKeyHint, publicKeyPem, type MessageSigner, type SignatureAlgorithm, type SignatureSession } from './signer.js';

/** A {@link MessageSigner} over a Node `KeyObject`. */
export class KeySigner implements MessageSigner {
  readonly publicKeyPem: string;
  readonly keyHint: string;
  readonly messageHash: HashAlgorithm | undefined;

  constructor(
    private readonly privateKey: KeyObject,
    readonly algorithm: SignatureAlgorithm,
    keyHint?: string,
  ) {
    this.publicKeyPem = publicKeyPem(privateKey);
    this.keyHint = keyHint ?? defaultKeyHint(privateKey);
    this.messageHash = registryHash(privateKey);
  }

  /** A fresh P-256 key that lives only in memory, as keyless signing uses. */
  static ephemeral(): KeySigner {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return new KeySigner(privateKey, 'ecdsa');
  }

  begin(hash: HashAlgorithm): SignatureSession {
    if (this.algorithm === 'ed25519') return this.wholeMessageSession();
    const signature = createSign(hash);
    return {
      update: (chunk) => signature.update(chunk),
      finish: async () => signature.sign(this.privateKey),
    };
  }

  /** Signs a digest computed elsewhere; async so that a refusal is a rejection. */
  async signDigest(hash: HashAlgorithm, digest: Buffer): Promise<Buffer> {
    return signDigestWithKey(this.privateKey, hash, digest);
  }

  private wholeMessageSession(): SignatureSession {
    const chunks: Buffer[] = [];
    return {
      // chunks may be views into reused read buffers
      update: (chunk) => chunks.push(Buffer.from(chunk)),
      finish: async (_digest, message) => {
        const whole = message ?? Buffer.concat(chunks);
        try {
          return sign(null, whole, this.privateKey);
        } catch (error) {
          throw new SigningError('SIGNER_FAILED', `Ed25519 signing failed: ${(error as Error).message}`, { cause: error });
        }
      },
    };
  }
}
