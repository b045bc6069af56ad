/**
 * Carrying out a copy plan at the destination, by digest and byte for byte: blobs first (a
 * cross-repository mount on the same registry, else streamed from the source without touching
 * disk), largest first, then platform manifests, the manifest or index, and the referrers.
 * Everything the destination already holds is skipped, so that a promotion that is repeated
 * writes nothing.
 * @module
 */
import { isSealkitError, throwIfAborted } from '../errors.js';
import type { RegistryClient } from '../registry/client.js';
import type { CopyPlan, PlannedReferrer } from './plan.js';
import { inBackground, limiter, mapLimited } from '../util/concurrency.js';
import { ImageReference } from '../registry/reference.js';
import type { Descriptor } from '../registry/types.js';

// Questions asked of the destination at once (blob and manifest heads, referrer lists).
const READ_CONCURRENCY = 8;

/** How each blob reached the destination. */
export type BlobOutcome = 'present' | 'mounted' | 'streamed';

/** What a copy wrote. */
export interface CopySummary {
  blobs: { present: number; mounted: number; streamed: number; bytesStreamed: number };
  /** Manifests written (platform manifests and the top one), not counting referrers. */
  manifestsWritten: number;
  referrersAttached: number;
  /** Referrers left alone: a cosign tag at the destination already names another manifest. */
  referrersSkipped: Array<{ digest: string; tag: string; reason: string }>;
}

/** Progress of a copy. */
export interface CopyProgress {
  blobsDone: number;
  blobsTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

/** The two ends of a copy. One client may serve both when it holds both registries' credentials. */
export interface CopyEnds {
  sourceClient: RegistryClient;
  destinationClient: RegistryClient;
  source: ImageReference;
  destination: ImageReference;
  concurrency: number;
  /**
   * Settles before the first write: the copy only reads at the destination until it resolves,
   * and writes nothing when it rejects (a promotion's tag check).
   */
  beforeWrites?: Promise<unknown>;
  signal?: AbortSignal;
  onProgress?: (progress: CopyProgress) => void;
}

/** Writes `plan` at the destination; see the module's description. */
export async function executeCopy(plan: CopyPlan, ends: CopyEnds): Promise<CopySummary> {
  const summary: CopySummary = {
    blobs: { present: 0, mounted: 0, streamed: 0, bytesStreamed: 0 },
    manifestsWritten: 0,
    referrersAttached: 0,
    referrersSkipped: [],
  };
  const progress = { blobsDone: 0, blobsTotal: plan.blobs.length, bytesDone: 0, bytesTotal: plan.blobs.reduce((n, b) => n + b.size, 0) };
  ends.onProgress?.({ ...progress });
  // What the destination already holds is asked at once, before the first write and while the
  // blobs move: on a distant registry each question is a round trip that would otherwise wait
  // for a transfer slot, or for the last blob. Only reads; an answer that is stale by the time
  // it is used costs an idempotent write at most.
  // Largest first: the copy lasts as long as its longest transfer, which then starts at once
  // instead of waiting for a slot behind configs and small layers that fill the others.
  const order = [...plan.blobs].sort((a, b) => b.size - a.size);
  const read = limiter(READ_CONCURRENCY);
  const blobHeld = new Map(order.map((blob) => [blob.digest, inBackground(read(() => ends.destinationClient.hasBlob(ends.destination.withDigest(blob.digest), blob.digest)))]));
  const manifests = [...plan.manifests, plan.top];
  const held = inBackground(Promise.all(manifests.map((m) => read(() => exists(ends.destinationClient, pinnedTo(ends.destination, m.digest))))));
  const listed = new Map<string, Promise<Set<string>>>();
  for (const subjectDigest of new Set(plan.referrers.map((r) => r.subjectDigest))) {
    listed.set(subjectDigest, inBackground(read(() => listedAt(ends, subjectDigest))));
  }
  const writable = ends.beforeWrites === undefined ? undefined : inBackground(ends.beforeWrites);
  const mounting = ends.source.registry === ends.destination.registry && ends.source.repository !== ends.destination.repository;
  await mapLimited(order, ends.concurrency, async (blob) => {
    throwIfAborted(ends.signal);
    let outcome: BlobOutcome = 'present';
    if ((await blobHeld.get(blob.digest)) !== true) {
      // A blob to stream is asked of the source while the writes still wait: its first bytes
      // are there when the upload opens, instead of one round trip later.
      const download = mounting ? undefined : startedEarly(() => ends.sourceClient.blob(ends.source, blob));
      try {
        await writable;
      } catch (error) {
        await download?.close();
        throw error;
      }
      outcome = await copyBlob(ends, blob, download);
    }
    summary.blobs[outcome]++;
    if (outcome === 'streamed') summary.blobs.bytesStreamed += blob.size;
    progress.blobsDone++;
    progress.bytesDone += blob.size;
    ends.onProgress?.({ ...progress });
  });
  await writable;
  const present = await held;
  for (const [i, manifest] of manifests.entries()) {
    throwIfAborted(ends.signal);
    if (present[i] === true) continue;
    await ends.destinationClient.putManifest(pinnedTo(ends.destination, manifest.digest), manifest.bytes, manifest.mediaType);
    summary.manifestsWritten++;
  }
  await copyReferrers(plan.referrers, ends, summary, listed);
  return summary;
}

/** Digests of the referrers the destination lists for `subjectDigest`. */
async function listedAt(ends: CopyEnds, subjectDigest: string): Promise<Set<string>> {
  const list = await ends.destinationClient.referrers(ends.destination, subjectDigest);
  return new Set(list.map((r) => r.digest));
}

/** Writes a blob the destination does not hold: mounted when it can be, else streamed (from `download` when it was started). */
async function copyBlob(ends: CopyEnds, blob: Descriptor, download: EarlyDownload | undefined): Promise<'mounted' | 'streamed'> {
  const { sourceClient, destinationClient, source, destination } = ends;
  const to = destination.withDigest(blob.digest);
  if (download === undefined && source.registry === destination.registry && source.repository !== destination.repository) {
    if (await destinationClient.mountBlob(to, source.repository, blob.digest)) return 'mounted';
  }
  try {
    await destinationClient.pushBlob(to, blob, download?.chunks ?? (() => sourceClient.blob(source, blob)));
  } finally {
    // An upload refused before it read its body leaves the download to be let go here.
    await download?.close();
  }
  return 'streamed';
}

/** A download started before it is read. */
interface EarlyDownload {
  /** Its chunks, once. */
  chunks: () => AsyncIterable<Buffer>;
  /** Lets it go when it was never read (its request is closed); nothing once it was. */
  close: () => Promise<void>;
}

/**
 * Starts `open`'s request at once and waits for its first chunk, for a reader that comes later.
 * When that early request failed before a byte of it was used (a connection the registry closed
 * while the gate decided, a request that timed out while nobody read it), the reader is given a
 * new one: its first two chunks are read before either is passed on, so that a request that
 * died while it waited shows it before anything of it was used. A second reader (an upload
 * sent again) gets a new request too.
 */
function startedEarly(open: () => AsyncGenerator<Buffer>): EarlyDownload {
  const download = open();
  const first = download.next();
  first.catch(() => undefined);
  let taken = false;
  return {
    chunks: async function* () {
      if (taken) {
        yield* open();
        return;
      }
      taken = true;
      let head: IteratorResult<Buffer>;
      let second: IteratorResult<Buffer>;
      try {
        head = await first;
        second = head.done === true ? head : await download.next();
      } catch {
        await download.return(undefined).catch(() => undefined);
        yield* open();
        return;
      }
      if (head.done === true) return;
      yield head.value;
      if (second.done === true) return;
      yield second.value;
      yield* download;
    },
    close: async () => {
      if (taken) return;
      taken = true;
      await first.catch(() => undefined);
      await download.return(undefined).catch(() => undefined);
    },
  };
}

async function exists(client: RegistryClient, ref: ImageReference): Promise<boolean> {
  try {
    return (await client.resolve(ref)).digest === ref.digest;
  } catch (error) {
    if (isSealkitError(error, 'REGISTRY_NOT_FOUND')) return false;
    throw error;
  }
}

/**
 * Attaches each referrer to the same subject digest at the destination: through the referrers
 * API or its tag index for OCI referrers, under the same tag for cosign's older layout. Those
 * the destination already lists are skipped.
 */
async function copyReferrers(
  referrers: readonly PlannedReferrer[],
  ends: CopyEnds,
  summary: CopySummary,
  listed: Map<string, Promise<Set<string>>>,
): Promise<void> {
  const { destinationClient: client, destination } = ends;
  const present = (subjectDigest: string): Promise<Set<string>> => {
    let found = listed.get(subjectDigest);
    if (found === undefined) {
      found = listedAt(ends, subjectDigest);
      listed.set(subjectDigest, found);
    }
    return found;
  };
  for (const referrer of referrers) {
    throwIfAborted(ends.signal);
    if ((await present(referrer.subjectDigest)).has(referrer.digest)) continue;
    if (referrer.tag === undefined) {
      await client.attachReferrer(pinnedTo(destination, referrer.digest), referrer.bytes, referrer.mediaType);
      summary.referrersAttached++;
      continue;
    }
    const tagged = destination.withTag(referrer.tag);
    let current: string | undefined;
    try {
      current = (await client.resolve(tagged)).digest;
    } catch (error) {
      if (!isSealkitError(error, 'REGISTRY_NOT_FOUND')) throw error;
    }
    if (current === referrer.digest) continue;
    if (current !== undefined) {
      summary.referrersSkipped.push({ digest: referrer.digest, tag: referrer.tag, reason: `the destination's ${referrer.tag} already names ${current}` });
      continue;
    }
    await client.putManifest(tagged, referrer.bytes, referrer.mediaType);
    summary.referrersAttached++;
  }
}

/**
 * `ref`'s repository at `digest`, without a tag: a write to a reference that kept its tag
 * would go to the tag.
 */
export function pinnedTo(ref: ImageReference, digest: string): ImageReference {
  return new ImageReference({ registry: ref.registry, repository: ref.repository, digest });
}
