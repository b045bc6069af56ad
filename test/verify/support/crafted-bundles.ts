/**
 * Sigstore bundles made in the test, signed with throwaway keys: key-signed v0.3 bundles
 * (message signatures and DSSE in-toto statements) with no transparency-log entry, which
 * `@sigstore/verify` accepts with a log threshold of 0. They let a test say exactly what is
 * signed, by which key, with which hint, without a Sigstore instance.
 * @module
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/** The DSSE payload type of in-toto statements. */
export const IN_TOTO = 'application/vnd.in-toto+json';
/** The v0.3 bundle media type. */
export const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** A throwaway P-256 key pair, with its public key as SPKI PEM and sealkit's hex hint. */
export function newKey(): { privateKey: KeyObject; publicKey: KeyObject; pem: string; hint: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return {
    privateKey,
    publicKey,
    pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    hint: createHash('sha256').update(der).digest('hex'),
  };
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha512(data: Buffer | string): string {
  return createHash('sha512').update(data).digest('hex');
}

/** The DSSE pre-authentication encoding. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** An in-toto v1 statement. */
export function statement(subject: Array<{ name?: string; digest: Record<string, string> }>, predicateType: string, predicate: unknown = {}): Record<string, unknown> {
  return { _type: 'https://in-toto.io/Statement/v1', subject, predicateType, predicate };
}

/** A key-signed v0.3 bundle holding a DSSE envelope over `payload` (an object is JSON-encoded). */
export function dsseBundle(
  payload: Record<string, unknown> | Buffer,
  key: { privateKey: KeyObject; hint: string },
  options: { payloadType?: string; hint?: string } = {},
): Record<string, unknown> {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
  const payloadType = options.payloadType ?? IN_TOTO;
  const sig = sign('sha256', pae(payloadType, bytes), key.privateKey);
  return {
    mediaType: BUNDLE_V03,
    verificationMaterial: { publicKey: { hint: options.hint ?? key.hint }, tlogEntries: [] },
    dsseEnvelope: { payload: bytes.toString('base64'), payloadType, signatures: [{ sig: sig.toString('base64'), keyid: '' }] },
  };
}

/** A key-signed v0.3 bundle holding a message signature over `artifact`. */
export function messageBundle(artifact: Buffer, key: { privateKey: KeyObject; hint: string }, options: { hint?: string } = {}): Record<string, unknown> {
  const sig = sign('sha256', artifact, key.privateKey);
  return {
    mediaType: BUNDLE_V03,
    verificationMaterial: { publicKey: { hint: options.hint ?? key.hint }, tlogEntries: [] },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(artifact).digest('base64') },
      signature: sig.toString('base64'),
    },
  };
}
