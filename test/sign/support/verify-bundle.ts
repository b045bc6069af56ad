/**
 * The oracle: bundles are checked by `@sigstore/bundle` (v0.3 validation) and verified by
 * `@sigstore/verify` against a trusted root, exactly as sigstore-js verifies them.
 * @module
 */
import { createPublicKey } from 'node:crypto';
import {
  BUNDLE_V03_MEDIA_TYPE,
  assertBundleLatest,
  bundleFromJSON,
  type Bundle,
  type SerializedBundle,
} from '@sigstore/bundle';
import { PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial, type Signer } from '@sigstore/verify';
import { TRUSTED_ROOT_MEDIA_TYPE } from './trusted-root.js';

/** A root that trusts nothing: for key-based bundles verified by their public key alone. */
export const EMPTY_TRUSTED_ROOT = {
  mediaType: TRUSTED_ROOT_MEDIA_TYPE,
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
};

/** What to verify against. */
export interface VerifyBundleOptions {
  trustedRoot: Record<string, unknown>;
  /** The artifact bytes, for message signatures. */
  artifact?: Buffer;
  /** Expected keyless identity: certificate SAN and OIDC issuer. */
  identity?: { subject: string; issuer: string };
  /** Trusted public keys (SPKI PEM) by key hint, for key-based bundles. */
  publicKeys?: Record<string, string>;
  /** Minimum number of tlog entries. Default 1. */
  tlogThreshold?: number;
  /** Minimum number of verified timestamps (log integration times and RFC 3161). Default 1. */
  timestampThreshold?: number;
  /** Minimum number of SCTs in the certificate. Default 1. */
  ctlogThreshold?: number;
}

/** Parses `json` as a bundle and checks it is a complete v0.3 bundle; throws otherwise. */
export function parseV03Bundle(json: unknown): Bundle {
  const bundle = bundleFromJSON(json);
  if (bundle.mediaType !== BUNDLE_V03_MEDIA_TYPE) throw new Error(`media type is ${bundle.mediaType}`);
  assertBundleLatest(bundle);
  return bundle;
}

/** Verifies `json` with `@sigstore/verify`; returns the signer or throws its VerificationError. */
export function verifyBundle(json: SerializedBundle | unknown, options: VerifyBundleOptions): Signer {
  const bundle = parseV03Bundle(json);
  const keys = Object.fromEntries(
    Object.entries(options.publicKeys ?? {}).map(([hint, pem]) => [
      hint,
      {
        rawBytes: createPublicKey(pem).export({ format: 'der', type: 'spki' }),
        keyDetails: PublicKeyDetails.PUBLIC_KEY_DETAILS_UNSPECIFIED,
        validFor: undefined,
      },
    ]),
  );
  const trust = toTrustMaterial(TrustedRoot.fromJSON(options.trustedRoot), keys);
  const verifier = new Verifier(trust, {
    tlogThreshold: options.tlogThreshold ?? 1,
    timestampThreshold: options.timestampThreshold ?? 1,
    ctlogThreshold: options.ctlogThreshold ?? 1,
  });
  const policy = options.identity
    ? { subjectAlternativeName: options.identity.subject, extensions: { issuer: options.identity.issuer } }
    : undefined;
  return verifier.verify(toSignedEntity(bundle, options.artifact), policy);
}

/** A copy of `json` with one bit of its signature flipped (message or DSSE). */
export function withFlippedSignatureBit(json: SerializedBundle): SerializedBundle {
  const copy = structuredClone(json) as SerializedBundle & Record<string, never>;
  const flip = (b64: string) => {
    const bytes = Buffer.from(b64, 'base64');
    bytes[bytes.length - 1]! ^= 0x01;
    return bytes.toString('base64');
  };
  if (copy.messageSignature) copy.messageSignature.signature = flip(copy.messageSignature.signature);
  if (copy.dsseEnvelope?.signatures[0]) copy.dsseEnvelope.signatures[0].sig = flip(copy.dsseEnvelope.signatures[0].sig);
  return copy;
}
