/**
 * Logs message signatures in Rekor v1 as `hashedrekord` entries that name the digest's real
 * hash. `@sigstore/sign`'s Rekor witness names every digest `sha256`, which is right for
 * P-256 and RSA signatures only; Rekor v1 refuses a value whose length does not fit the named
 * hash and checks the signature with that hash (sha256, sha384 or sha512). So sealkit
 * proposes these entries itself, through the same HTTP policy as its other requests.
 * @module
 */
import type { TransparencyLogEntry } from '@sigstore/bundle';
import { HashAlgorithm as ProtoHashAlgorithm, type MessageSignature } from '@sigstore/protobuf-specs';
import type { SignatureBundle, VerificationMaterial, Witness } from '@sigstore/sign';
import { TOOL } from '../version.js';
import { retryWithBackoff, type HttpPolicy } from './http-policy.js';
import { HttpStatusError, isRetryable } from './service-errors.js';

const ENTRIES_PATH = '/api/v1/log/entries';

/** The name Rekor v1 gives each digest algorithm of a bundle. */
const REKOR_HASH: Partial<Record<ProtoHashAlgorithm, 'sha256' | 'sha384' | 'sha512'>> = {
  [ProtoHashAlgorithm.SHA2_256]: 'sha256',
  [ProtoHashAlgorithm.SHA2_384]: 'sha384',
  [ProtoHashAlgorithm.SHA2_512]: 'sha512',
};

/** A proposed `hashedrekord` v0.0.1 entry (Rekor's OpenAPI `hashedrekord` schema). */
export interface HashedRekordProposal {
  apiVersion: '0.0.1';
  kind: 'hashedrekord';
  spec: {
    data: { hash: { algorithm: 'sha256' | 'sha384' | 'sha512'; value: string } };
    signature: { content: string; publicKey: { content: string } };
  };
}

/** A log entry as Rekor v1 returns it. */
interface RekorLogEntry {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification?: {
    signedEntryTimestamp?: string;
    inclusionProof?: { checkpoint: string; hashes: string[]; logIndex: number; rootHash: string; treeSize: number };
  };
}

/**
 * The `hashedrekord` entry of `signature`, verified by `verifierPem` (the signer's public key
 * or certificate), naming the hash of its message digest.
 */
export function hashedRekordProposal(signature: MessageSignature, verifierPem: string): HashedRekordProposal {
  const digest = signature.messageDigest;
  const algorithm = digest ? REKOR_HASH[digest.algorithm] : undefined;
  if (!digest || !algorithm) throw new Error('a hashedrekord entry needs a SHA-256, SHA-384 or SHA-512 message digest');
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm, value: digest.digest.toString('hex') } },
      signature: {
        content: signature.signature.toString('base64'),
        publicKey: { content: Buffer.from(verifierPem, 'utf8').toString('base64') },
      },
    },
  };
}

/** A {@link Witness} that logs message signatures in a Rekor v1 log. */
export class HashedRekordWitness implements Witness {
  constructor(
    private readonly baseUrl: string,
    private readonly http: HttpPolicy,
    private readonly signal?: AbortSignal,
  ) {}

  async testify(content: SignatureBundle, verifierPem: string): Promise<VerificationMaterial> {
    if (content.$case !== 'messageSignature') throw new Error('hashedrekord entries hold message signatures only');
    const proposal = hashedRekordProposal(content.messageSignature, verifierPem);
    const entry = await retryWithBackoff((attemptSignal) => this.createEntry(proposal, attemptSignal), this.http, isRetryable, this.signal);
    return { tlogEntries: [toTransparencyLogEntry(entry, proposal)] };
  }

  private async createEntry(proposal: HashedRekordProposal, signal: AbortSignal): Promise<RekorLogEntry> {
    const response = await fetch(`${this.baseUrl}${ENTRIES_PATH}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': `${TOOL.name}/${TOOL.version}` },
      body: JSON.stringify(proposal),
      signal,
    });
    // The same signature logged before (RSA signatures are deterministic): Rekor answers 409
    // with the existing entry's location, and that entry is as good as a new one.
    if (response.status === 409 && response.headers.get('location')) {
      await response.body?.cancel();
      return this.fetchEntry(new URL(response.headers.get('location')!, `${this.baseUrl}/`), signal);
    }
    return readEntry(response);
  }

  private async fetchEntry(url: URL, signal: AbortSignal): Promise<RekorLogEntry> {
    const response = await fetch(url, {
      headers: { Accept: 'application/json', 'User-Agent': `${TOOL.name}/${TOOL.version}` },
      signal,
    });
    return readEntry(response);
  }
}

async function readEntry(response: Response): Promise<RekorLogEntry> {
  if (!response.ok) throw new HttpStatusError(response.status, await errorMessage(response));
  const answer = (await response.json()) as unknown;
  const entries = typeof answer === 'object' && answer !== null ? Object.values(answer) : [];
  const entry = entries[0] as Partial<RekorLogEntry> | undefined;
  if (
    entries.length !== 1 ||
    typeof entry?.body !== 'string' ||
    typeof entry.logID !== 'string' ||
    typeof entry.logIndex !== 'number' ||
    typeof entry.integratedTime !== 'number'
  ) {
    throw new Error('the answer is not one log entry');
  }
  return entry as RekorLogEntry;
}

/** Rekor's errors are JSON `{ code, message }`; anything else is quoted as it came. */
async function errorMessage(response: Response): Promise<string> {
  const text = (await response.text()).slice(0, 500);
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string' && message !== '') return message;
  } catch {
    // not JSON
  }
  return text || response.statusText;
}

/**
 * The bundle form of `entry`, after checking that the log recorded the proposed digest and
 * signature: a bundle whose log entry is about something else would never verify.
 */
function toTransparencyLogEntry(entry: RekorLogEntry, proposal: HashedRekordProposal): TransparencyLogEntry {
  const body = Buffer.from(entry.body, 'base64');
  const logged = JSON.parse(body.toString('utf8')) as Partial<HashedRekordProposal>;
  const { hash } = proposal.spec.data;
  if (
    logged.kind !== 'hashedrekord' ||
    logged.spec?.data?.hash?.algorithm !== hash.algorithm ||
    logged.spec.data.hash.value !== hash.value ||
    logged.spec.signature?.content !== proposal.spec.signature.content
  ) {
    throw new Error(`the log recorded another entry than the proposed ${hash.algorithm} hashedrekord`);
  }
  const proof = entry.verification?.inclusionProof;
  const promise = entry.verification?.signedEntryTimestamp;
  return {
    logIndex: String(entry.logIndex),
    logId: { keyId: Buffer.from(entry.logID, 'hex') },
    kindVersion: { kind: logged.kind, version: String(logged.apiVersion) },
    integratedTime: String(entry.integratedTime),
    inclusionPromise: promise ? { signedEntryTimestamp: Buffer.from(promise, 'base64') } : undefined,
    inclusionProof: proof
      ? {
          logIndex: String(proof.logIndex),
          treeSize: String(proof.treeSize),
          rootHash: Buffer.from(proof.rootHash, 'hex'),
          hashes: proof.hashes.map((h) => Buffer.from(h, 'hex')),
          checkpoint: { envelope: proof.checkpoint },
        }
      : undefined,
    canonicalizedBody: body,
  };
}
