/**
 * Rekor v1 checks a proposed entry before it logs it; `@sigstore/mock` logs whatever it is
 * sent. This wrapper makes Rekor's checks first, so that tests see what a real log refuses:
 *
 * - `hashedrekord`: the hash is sha256, sha384 or sha512, the value has that hash's length,
 *   and the signature verifies over that digest with that hash (checked by `openssl pkeyutl`,
 *   not by sealkit's code);
 * - `dsse`: every envelope signature verifies over the DSSE pre-authentication encoding with
 *   SHA-256 (Ed25519: over the encoding itself), as Rekor's `dsse` type checks it whatever
 *   the key (`signature.LoadVerifier(key, crypto.SHA256)` in sigstore/rekor
 *   pkg/types/dsse/v0.0.1/entry.go).
 *
 * A refused entry is answered with HTTP 400 and Rekor's JSON error shape.
 * @module
 */
import { X509Certificate, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { MockHandler } from './handler-server.js';
import { opensslVerifiesDigest } from './openssl.js';

const HASH_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** Wraps a Rekor v1 handler so that entries a real Rekor v1 would refuse are refused. */
export function checkingRekorV1(handler: MockHandler): MockHandler {
  return {
    path: handler.path,
    fn: async (body) => {
      let entry: { kind?: string; spec?: Record<string, unknown> };
      try {
        entry = JSON.parse(body) as typeof entry;
      } catch {
        return refuse('the request body is not JSON');
      }
      const problem = entry.kind === 'hashedrekord' ? hashedRekordProblem(entry.spec) : entry.kind === 'dsse' ? dsseProblem(entry.spec) : undefined;
      return problem ? refuse(problem) : handler.fn(body);
    },
  };
}

function hashedRekordProblem(spec: Record<string, unknown> | undefined): string | undefined {
  const { data, signature } = (spec ?? {}) as {
    data?: { hash?: { algorithm?: string; value?: string } };
    signature?: { content?: string; publicKey?: { content?: string } };
  };
  const algorithm = data?.hash?.algorithm ?? '';
  const value = data?.hash?.value ?? '';
  if (!(algorithm in HASH_HEX_LENGTH)) return `unsupported hash algorithm ${algorithm}`;
  if (!/^[0-9a-f]+$/.test(value) || value.length !== HASH_HEX_LENGTH[algorithm]) {
    return `invalid value for ${algorithm} hash: ${value.length} hex digits`;
  }
  const pem = Buffer.from(signature?.publicKey?.content ?? '', 'base64').toString('utf8');
  const sig = Buffer.from(signature?.content ?? '', 'base64');
  if (!opensslVerifiesDigest(pem, algorithm as 'sha256', Buffer.from(value, 'hex'), sig)) {
    return 'verifying signature: invalid signature when validating ASN.1 encoded signature';
  }
  return undefined;
}

function dsseProblem(spec: Record<string, unknown> | undefined): string | undefined {
  const proposed = (spec as { proposedContent?: { envelope?: string; verifiers?: string[] } } | undefined)?.proposedContent;
  if (!proposed?.envelope || !proposed.verifiers?.length) return 'missing envelope or verifiers';
  const envelope = JSON.parse(proposed.envelope) as { payloadType: string; payload: string; signatures: { sig: string }[] };
  const keys = proposed.verifiers.map((b64) => publicKeyOf(Buffer.from(b64, 'base64').toString('utf8')));
  const pae = preAuthEncoding(envelope.payloadType, Buffer.from(envelope.payload, 'base64'));
  for (const { sig } of envelope.signatures) {
    const verified = keys.some((key) => {
      try {
        return verify(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', pae, key, Buffer.from(sig, 'base64'));
      } catch {
        return false;
      }
    });
    if (!verified) return 'could not verify envelope: no key verifies a signature with SHA-256';
  }
  return undefined;
}

function publicKeyOf(pem: string): KeyObject {
  return pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
}

/** DSSE v1 pre-authentication encoding. */
function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

function refuse(message: string) {
  return { statusCode: 400, response: JSON.stringify({ code: 400, message }), contentType: 'application/json' };
}
