/**
 * A Rekor v2 log that verifiers accept, for round trips through `rekorVersion: 2`.
 *
 * `@sigstore/mock`'s v2 route answers every entry with a random index in a one-leaf tree and
 * logs the request itself as the body, so no verifier accepts what it returns. This one does
 * what Rekor v2 (rekor-tiles) does, in memory:
 *
 * - checks the proposed entry's signature (hashedrekord: over the digest; dsse: over the
 *   envelope's pre-authentication encoding, SHA-256) with the certificate's key, and answers
 *   HTTP 400 when it does not verify;
 * - logs the canonical body, `{"apiVersion":"0.0.2","kind":…,"spec":{"hashedRekordV002"|"dsseV002":…}}`
 *   in canonical JSON (keys sorted), as the leaf of an RFC 6962 Merkle tree that grows with
 *   every entry;
 * - returns the entry with an inclusion proof in that tree and a checkpoint (a signed note
 *   naming the log's host, signed by its P-256 key with the key hint the root gives it), no
 *   integration time and no inclusion promise: Rekor v2's signing time comes from a TSA.
 *
 * `trustedRoot(base)` adds the log to a trusted root as one more `tlogs` entry.
 * @module
 */
import { X509Certificate, createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { CreateEntryRequest } from '@sigstore/protobuf-specs/rekor/v2';
import { opensslVerifiesDigest, startHandlerServer, type HandlerServer } from '../../sign/support/index.js';

/** A running Rekor v2 log. */
export interface RekorV2Log {
  url: string;
  server: HandlerServer;
  /** Number of entries logged. */
  readonly size: number;
  /** `base` with this log added to its `tlogs`. */
  trustedRoot(base: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Starts the log on 127.0.0.1. */
export async function startRekorV2Log(): Promise<RekorV2Log> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicDer = publicKey.export({ format: 'der', type: 'spki' });
  const logId = createHash('sha256').update(publicDer).digest();
  const leaves: Buffer[] = [];
  const server = await startHandlerServer();
  const origin = new URL(server.url).host;

  server.use([
    {
      path: '/api/v2/log/entries',
      fn: async (text) => {
        let body: Json;
        try {
          body = canonicalBody(JSON.parse(text) as Record<string, unknown>);
        } catch (error) {
          return { statusCode: 400, response: JSON.stringify({ code: 3, message: (error as Error).message }), contentType: 'application/json' };
        }
        const leaf = Buffer.from(canonicalJson(body), 'utf8');
        const index = leaves.push(leaf) - 1;
        const size = leaves.length;
        const root = treeHash(leaves.map(leafHash));
        const note = `${origin}\n${size}\n${root.toString('base64')}\n`;
        const signature = sign('sha256', Buffer.from(note, 'utf8'), privateKey);
        const checkpoint = `${note}\n\u2014 ${origin} ${Buffer.concat([logId.subarray(0, 4), signature]).toString('base64')}\n`;
        const kind = 'hashedRekordV002' in (body as { spec: object }).spec ? 'hashedrekord' : 'dsse';
        const entry = {
          logIndex: String(index),
          logId: { keyId: logId.toString('base64') },
          kindVersion: { kind, version: '0.0.2' },
          integratedTime: '0',
          inclusionProof: {
            logIndex: String(index),
            rootHash: root.toString('base64'),
            treeSize: String(size),
            hashes: inclusionPath(index, leaves.map(leafHash)).map((h) => h.toString('base64')),
            checkpoint: { envelope: checkpoint },
          },
          canonicalizedBody: leaf.toString('base64'),
        };
        return { statusCode: 201, response: JSON.stringify(entry), contentType: 'application/json' };
      },
    },
  ]);

  return {
    url: server.url,
    server,
    get size() {
      return leaves.length;
    },
    trustedRoot(base) {
      const tlogs = (base.tlogs as unknown[]) ?? [];
      const validFor = { start: new Date(Date.now() - 3_600_000).toISOString() };
      return {
        ...structuredClone(base),
        tlogs: [
          ...structuredClone(tlogs),
          {
            baseUrl: server.url,
            hashAlgorithm: 'SHA2_256',
            publicKey: { rawBytes: publicDer.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor },
            logId: { keyId: logId.toString('base64') },
          },
        ],
      };
    },
    close: () => server.close(),
  };
}

/** The body Rekor v2 logs for a `CreateEntryRequest`, after checking its signature. */
function canonicalBody(json: Record<string, unknown>): Json {
  const request = CreateEntryRequest.fromJSON(json).spec;
  if (request?.$case === 'hashedRekordRequestV002') {
    const { digest, signature } = request.hashedRekordRequestV002;
    const certificate = certificateOf(signature?.verifier);
    if (digest.length !== 32) throw new Error(`a SHA-256 digest has 32 bytes, not ${digest.length}`);
    if (!opensslVerifiesDigest(certificate.toString(), 'sha256', digest, signature!.content)) {
      throw new Error('verifying signature: invalid signature');
    }
    return {
      apiVersion: '0.0.2',
      kind: 'hashedrekord',
      spec: {
        hashedRekordV002: {
          data: { algorithm: 'SHA2_256', digest: digest.toString('base64') },
          signature: { content: signature!.content.toString('base64'), verifier: verifierJson(signature!.verifier) },
        },
      },
    };
  }
  if (request?.$case === 'dsseRequestV002') {
    const { envelope, verifiers } = request.dsseRequestV002;
    if (!envelope || verifiers.length === 0) throw new Error('missing envelope or verifiers');
    const keys = verifiers.map((v) => certificateOf(v).publicKey);
    const pae = preAuthEncoding(envelope.payloadType, envelope.payload);
    const signatures = envelope.signatures.map((s) => {
      const index = keys.findIndex((key) => safeVerify(pae, key, s.sig));
      if (index === -1) throw new Error('could not verify envelope: no verifier verifies a signature');
      return { content: s.sig.toString('base64'), verifier: verifierJson(verifiers[index]) };
    });
    return {
      apiVersion: '0.0.2',
      kind: 'dsse',
      spec: {
        dsseV002: {
          payloadHash: { algorithm: 'SHA2_256', digest: createHash('sha256').update(envelope.payload).digest('base64') },
          signatures,
        },
      },
    };
  }
  throw new Error('unknown entry type');
}

type Verifier = NonNullable<ReturnType<typeof CreateEntryRequest.fromJSON>['spec']> extends infer S
  ? S extends { $case: 'hashedRekordRequestV002'; hashedRekordRequestV002: { signature?: { verifier?: infer V } } }
    ? V
    : never
  : never;

function certificateOf(verifier: Verifier | undefined): X509Certificate {
  const inner = verifier?.verifier;
  if (inner?.$case !== 'x509Certificate') throw new Error('only certificate verifiers are accepted here');
  return new X509Certificate(inner.x509Certificate.rawBytes);
}

function verifierJson(verifier: Verifier | undefined): Json {
  const certificate = certificateOf(verifier);
  return { keyDetails: 'PKIX_ECDSA_P256_SHA_256', x509Certificate: { rawBytes: certificate.raw.toString('base64') } };
}

function safeVerify(data: Buffer, key: X509Certificate['publicKey'], signature: Buffer): boolean {
  try {
    return verify('sha256', data, key, signature);
  } catch {
    return false;
  }
}

function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** JSON with object keys sorted (RFC 8785 for the strings and integers used here). */
function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

// RFC 6962 Merkle tree hashing.
function leafHash(leaf: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from([0])).update(leaf).digest();
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from([1])).update(left).update(right).digest();
}

/** Largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function treeHash(hashes: Buffer[]): Buffer {
  if (hashes.length === 1) return hashes[0]!;
  const k = split(hashes.length);
  return nodeHash(treeHash(hashes.slice(0, k)), treeHash(hashes.slice(k)));
}

/** RFC 6962 PATH(m, D[n]): sibling hashes from the leaf up. */
function inclusionPath(m: number, hashes: Buffer[]): Buffer[] {
  if (hashes.length <= 1) return [];
  const k = split(hashes.length);
  return m < k
    ? [...inclusionPath(m, hashes.slice(0, k)), treeHash(hashes.slice(k))]
    : [...inclusionPath(m - k, hashes.slice(k)), treeHash(hashes.slice(0, k))];
}
