/**
 * Witnesses countersign a signature: Rekor logs it (v1, or v2 when asked) and an RFC 3161
 * timestamp authority timestamps it. The clients are `@sigstore/sign`'s; sealkit picks
 * them, runs them side by side and names the service when one fails.
 * @module
 */
import type { RFC3161SignedTimestamp, TransparencyLogEntry } from '@sigstore/bundle';
import { RekorWitness, TSAWitness, type SignatureBundle, type Witness } from '@sigstore/sign';
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
  const witnesses = createWitnesses(services);
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

function createWitnesses(services: ResolvedServices): BoundWitness[] {
  const http: HttpPolicy = services.http;
  const tlogs = services.tlogs.map((tlog) => ({
    service: tlog,
    kind: 'tlog' as const,
    witness: new RekorWitness({
      rekorBaseURL: tlog.url,
      majorApiVersion: tlog.version,
      // A "dsse" entry (not the deprecated "intoto") is what current verifiers expect.
      entryType: 'dsse',
      ...sigstoreFetchOptions(http, tlog.version === 2 ? REKOR_V2_MIN_TIMEOUT : 0),
    }),
  }));
  const tsas = services.tsas.map((tsa) => ({
    service: tsa,
    kind: 'tsa' as const,
    witness: new TSAWitness({ tsaBaseURL: tsa.url, ...sigstoreFetchOptions(http) }),
  }));
  return [...tlogs, ...tsas];
}
