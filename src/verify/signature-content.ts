/**
 * What a bundle's signature is over, in the shape `@sigstore/verify` checks, with two things
 * made stricter than the library's own:
 *
 * - Message signatures are checked against the artifact's digest computed here, never the
 *   bundle's `messageDigest` (an unauthenticated hint): the signature, and the transparency
 *   log entry's hash, must both be about the artifact in hand. This also gives digest mode
 *   (`sha256:<hex>`): the signature is verified over the given digest, with no bytes at all.
 * - DSSE signatures are checked with the hash the Sigstore algorithm registry pairs with the
 *   key (SHA-384 for P-384, SHA-512 for P-521), and also SHA-256, which some signers use for
 *   every curve; both are signatures by the same key over the same bytes.
 * @module
 */
import { verify as nodeVerify, type KeyObject } from 'node:crypto';
import type { Envelope, MessageSignature } from '@sigstore/bundle';
import { crypto as sigstoreCrypto, dsse } from '@sigstore/core';
import { HashAlgorithm } from '@sigstore/protobuf-specs';
import type { SignedEntity } from '@sigstore/verify';
import { registryHash, verifyDigestSignature, type HashAlgorithm as DigestHash } from '../util/digest-signature.js';

type SignatureContent = SignedEntity['signature'];

/** The hash of a message digest, by the bundle's protobuf enum; undefined for ones sealkit does not verify. */
export function messageDigestAlgorithm(algorithm: HashAlgorithm): DigestHash | undefined {
  switch (algorithm) {
    case HashAlgorithm.SHA2_256:
    case HashAlgorithm.HASH_ALGORITHM_UNSPECIFIED:
      return 'sha256';
    case HashAlgorithm.SHA2_384:
      return 'sha384';
    case HashAlgorithm.SHA2_512:
      return 'sha512';
    default:
      return undefined;
  }
}

/** A message signature checked against the artifact's own digest (and bytes, when in memory). */
export class ArtifactMessageContent implements SignatureContent {
  readonly signature: Buffer;

  constructor(
    messageSignature: MessageSignature,
    private readonly hash: DigestHash,
    private readonly artifactDigest: Buffer,
    private readonly artifactData: Buffer | undefined,
  ) {
    this.signature = messageSignature.signature;
  }

  compareSignature(signature: Buffer): boolean {
    return sigstoreCrypto.bufferEqual(signature, this.signature);
  }

  compareDigest(digest: Buffer): boolean {
    return sigstoreCrypto.bufferEqual(digest, this.artifactDigest);
  }

  compareSignedDigest(digest: Buffer): boolean {
    return this.compareDigest(digest);
  }

  verifySignature(key: KeyObject): boolean {
    if (this.artifactData !== undefined) {
      // OpenSSL over the bytes: the fast path, and the one that also covers RSA-PSS keys.
      return verifyQuietly(this.hash, this.artifactData, key, this.signature);
    }
    return verifyDigestSignature(key, this.hash, this.artifactDigest, this.signature);
  }
}

/** A DSSE envelope's single signature over its pre-authentication encoding. */
export class DsseContent implements SignatureContent {
  readonly signature: Buffer;
  private readonly pae: Buffer;
  private readonly payload: Buffer;

  constructor(envelope: Envelope) {
    this.payload = envelope.payload;
    this.pae = dsse.preAuthEncoding(envelope.payloadType, envelope.payload);
    this.signature = envelope.signatures[0]?.sig ?? Buffer.alloc(0);
  }

  compareSignature(signature: Buffer): boolean {
    return sigstoreCrypto.bufferEqual(signature, this.signature);
  }

  compareDigest(digest: Buffer): boolean {
    return sigstoreCrypto.bufferEqual(digest, sigstoreCrypto.digest('sha256', this.payload));
  }

  compareSignedDigest(digest: Buffer): boolean {
    return sigstoreCrypto.bufferEqual(digest, sigstoreCrypto.digest('sha256', this.pae));
  }

  verifySignature(key: KeyObject): boolean {
    if (this.signature.length === 0) return false;
    const type = key.asymmetricKeyType;
    if (type === 'ed25519' || type === 'ed448') return verifyQuietly(null, this.pae, key, this.signature);
    const hash = registryHash(key) ?? 'sha256';
    if (verifyQuietly(hash, this.pae, key, this.signature)) return true;
    return hash !== 'sha256' && verifyQuietly('sha256', this.pae, key, this.signature);
  }
}

function verifyQuietly(hash: string | null, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return nodeVerify(hash, data, key, signature);
  } catch {
    return false; // a key that cannot verify this signature did not make it
  }
}
