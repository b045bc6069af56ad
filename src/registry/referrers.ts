/**
 * Referrers: what is attached to a manifest. Read through the registry's referrers API (OCI 1.1)
 * when it has one, else from the referrers tag schema (an index tagged `<alg>-<hex>` that lists
 * them), plus cosign's older `sha256-<hex>.sig` and `.att` tags. Written, where there is no API,
 * by a read-modify-write of that tag index.
 * @module
 */
import type { ClientInternals, ReferrersOptions } from './client.js';
import { isSealkitError } from '../errors.js';
import { queuePerKey } from '../util/concurrency.js';
import { parseManifest } from './manifest.js';
import type { ImageReference } from './reference.js';
import { MEDIA_TYPES, type Descriptor, type ImageIndex, type Referrer, type ReferrerSource } from './types.js';

// A referrers list longer than this many pages is treated as hostile.
const MAX_PAGES = 100;
// Concurrent writers of the tag index: how often a lost update is tried again.
const MAX_INDEX_UPDATES = 5;
// Answers of registries without the referrers API.
const NO_API_STATUSES = new Set([400, 404, 405, 406, 501]);

/** The referrers tag schema's tag for a subject: `sha256-<hex>` (algorithm ≤ 32, hex ≤ 64 characters). */
export function fallbackTag(subjectDigest: string): string {
  const [algorithm = '', hex = ''] = subjectDigest.split(':');
  return `${algorithm.slice(0, 32)}-${hex.slice(0, 64)}`;
}

/** Lists the referrers of `subjectDigest` in `ref`'s repository; see {@link RegistryClient.referrers}. */
export async function listReferrers(
  client: ClientInternals,
  ref: ImageReference,
  subjectDigest: string,
  options: ReferrersOptions,
): Promise<Referrer[]> {
  const subject = ref.withDigest(subjectDigest);
  // The list and cosign's two tags are asked at once: three round trips in the time of one.
  const listed = (async () => {
    const api = client.knownApi(ref.registry);
    if (api === false) return fromTagIndex(client, subject);
    // Until the registry has shown whether it has the API, its tag index is read beside it:
    // one round trip where a registry without the API would otherwise take two.
    const tagIndex = api === undefined ? fromTagIndex(client, subject) : undefined;
    tagIndex?.catch(() => undefined);
    const fromApi = await fromReferrersApi(client, subject, options.artifactType);
    return fromApi ?? (await (tagIndex ?? fromTagIndex(client, subject)));
  })();
  const legacy = options.legacyTags === false ? [] : LEGACY_TAGS.map(([suffix, source]) => legacyReferrer(client, subject, `${fallbackTag(subjectDigest)}.${suffix}`, source));
  // Every lookup settles before the first failure is reported: none is left running unobserved.
  const [list, ...tags] = await Promise.allSettled([listed, ...legacy]);
  const found: Referrer[] = [];
  for (const result of [list, ...tags]) {
    if (result?.status === 'rejected') throw result.reason;
    const value = result?.value;
    if (Array.isArray(value)) found.push(...value);
    else if (value !== undefined) found.push(value);
  }
  const seen = new Set<string>();
  return found.filter((r) => {
    if (options.artifactType !== undefined && r.artifactType !== options.artifactType) return false;
    if (seen.has(r.digest)) return false;
    seen.add(r.digest);
    return true;
  });
}

const LEGACY_TAGS = [['sig', 'cosign-signature'], ['att', 'cosign-attestation']] as const;

/** The manifest under one of cosign's tags, as a referrer; undefined when the tag does not exist. */
async function legacyReferrer(client: ClientInternals, subject: ImageReference, tag: string, source: ReferrerSource): Promise<Referrer | undefined> {
  const fetched = await manifestAtTag(client, subject.withTag(tag));
  if (fetched === undefined) return undefined;
  const { manifest } = fetched;
  const artifactType = manifest.artifactType ?? (manifest.kind === 'manifest' ? manifest.layers[0]?.mediaType : undefined);
  return {
    mediaType: fetched.mediaType,
    digest: fetched.digest,
    size: fetched.size,
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(manifest.annotations !== undefined ? { annotations: manifest.annotations } : {}),
    source,
    tag,
  };
}

async function fromReferrersApi(client: ClientInternals, subject: ImageReference, artifactType?: string): Promise<Referrer[] | undefined> {
  const result: Referrer[] = [];
  let path = `referrers/${subject.digest}${artifactType === undefined ? '' : `?${new URLSearchParams({ artifactType })}`}`;
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await client.request(subject, { method: 'GET', path, accept: [MEDIA_TYPES.ociIndex] });
    if (page === 0 && NO_API_STATUSES.has(response.status)) {
      await response.discard();
      client.rememberApi(subject.registry, false);
      return undefined;
    }
    if (response.status !== 200) {
      await response.discard();
      throw client.statusError(subject, response.status, 'referrers list');
    }
    const bytes = await client.readBounded(subject, response);
    const index = parseManifest(bytes, MEDIA_TYPES.ociIndex, { registry: subject.registry, reference: subject.toString() });
    if (index.kind !== 'index') throw client.error('REGISTRY_PROTOCOL', subject, 'its referrers list is not an index');
    client.rememberApi(subject.registry, true);
    result.push(...entries(client, subject, index, undefined, 'referrers-api'));
    const link = response.headers.get('link');
    const next = link === null ? undefined : /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1];
    if (next === undefined) return result;
    const url = new URL(next, response.url);
    path = `referrers/${subject.digest}${url.search}`;
  }
  throw client.error('REGISTRY_PROTOCOL', subject, `its referrers list has more than ${MAX_PAGES} pages`);
}

async function fromTagIndex(client: ClientInternals, subject: ImageReference): Promise<Referrer[]> {
  const tag = fallbackTag(subject.digest as string);
  const fetched = await manifestAtTag(client, subject.withTag(tag));
  if (fetched === undefined) return [];
  if (fetched.manifest.kind !== 'index') {
    throw client.error('REGISTRY_PROTOCOL', subject, `its referrers tag ${tag} holds a manifest, not an index`);
  }
  return entries(client, subject, fetched.manifest, fetched.digest, 'referrers-tag', tag);
}

function entries(
  client: ClientInternals,
  subject: ImageReference,
  index: ImageIndex,
  indexDigest: string | undefined,
  source: Referrer['source'],
  tag?: string,
): Referrer[] {
  return index.manifests.map((d) => {
    // A list naming itself or its own subject would send a reader walking in circles.
    if (d.digest === indexDigest || d.digest === subject.digest) {
      throw client.error('REGISTRY_PROTOCOL', subject, `its referrers list names ${d.digest === subject.digest ? 'the subject' : 'itself'} (${d.digest}) as a referrer`);
    }
    return { ...d, source, ...(tag === undefined ? {} : { tag }) };
  });
}

async function manifestAtTag(client: ClientInternals, ref: ImageReference) {
  try {
    return await client.getManifest(ref);
  } catch (error) {
    if (isSealkitError(error, 'REGISTRY_NOT_FOUND')) return undefined;
    throw error;
  }
}

/** True when the registry answers the referrers API for `subjectDigest` (and remembers it). */
export async function referrersApiStatus(client: ClientInternals, ref: ImageReference, subjectDigest: string): Promise<boolean> {
  const subject = ref.withDigest(subjectDigest);
  const response = await client.request(subject, { method: 'GET', path: `referrers/${subjectDigest}`, accept: [MEDIA_TYPES.ociIndex] });
  await response.discard();
  const type = response.headers.get('content-type') ?? '';
  const api = response.status === 200 && type.startsWith(MEDIA_TYPES.ociIndex);
  client.rememberApi(ref.registry, api);
  return api;
}

/**
 * Adds `descriptor` to the subject's tag index (creating it), unless it is listed already. The
 * index is replaced with `If-Match` on the ETag it was read with, so that a concurrent writer's
 * entry is not lost where the registry supports it; a lost race is retried. The index is read
 * again after it was written: a registry that ignores `If-Match` (distribution 2.8 does) lets a
 * concurrent writer's index replace this one, and the entry is then added again.
 */
export async function updateFallbackIndex(client: ClientInternals, ref: ImageReference, subjectDigest: string, descriptor: Descriptor): Promise<void> {
  const at = ref.withTag(fallbackTag(subjectDigest));
  await oneAtATime(`${at.registry}/${at.repository}:${at.tag}`, () => addToIndex(client, at, descriptor));
}

// Updates of one tag index run one at a time within this process, whichever client makes them:
// two that overlap read the same index, and where the registry ignores If-Match the second
// write drops the first one's entry, which its read-back may already have seen. Between
// processes, the read-back narrows that race but cannot close it.
const oneAtATime = queuePerKey();

async function addToIndex(client: ClientInternals, at: ImageReference, descriptor: Descriptor): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const response = await client.request(at, { method: 'GET', path: `manifests/${at.tag}`, accept: [MEDIA_TYPES.ociIndex] });
    let manifests: Descriptor[] = [];
    let etag: string | null = null;
    let existing: Record<string, unknown> | undefined;
    if (response.status === 200) {
      etag = response.headers.get('etag');
      const bytes = await client.readBounded(at, response);
      const index = parseManifest(bytes, response.headers.get('content-type') ?? undefined, { registry: at.registry, reference: at.toString() });
      if (index.kind !== 'index') throw client.error('REGISTRY_PROTOCOL', at, 'the referrers tag holds a manifest, not an index');
      existing = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      manifests = (existing.manifests as Descriptor[]) ?? [];
      if (index.manifests.some((d) => d.digest === descriptor.digest)) return;
    } else if (response.status === 404) {
      await response.discard();
    } else {
      await response.discard();
      throw client.statusError(at, response.status, 'referrers tag index');
    }
    if (attempt === MAX_INDEX_UPDATES) break;
    const updated = {
      ...(existing ?? {}),
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: [...manifests, descriptor],
    };
    const bytes = Buffer.from(JSON.stringify(updated));
    const put = await client.request(at, {
      method: 'PUT',
      path: `manifests/${at.tag}`,
      headers: { 'content-type': MEDIA_TYPES.ociIndex, ...(etag === null ? {} : { 'if-match': etag }) },
      body: bytes,
      push: true,
      retry: true,
    });
    await put.discard();
    if (put.status !== 412 && put.status !== 201 && put.status !== 200) throw client.statusError(at, put.status, 'referrers tag index');
  }
  throw client.error('REGISTRY_REJECTED', at, `the referrers tag index kept changing under ${MAX_INDEX_UPDATES} updates`);
}
