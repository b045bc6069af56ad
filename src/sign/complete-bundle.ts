/**
 * Turns a signature into a finished Sigstore bundle v0.3: the Fulcio certificate (keyless)
 * or key hint, the witnesses' log entries and timestamps, a validation pass, and the
 * atomic write. Nothing is returned or written unless the bundle is complete.
 * @module
 */
import { X509Certificate, createHash } from 'node:crypto';
import {
  BUNDLE_V03_MEDIA_TYPE,
  ValidationError,
  assertBundleLatest,
  bundleToJSON,
  toDSSEBundle,
  toMessageSignatureBundle,
  type Bundle,
} from '@sigstore/bundle';
import { HashAlgorithm as ProtoHashAlgorithm } from '@sigstore/protobuf-specs';
import { SigningError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { HashAlgorithm } from '../util/digest-signature.js';
import { abortable } from './http-policy.js';
import { assertUnexpired } from './identity/token-claims.js';
import type { SignResult, SignerIdentity, SigningOptions } from './sign-options.js';
import { requestSigningCertificate } from './signers/fulcio-certificate.js';
import type { SigningPlan } from './signing-plan.js';
import { collectWitnessMaterial } from './witnesses.js';

/** A signature and what it covers. */
export type SignedContent =
  | {
      kind: 'message';
      /** The hash the signature was made with; `digest` is the artifact's digest of that hash. */
      hash: HashAlgorithm;
      digest: Buffer;
      /** The artifact's SHA-256, reported whatever `hash` is. */
      sha256: Buffer;
      signature: Buffer;
    }
  | { kind: 'dsse'; payload: Buffer; payloadType: string; signature: Buffer };

/** The bundle's name of each hash. */
const PROTO_HASH: Readonly<Record<HashAlgorithm, ProtoHashAlgorithm>> = {
  sha256: ProtoHashAlgorithm.SHA2_256,
  sha384: ProtoHashAlgorithm.SHA2_384,
  sha512: ProtoHashAlgorithm.SHA2_512,
};

/** Certifies (keyless), witnesses, validates and writes the bundle of `content`. */
export async function completeBundle(plan: SigningPlan, content: SignedContent, options: SigningOptions): Promise<SignResult> {
  const { signer, services, identity } = plan;
  let certificatePem: string | undefined;
  if (identity) {
    options.onProgress?.({ stage: 'certificate' });
    // Hashing a large artifact takes a while and CI tokens live minutes: check again.
    assertUnexpired(identity.claims.expiresAt, identity.sourceLabel);
    certificatePem = await abortable(
      requestSigningCertificate(signer, identity.token, services.fulcio!, services.http),
      options.signal,
    );
  }
  const keyMaterial = {
    certificate: certificatePem ? new X509Certificate(certificatePem).raw : undefined,
    keyHint: certificatePem ? undefined : signer.keyHint,
    certificateChain: false, // v0.3 bundles carry the leaf certificate only
  };
  const bundle: Bundle =
    content.kind === 'message'
      ? messageSignatureBundle(content.hash, content.digest, content.signature, keyMaterial)
      : toDSSEBundle({
          artifact: content.payload,
          artifactType: content.payloadType,
          signature: content.signature,
          ...keyMaterial,
        });

  options.onProgress?.({ stage: 'witness' });
  const material = await collectWitnessMaterial(services, bundle.content, certificatePem ?? signer.publicKeyPem, options.signal);
  bundle.verificationMaterial.tlogEntries = material.tlogEntries;
  bundle.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: material.rfc3161Timestamps };
  assertComplete(bundle);

  const json = bundleToJSON(bundle);
  if (options.bundlePath !== undefined) {
    options.onProgress?.({ stage: 'write' });
    await writeFileAtomic(options.bundlePath, `${JSON.stringify(json)}\n`);
  }

  const signerIdentity: SignerIdentity =
    identity && certificatePem
      ? {
          kind: 'keyless',
          subject: identity.claims.subject,
          issuer: identity.claims.issuer,
          tokenSource: identity.source,
          certificate: certificatePem,
        }
      : { kind: 'key', keyHint: signer.keyHint, publicKey: signer.publicKeyPem };
  const signed = content.kind === 'message' ? content.sha256 : createHash('sha256').update(content.payload).digest();
  return {
    bundle: json,
    sha256: signed.toString('hex'),
    signer: signerIdentity,
    tlogEntries: material.tlogSummaries,
    timestampAuthorities: material.timestampAuthorities,
    bundlePath: options.bundlePath,
  };
}

/**
 * A message-signature bundle whose `messageDigest` names `hash`: `@sigstore/bundle` names
 * SHA2_256 whatever the digest, and verifiers hash the artifact with the named algorithm.
 */
function messageSignatureBundle(
  hash: HashAlgorithm,
  digest: Buffer,
  signature: Buffer,
  keyMaterial: Omit<Parameters<typeof toMessageSignatureBundle>[0], 'digest' | 'signature'>,
): Bundle {
  const bundle = toMessageSignatureBundle({ digest, signature, ...keyMaterial });
  if (bundle.content.$case !== 'messageSignature' || !bundle.content.messageSignature.messageDigest) {
    throw new SigningError('BUNDLE_INVALID', 'the message-signature bundle has no message digest');
  }
  bundle.content.messageSignature.messageDigest.algorithm = PROTO_HASH[hash];
  return bundle;
}

function assertComplete(bundle: Bundle): void {
  try {
    if (bundle.mediaType !== BUNDLE_V03_MEDIA_TYPE) throw new ValidationError('unexpected media type', ['mediaType']);
    assertBundleLatest(bundle);
  } catch (error) {
    const fields = error instanceof ValidationError ? (error.fields ?? []) : [];
    throw new SigningError(
      'BUNDLE_INVALID',
      `the assembled bundle is not a valid v0.3 bundle${fields.length ? ` (${fields.join(', ')})` : ''}: a service returned incomplete material`,
      { cause: error, details: { fields } },
    );
  }
}
