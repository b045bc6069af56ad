/**
 * The copy plan of a promotion: everything reachable from the source digest — the manifest or
 * the index with every platform's manifest, their configs and layers, and the referrers
 * attached to any of them — read and checked before anything is written. The plan holds the
 * manifests (each under the client's size limit) and the blobs' descriptors, never blob bytes.
 * @module
 */
import { throwIfAborted } from '../errors.js';
import { RegistryError } from '../registry/errors.js';
import type { RegistryClient } from '../registry/client.js';
import type { ImageReference } from '../registry/reference.js';
import { fallbackTag } from '../registry/referrers.js';
import { inBackground, mapLimited } from '../util/concurrency.js';
import type { Descriptor, FetchedManifest, Referrer, ReferrerSource } from '../registry/types.js';

// Bounds on what one promotion may walk: far above real images, low enough that a hostile
// source (an index of a million entries, referrers that refer to referrers) ends in an error.
const MAX_MANIFESTS = 1024;
const MAX_INDEX_DEPTH = 4;
// Referrers of the image's manifests, and referrers of those (a signature over an SBOM).
const MAX_REFERRER_DEPTH = 2;
// Manifests fetched at once while planning.
const READ_CONCURRENCY = 8;

/** A manifest to write at the destination by its digest. */
export interface PlannedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

/** A referrer to attach at the destination, to the same subject digest. */
export interface PlannedReferrer extends PlannedManifest {
  subjectDigest: string;
  source: ReferrerSource;
  /** For cosign's tag layout: the tag (`sha256-<hex>.sig`, `.att`) it is written under. */
  tag: string | undefined;
  artifactType: string | undefined;
}

/** Everything a promotion copies, in the order it is written. */
export interface CopyPlan {
  /** The promoted manifest or index. */
  top: PlannedManifest;
  /** Every distinct blob: configs and layers of the image and of its referrers. */
  blobs: Descriptor[];
  /** Platform manifests (and nested indexes), children before parents; `top` is not among them. */
  manifests: PlannedManifest[];
  /** Referrers, each after its subject. */
  referrers: PlannedReferrer[];
}

/**
 * Reads the plan of `source` (pinned to a digest) through `client`. Fails before any write
 * when a manifest is missing, too large or does not match its digest, or the graph is too big.
 */
export async function planCopy(client: RegistryClient, source: ImageReference, signal?: AbortSignal): Promise<CopyPlan> {
  const blobs = new Map<string, Descriptor>();
  const seen = new Set<string>();
  const manifests: PlannedManifest[] = [];
  const count = (): void => {
    if (seen.size > MAX_MANIFESTS) {
      throw new RegistryError('REGISTRY_PROTOCOL', `${source.registry}: ${source.toString()}: more than ${MAX_MANIFESTS} manifests to copy`, {
        details: { registry: source.registry, reference: source.toString() },
      });
    }
  };
  const addBlobs = (fetched: FetchedManifest): void => {
    if (fetched.manifest.kind !== 'manifest') return;
    for (const blob of [fetched.manifest.config, ...fetched.manifest.layers]) {
      // Foreign layers live outside registries (their `urls`); registries neither hold nor want them.
      if (blob.urls !== undefined && blob.urls.length > 0 && /foreign|nondistributable/.test(blob.mediaType)) continue;
      if (!blobs.has(blob.digest)) blobs.set(blob.digest, { mediaType: blob.mediaType, digest: blob.digest, size: blob.size });
    }
  };

  const visit = async (digest: string, depth: number): Promise<PlannedManifest> => {
    throwIfAborted(signal);
    seen.add(digest);
    count();
    const fetched = await client.getManifest(source.withDigest(digest));
    const planned = { digest: fetched.digest, mediaType: fetched.mediaType, bytes: fetched.bytes };
    addBlobs(fetched);
    if (fetched.manifest.kind === 'index') {
      if (depth >= MAX_INDEX_DEPTH) throw protocol(source, `indexes nest deeper than ${MAX_INDEX_DEPTH} levels`);
      const children = fetched.manifest.manifests.filter((d) => !seen.has(d.digest));
      for (const child of children) seen.add(child.digest);
      manifests.push(...(await mapLimited(children, READ_CONCURRENCY, (child) => visit(child.digest, depth + 1))));
    }
    return planned;
  };

  // What is attached to the top manifest is asked for with it: its digest is known already.
  const topReferrers = inBackground(client.referrers(source, source.digest as string));
  const top = await visit(source.digest as string, 0);
  const imageDigests = [top.digest, ...manifests.map((m) => m.digest)];
  const referrers: PlannedReferrer[] = [];
  let subjects = imageDigests;
  for (let depth = 0; depth < MAX_REFERRER_DEPTH && subjects.length > 0; depth++) {
    const found = (await mapLimited(subjects, READ_CONCURRENCY, async (subjectDigest) => {
      const listed = depth === 0 && subjectDigest === top.digest ? await topReferrers : await client.referrers(source, subjectDigest);
      return listed.map((referrer) => ({ subjectDigest, referrer }));
    })).flat();
    const fresh = found.filter(({ referrer }) => !seen.has(referrer.digest));
    for (const { referrer } of fresh) seen.add(referrer.digest);
    count();
    const fetched = await mapLimited(fresh, READ_CONCURRENCY, async ({ subjectDigest, referrer }) => {
      const manifest = await client.getManifest(source.withDigest(referrer.digest));
      addBlobs(manifest);
      return toPlanned(subjectDigest, referrer, manifest);
    });
    referrers.push(...fetched);
    subjects = fetched.map((r) => r.digest);
  }
  return { top, blobs: [...blobs.values()], manifests, referrers };
}

function toPlanned(subjectDigest: string, referrer: Referrer, fetched: FetchedManifest): PlannedReferrer {
  const legacy = referrer.source === 'cosign-signature' || referrer.source === 'cosign-attestation';
  return {
    digest: fetched.digest,
    mediaType: fetched.mediaType,
    bytes: fetched.bytes,
    subjectDigest,
    source: referrer.source,
    tag: legacy ? (referrer.tag ?? `${fallbackTag(subjectDigest)}.${referrer.source === 'cosign-signature' ? 'sig' : 'att'}`) : undefined,
    artifactType: referrer.artifactType,
  };
}

function protocol(ref: ImageReference, why: string): RegistryError {
  return new RegistryError('REGISTRY_PROTOCOL', `${ref.registry}: ${ref.toString()}: ${why}`, { details: { registry: ref.registry, reference: ref.toString() } });
}
