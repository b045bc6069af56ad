/**
 * Independent reads of a registry for tests' checks: plain `fetch` requests of the distribution
 * API, with basic auth or a bearer token and nothing of sealkit's client, and `skopeo inspect`.
 * Digests are computed here from the bytes received.
 * @module
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { RegistryCredentials, RunningRegistry } from './registry-server.js';
import { dockerRef, skopeo, withSkopeoAccess, type RegistryTarget } from './seed.js';

/** Basic credentials, a bearer token, or nothing. */
export type RawAuth = RegistryCredentials | { token: string } | undefined;

/** The media types a manifest GET accepts: OCI and Docker v2, single images and indexes. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/** A response, read whole (tests fetch small manifests and the blobs of test images). */
export interface RawResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** A manifest as the registry serves it. */
export interface RawManifest extends RawResponse {
  /** The registry's `Docker-Content-Digest` header. */
  headerDigest: string | null;
  /** sha256 of the bytes received. */
  digest: string;
  mediaType: string | null;
  json: unknown;
}

/** `sha256:<hex>` of `data`. */
export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * GET (or another method) of `path` (`/v2/...`) on the registry, with the registry's own user
 * unless `auth` says otherwise (pass `null` for an anonymous request). Redirects are not
 * followed, so a test sees them.
 */
export async function rawRequest(
  registry: RegistryTarget,
  path: string,
  options: { auth?: RawAuth | null; method?: string; accept?: string } = {},
): Promise<RawResponse> {
  const host = typeof registry === 'string' ? registry : registry.host;
  const auth = options.auth === null ? undefined : (options.auth ?? (typeof registry === 'string' ? undefined : registry.auth));
  const headers: Record<string, string> = {};
  if (options.accept) headers.accept = options.accept;
  if (auth && 'token' in auth) headers.authorization = `Bearer ${auth.token}`;
  else if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  const response = await fetch(`http://${host}${path}`, {
    method: options.method ?? 'GET',
    headers,
    redirect: 'manual',
    signal: AbortSignal.timeout(60_000),
  });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

/** The manifest `reference` (tag or digest) of `repository`; throws unless the registry answers 200. */
export async function rawManifest(
  registry: RegistryTarget,
  repository: string,
  reference: string,
  options: { auth?: RawAuth | null } = {},
): Promise<RawManifest> {
  const response = await rawRequest(registry, `/v2/${repository}/manifests/${reference}`, { ...options, accept: MANIFEST_ACCEPT });
  if (response.status !== 200) throw new Error(`GET manifest ${repository}:${reference} answered ${response.status}: ${response.body.toString('utf8', 0, 500)}`);
  return {
    ...response,
    headerDigest: response.headers.get('docker-content-digest'),
    digest: sha256(response.body),
    mediaType: response.headers.get('content-type'),
    json: JSON.parse(response.body.toString('utf8')) as unknown,
  };
}

/** The blob `digest` of `repository`, checked against its digest. */
export async function rawBlob(registry: RegistryTarget, repository: string, digest: string, options: { auth?: RawAuth | null } = {}): Promise<Buffer> {
  const response = await rawRequest(registry, `/v2/${repository}/blobs/${digest}`, options);
  if (response.status !== 200) throw new Error(`GET blob ${repository}@${digest} answered ${response.status}`);
  const actual = sha256(response.body);
  if (actual !== digest) throw new Error(`blob ${repository}@${digest} has digest ${actual}`);
  return response.body;
}

/** The tags of `repository` (`/v2/<name>/tags/list`), sorted. */
export async function rawTags(registry: RegistryTarget, repository: string, options: { auth?: RawAuth | null } = {}): Promise<string[]> {
  const response = await rawRequest(registry, `/v2/${repository}/tags/list`, options);
  if (response.status !== 200) throw new Error(`GET tags of ${repository} answered ${response.status}`);
  const { tags } = JSON.parse(response.body.toString('utf8')) as { tags: string[] | null };
  return [...(tags ?? [])].sort();
}

/**
 * `skopeo inspect --raw` of `repoRef` (`repo:tag` or `repo@digest`): the manifest bytes as
 * skopeo reads them, and their digest. For an index, the index itself (no platform chosen).
 */
export async function skopeoInspectRaw(
  registry: RegistryTarget,
  repoRef: string,
  credentials?: RegistryCredentials,
): Promise<{ digest: string; manifest: Buffer }> {
  const text = await withSkopeoAccess(registry, credentials, undefined, (access) =>
    skopeo(['inspect', '--raw', ...access, dockerRef(registry, repoRef)]),
  );
  const manifest = Buffer.from(text, 'utf8');
  return { digest: sha256(manifest), manifest };
}

/** `skopeo inspect --format {{.Digest}}`: the digest skopeo reports for `repoRef`. */
export async function skopeoInspectDigest(registry: RegistryTarget, repoRef: string, credentials?: RegistryCredentials): Promise<string> {
  const text = await withSkopeoAccess(registry, credentials, undefined, (access) =>
    skopeo(['inspect', '--format', '{{.Digest}}', ...access, dockerRef(registry, repoRef)]),
  );
  return text.trim();
}

/**
 * Where the registry's filesystem storage keeps the blob `digest`, for tests that tamper with
 * what the registry serves (distribution 2.x's layout: `blobs/sha256/<2 hex>/<hex>/data`).
 */
export function storedBlobPath(registry: Pick<RunningRegistry, 'storageDir'>, digest: string): string {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1];
  if (hex === undefined) throw new Error(`not a sha256 digest: ${digest}`);
  return path.join(registry.storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
}
