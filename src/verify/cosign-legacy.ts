/**
 * Cosign's older registry layout, read as Sigstore bundles. Before OCI referrers, cosign stored
 * an image's signatures in a manifest tagged `sha256-<hex>.sig` and its attestations under
 * `sha256-<hex>.att`: one layer per signature, with the signature, the Fulcio certificate and
 * chain, and the Rekor entry's signed timestamp (SET) in the layer's annotations. Each layer
 * becomes a v0.1 bundle (the format whose log entries carry an inclusion promise) so that the
 * same cryptographic checks apply to it as to any bundle.
 *
 * A `.sig` layer signs a "simple signing" payload, not the image: the payload names the image's
 * manifest digest, and a signature binds to the image only through it. {@link simpleSigningBinding}
 * checks that binding.
 * @module
 */
import { createHash, X509Certificate } from 'node:crypto';
import { BUNDLE_V01_MEDIA_TYPE } from '@sigstore/bundle';
import type { Descriptor } from '../registry/types.js';

/** Media type of a `.sig` layer: the simple-signing payload. */
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** Media type of an `.att` layer: a DSSE envelope. */
export const DSSE_ENVELOPE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
/** The `type` a simple-signing payload about a container image declares. */
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

/** Layer annotations cosign writes. */
export const COSIGN_ANNOTATIONS = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
} as const;

/** A layer converted, or why it cannot be. */
export type LegacyConversion = { bundle: Record<string, unknown>; problem?: undefined } | { bundle?: undefined; problem: string };

/**
 * The v0.1 bundle of one `.sig` layer: a message signature over the payload's SHA-256, with the
 * certificate (or, with none, a key the caller must trust) and the Rekor entry when cosign
 * logged it.
 */
export function signatureLayerBundle(layer: Pick<Descriptor, 'annotations'>, payload: Buffer): LegacyConversion {
  const annotations = layer.annotations ?? {};
  const signature = annotations[COSIGN_ANNOTATIONS.signature];
  if (signature === undefined || signature === '' || !isBase64(signature)) {
    return { problem: `the layer has no base64 ${COSIGN_ANNOTATIONS.signature} annotation` };
  }
  const material = verificationMaterial(annotations);
  if (material.problem !== undefined) return { problem: material.problem };
  return {
    bundle: {
      mediaType: BUNDLE_V01_MEDIA_TYPE,
      verificationMaterial: material.value,
      messageSignature: {
        messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(payload).digest('base64') },
        signature,
      },
    },
  };
}

/**
 * The v0.1 bundle of one `.att` layer: its DSSE envelope, with the certificate or key and the
 * Rekor entry. Envelopes with other than one signature are refused (a bundle holds one).
 */
export function attestationLayerBundle(layer: Pick<Descriptor, 'annotations'>, envelopeBytes: Buffer): LegacyConversion {
  let envelope: { payloadType?: unknown; payload?: unknown; signatures?: unknown };
  try {
    envelope = JSON.parse(envelopeBytes.toString('utf8')) as typeof envelope;
  } catch (error) {
    return { problem: `the layer is not a DSSE envelope: ${(error as Error).message}` };
  }
  if (typeof envelope !== 'object' || envelope === null || typeof envelope.payloadType !== 'string' || typeof envelope.payload !== 'string') {
    return { problem: 'the layer is not a DSSE envelope (payloadType and payload are required)' };
  }
  const signatures = Array.isArray(envelope.signatures) ? (envelope.signatures as Array<{ sig?: unknown; keyid?: unknown }>) : [];
  if (signatures.length !== 1 || typeof signatures[0]?.sig !== 'string') {
    return { problem: `the DSSE envelope holds ${signatures.length} signatures; exactly one is verified` };
  }
  const material = verificationMaterial(layer.annotations ?? {});
  if (material.problem !== undefined) return { problem: material.problem };
  return {
    bundle: {
      mediaType: BUNDLE_V01_MEDIA_TYPE,
      verificationMaterial: material.value,
      dsseEnvelope: {
        payloadType: envelope.payloadType,
        payload: envelope.payload,
        signatures: [{ sig: signatures[0].sig, keyid: typeof signatures[0].keyid === 'string' ? signatures[0].keyid : '' }],
      },
    },
  };
}

/**
 * Checks that a simple-signing payload is cosign's signature of the image `manifestDigest`:
 * `critical.type` is a container image signature and `critical.image.docker-manifest-digest`
 * is that digest. Returns undefined when it is, else why not; `about` tells a payload about
 * another image (set aside) from one that is not a payload at all (a failure).
 */
export function simpleSigningBinding(payload: Buffer, manifestDigest: string): { about: 'yes' } | { about: 'no' | 'unknown'; problem: string } {
  let parsed: { critical?: { type?: unknown; image?: { 'docker-manifest-digest'?: unknown } } };
  try {
    parsed = JSON.parse(payload.toString('utf8')) as typeof parsed;
  } catch (error) {
    return { about: 'unknown', problem: `the signed payload is not JSON: ${(error as Error).message}` };
  }
  const critical = typeof parsed === 'object' && parsed !== null ? parsed.critical : undefined;
  if (typeof critical !== 'object' || critical === null) return { about: 'unknown', problem: 'the signed payload has no "critical" section' };
  if (critical.type !== COSIGN_SIGNATURE_TYPE) {
    return { about: 'unknown', problem: `the signed payload's type is ${JSON.stringify(critical.type)}, not ${JSON.stringify(COSIGN_SIGNATURE_TYPE)}` };
  }
  const named = critical.image?.['docker-manifest-digest'];
  if (typeof named !== 'string') return { about: 'unknown', problem: 'the signed payload names no critical.image.docker-manifest-digest' };
  if (named !== manifestDigest) return { about: 'no', problem: `the signed payload is about the image ${named}, not ${manifestDigest}` };
  return { about: 'yes' };
}


type Material = { value: Record<string, unknown>; problem?: undefined } | { value?: undefined; problem: string };

/** The certificate chain (or an empty key hint) and the tlog entry, from the layer's annotations. */
function verificationMaterial(annotations: Record<string, string>): Material {
  const certificatePem = annotations[COSIGN_ANNOTATIONS.certificate];
  const value: Record<string, unknown> = {};
  if (certificatePem !== undefined && certificatePem.trim() !== '') {
    const certificates = pemCertificates(certificatePem);
    if (certificates === undefined || certificates.length !== 1) return { problem: 'the certificate annotation is not one PEM certificate' };
    const chain = annotations[COSIGN_ANNOTATIONS.chain];
    const rest = chain === undefined || chain.trim() === '' ? [] : pemCertificates(chain);
    if (rest === undefined) return { problem: 'the chain annotation is not PEM certificates' };
    value.x509CertificateChain = { certificates: [...certificates, ...rest].map((der) => ({ rawBytes: der.toString('base64') })) };
  } else {
    // Signed with a key: cosign records no hint, so every trusted key is tried.
    value.publicKey = { hint: '' };
  }
  const rekor = annotations[COSIGN_ANNOTATIONS.bundle];
  if (rekor === undefined || rekor.trim() === '') {
    value.tlogEntries = [];
  } else {
    const entry = tlogEntry(rekor);
    if (entry.problem !== undefined) return { problem: entry.problem };
    value.tlogEntries = [entry.value];
  }
  value.timestampVerificationData = { rfc3161Timestamps: [] };
  return { value };
}

/**
 * Cosign's Rekor bundle — `{ SignedEntryTimestamp, Payload: { body, integratedTime, logIndex,
 * logID } }` — as a bundle's tlog entry with an inclusion promise. The body is the entry Rekor
 * stored and signed; its kind and version are read from it.
 */
function tlogEntry(text: string): Material {
  let rekor: { SignedEntryTimestamp?: unknown; Payload?: { body?: unknown; integratedTime?: unknown; logIndex?: unknown; logID?: unknown } };
  try {
    rekor = JSON.parse(text) as typeof rekor;
  } catch (error) {
    return { problem: `the Rekor bundle annotation is not JSON: ${(error as Error).message}` };
  }
  const payload = typeof rekor === 'object' && rekor !== null ? rekor.Payload : undefined;
  const set = rekor?.SignedEntryTimestamp;
  if (typeof set !== 'string' || !isBase64(set) || typeof payload !== 'object' || payload === null) {
    return { problem: 'the Rekor bundle annotation lacks SignedEntryTimestamp or Payload' };
  }
  const { body, integratedTime, logIndex, logID } = payload;
  if (typeof body !== 'string' || !isBase64(body) || !Number.isSafeInteger(integratedTime) || !Number.isSafeInteger(logIndex)) {
    return { problem: 'the Rekor bundle annotation has no usable body, integratedTime or logIndex' };
  }
  if (typeof logID !== 'string' || !/^[0-9a-f]{64}$/i.test(logID)) return { problem: 'the Rekor bundle annotation has no hex logID' };
  let kind: { kind?: unknown; apiVersion?: unknown };
  try {
    kind = JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as typeof kind;
  } catch {
    return { problem: 'the Rekor entry body is not JSON' };
  }
  if (typeof kind?.kind !== 'string' || typeof kind.apiVersion !== 'string') return { problem: 'the Rekor entry body names no kind and apiVersion' };
  return {
    value: {
      logIndex: String(logIndex),
      logId: { keyId: Buffer.from(logID, 'hex').toString('base64') },
      kindVersion: { kind: kind.kind, version: kind.apiVersion },
      integratedTime: String(integratedTime),
      inclusionPromise: { signedEntryTimestamp: set },
      canonicalizedBody: body,
    },
  };
}

/** DER bytes of each certificate in a PEM text; undefined when a block is not a certificate. */
function pemCertificates(pem: string): Buffer[] | undefined {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return undefined;
  try {
    return blocks.map((block) => new X509Certificate(block).raw);
  } catch {
    return undefined;
  }
}

function isBase64(text: string): boolean {
  return text.length > 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text.trim());
}
