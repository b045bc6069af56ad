/**
 * Rekor does not log a proposed `dsse` entry as sent: it stores a canonical body with the
 * envelope and payload hashes and one `{ signature, verifier }` per signature, and that body
 * is what verifiers compare a bundle with. `@sigstore/mock` logs the proposal verbatim, so
 * this wrapper does Rekor's canonicalization first and hands the result to the mock handler.
 * Other entry kinds pass through untouched.
 * @module
 */
import { createHash } from 'node:crypto';
import type { MockHandler } from './handler-server.js';

interface ProposedDsse {
  apiVersion: string;
  kind: 'dsse';
  spec: { proposedContent: { envelope: string; verifiers: string[] } };
}

/** Wraps a Rekor v1 handler so that `dsse` entries are logged in canonical form. */
export function canonicalizingDsse(handler: MockHandler): MockHandler {
  return {
    path: handler.path,
    fn: async (body) => {
      let entry: unknown;
      try {
        entry = JSON.parse(body);
      } catch {
        return handler.fn(body);
      }
      if (!isProposedDsse(entry)) return handler.fn(body);
      const { envelope, verifiers } = entry.spec.proposedContent;
      const parsed = JSON.parse(envelope) as { payload: string; signatures: { sig: string }[] };
      const canonical = {
        apiVersion: entry.apiVersion,
        kind: 'dsse',
        spec: {
          envelopeHash: { algorithm: 'sha256', value: sha256(Buffer.from(envelope)) },
          payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(parsed.payload, 'base64')) },
          signatures: parsed.signatures.map((s, i) => ({ signature: s.sig, verifier: verifiers[i] ?? verifiers[0] })),
        },
      };
      return handler.fn(JSON.stringify(canonical));
    },
  };
}

function isProposedDsse(entry: unknown): entry is ProposedDsse {
  const candidate = entry as Partial<ProposedDsse> | null;
  return candidate?.kind === 'dsse' && typeof candidate.spec?.proposedContent?.envelope === 'string';
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
