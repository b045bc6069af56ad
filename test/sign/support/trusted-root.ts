/**
 * Builds a Sigstore `trusted_root.json` (v0.1) for a private set of services: the CA root,
 * the CT log and Rekor keys, and the timestamp authority's chain. This is the file any
 * Sigstore verifier (cosign `--trusted-root`, sigstore-js, sigstore-python) takes.
 * @module
 */
import { createHash } from 'node:crypto';

/** The media type of trusted roots. */
export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

/** What goes into the root. DER bytes everywhere. */
export interface TrustedRootParts {
  /** From when the keys are trusted. */
  validFrom: Date;
  ca?: { url: string; rootCertificate: ArrayBufferView };
  ctlog?: { url: string; publicKey: ArrayBufferView; logId: ArrayBufferView };
  /** `url` must be the log's base URL: checkpoints are matched against it. */
  tlog?: { url: string; publicKey: ArrayBufferView };
  /** Leaf (signing) certificate first, then the chain up to the root. */
  tsa?: { url: string; certificates: ArrayBufferView[] };
}

/** A trusted_root.json object (JSON form, ready to write or to parse with `TrustedRoot.fromJSON`). */
export function buildTrustedRoot(parts: TrustedRootParts): Record<string, unknown> {
  const validFor = { start: parts.validFrom.toISOString() };
  const b64 = (view: ArrayBufferView) => bytes(view).toString('base64');
  const logKey = (publicKey: ArrayBufferView) => ({ rawBytes: b64(publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor });
  return {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: parts.tlog
      ? [
          {
            baseUrl: parts.tlog.url,
            hashAlgorithm: 'SHA2_256',
            publicKey: logKey(parts.tlog.publicKey),
            // A Rekor log ID is the SHA-256 of its DER public key.
            logId: { keyId: createHash('sha256').update(bytes(parts.tlog.publicKey)).digest('base64') },
          },
        ]
      : [],
    certificateAuthorities: parts.ca
      ? [
          {
            subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
            uri: parts.ca.url,
            certChain: { certificates: [{ rawBytes: b64(parts.ca.rootCertificate) }] },
            validFor,
          },
        ]
      : [],
    ctlogs: parts.ctlog
      ? [
          {
            baseUrl: parts.ctlog.url,
            hashAlgorithm: 'SHA2_256',
            publicKey: logKey(parts.ctlog.publicKey),
            logId: { keyId: b64(parts.ctlog.logId) },
          },
        ]
      : [],
    timestampAuthorities: parts.tsa
      ? [
          {
            subject: { organization: 'sigstore.mock', commonName: 'tsa' },
            uri: parts.tsa.url,
            certChain: { certificates: parts.tsa.certificates.map((der) => ({ rawBytes: b64(der) })) },
            validFor,
          },
        ]
      : [],
  };
}

function bytes(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}
