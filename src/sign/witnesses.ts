/**
 * Witnesses countersign a signature: Rekor logs it (v1, or v2 when asked) and an RFC 3161
 * timestamp authority timestamps it. The clients are `@sigstore/sign`'s, except for Rekor v1
 * message signatures, which sealkit logs itself so that the entry names the digest's hash
 * (see {@link HashedRekordWitness}); sealkit picks them, runs them side by side and names
 * the service when one fails.
 * @module
 */
import type { RFC3161SignedTimestamp, TransparencyLogEntry } from '@sigstore/bundle';
import { HashAlgorithm as ProtoHashAlgorithm } from '@sigstore/protobuf-specs';
import { RekorWitness, TSAWitness, type SignatureBundle, type Witness } from '@sigstore/sign';
import { UsageError } from '../errors.js';
import { HashedRekordWitness } from './hashedrekord-witness.js';
import { REKOR_V2_MIN_TIMEOUT, abortable, sigstoreFetchOptions, type HttpPolicy } from './http-policy.js';
import { toServiceError, type ServiceRef } from './service-errors.js';
import type { ResolvedServices } from './services.js';
import type { TlogEntrySummary } from './sign-options.js';

/** What the witnesses added to a bundle. */
export interface WitnessMaterial {
  tlogEntries: TransparencyLogEntry[];
  rfc3161Timestamps: RFC3161SignedTimestamp[];
  /** One summary per tlog entry, in the same order. */
  tlogSummaries: TlogEntrySummary[];
  /** URLs of the authorities that timestamped. */
  timestampAuthorities: string[];
}

interface BoundWitness {
  service: ServiceRef;
  kind: 'tlog' | 'tsa';
  witness: Witness;
}

/** Asks every configured witness, in parallel, to countersign `content`. */
export async function collectWitnessMaterial(
  services: ResolvedServices,
  content: SignatureBundle,
  /** The signer's certificate or public key, PEM: Rekor records it with the entry. */
  verifierPem: string,
  signal?: AbortSignal,
): Promise<WitnessMaterial> {
  const witnesses = createWitnesses(services, content, signal);
  const results = await Promise.all(
    witnesses.map(async ({ service, kind, witness }) => {
      try {
        return { service, kind, material: await abortable(witness.testify(content, verifierPem), signal) };
      } catch (error) {
        throw toServiceError(error, service, services.http);
      }
    }),
  );
  const material: WitnessMaterial = { tlogEntries: [], rfc3161Timestamps: [], tlogSummaries: [], timestampAuthorities: [] };
  for (const { service, kind, material: found } of results) {
    for (const entry of found.tlogEntries ?? []) {
      material.tlogEntries.push(entry);
      material.tlogSummaries.push({
        url: service.url,
        logIndex: entry.logIndex,
        integratedTime: entry.integratedTime && entry.integratedTime !== '0' ? Number(entry.integratedTime) : undefined,
      });
    }
    if (kind === 'tsa' && found.rfc3161Timestamps?.length) {
      material.rfc3161Timestamps.push(...found.rfc3161Timestamps);
      material.timestampAuthorities.push(service.url);
    }
  }
  return material;
}

function createWitnesses(services: ResolvedServices, content: SignatureBundle, signal: AbortSignal | undefined): BoundWitness[] {
  const http: HttpPolicy = services.http;
  const tlogs = services.tlogs.map((tlog) => ({
    service: tlog,
    kind: 'tlog' as const,
    witness: tlogWitness(tlog.url, tlog.version, content, http, signal),
  }));
  const tsas = services.tsas.map((tsa) => ({
    service: tsa,
    kind: 'tsa' as const,
    witness: new TSAWitness({ tsaBaseURL: tsa.url, ...sigstoreFetchOptions(http) }),
  }));
  return [...tlogs, ...tsas];
}

function tlogWitness(url: string, version: 1 | 2, content: SignatureBundle, http: HttpPolicy, signal: AbortSignal | undefined): Witness {
  if (version === 1 && content.$case === 'messageSignature') return new HashedRekordWitness(url, http, signal);
  if (version === 2 && content.$case === 'messageSignature' && content.messageSignature.messageDigest?.algorithm !== ProtoHashAlgorithm.SHA2_256) {
    // @sigstore/sign describes every Rekor v2 signer as PKIX_ECDSA_P256_SHA_256, the key
    // details of keyless signing's ephemeral key, the only signer sealkit sends to Rekor v2.
    throw new UsageError('INVALID_ARGUMENT', 'Rekor v2 entries are written for P-256 (keyless) signatures only');
  }
  return new RekorWitness({
    rekorBaseURL: url,
    majorApiVersion: version,
    // A "dsse" entry (not the deprecated "intoto") is what current verifiers expect.
    entryType: 'dsse',
    ...sigstoreFetchOptions(http, version === 2 ? REKOR_V2_MIN_TIMEOUT : 0),
  });
}
