/**
 * The one OCI distribution client: resolves references, reads and writes manifests and blobs,
 * mounts blobs across repositories, and lists and writes referrers. Every byte it reads is
 * checked against its digest while it streams; manifests are read under a hard size limit.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../errors.js';
import { Authenticator, repositoryScope, unauthorized } from './auth.js';
import { algorithmOf, digestOf, readBounded, verifiedChunks } from './content.js';
import { credentialLookup, type CredentialSource } from './credentials.js';
import { RegistryError, type RegistryErrorCode } from './errors.js';
import { parseManifest, selectPlatform } from './manifest.js';
import { apiHost, isDigest, type ImageReference } from './reference.js';
import { listReferrers, referrersApiStatus, updateFallbackIndex } from './referrers.js';
import { isLoopback, Transport, type HttpRequest, type HttpResponse } from './transport.js';
import { limiter } from '../util/concurrency.js';
import {
  MANIFEST_MEDIA_TYPES,
  type Descriptor,
  type FetchedManifest,
  type Referrer,
  type RegistryProgress,
  type ResolvedDescriptor,
} from './types.js';

export { selectPlatform };

/** Options of a {@link RegistryClient}. */
export interface RegistryClientOptions {
  /**
   * Credentials per registry host (`host[:port]`), or a function that returns them. Registries
   * they do not cover use the Docker config (`$DOCKER_CONFIG/config.json`), unless
   * `dockerConfig` is `false`.
   */
  credentials?: CredentialSource;
  /** Folder holding `config.json` (default `$DOCKER_CONFIG`, else `~/.docker`); `false` to ignore it. */
  dockerConfig?: string | false;
  /**
   * Which registries may be spoken to over plain HTTP. Default: loopback hosts only
   * (`localhost`, `127.0.0.0/8`, `::1`); `true` allows every host.
   */
  plainHttp?: boolean | ((registry: string) => boolean);
  /** Cancels every request of this client. */
  signal?: AbortSignal;
  /** Largest manifest or index accepted, in bytes (default 4 MiB, the limit registries apply). */
  maxManifestBytes?: number;
  /** Retries of an idempotent request after a network error, a 429 or a 5xx (default 3). */
  retries?: number;
  /** First back-off in milliseconds, doubled with jitter after each retry (default 500). */
  retryDelay?: number;
  /** Milliseconds without a byte before a request is abandoned (default 30 000). */
  timeout?: number;
  /** Blob copies and uploads run at once (default 4). */
  concurrency?: number;
  /** `User-Agent` header. */
  userAgent?: string;
  /** Called as blobs and manifests move. */
  onProgress?: (event: RegistryProgress) => void;
}

// A manifest refused for a blob just written is asked again this many times, after 50, 100, 150 ms (see putManifest).
const BLOB_LINK_RETRIES = 3;
const BLOB_LINK_RETRY_MS = 50;

// Manifests a client keeps by digest (see RegistryClient.manifests).
const MANIFEST_CACHE_ENTRIES = 64;
const MANIFEST_CACHE_MAX_BYTES = 256 * 1024;

function manifestKey(ref: ImageReference, digest: string): string {
  return `${ref.registry}/${ref.repository}@${digest}`;
}

/** Options of {@link RegistryClient.referrers}. */
export interface ReferrersOptions {
  /** Only referrers of this artifact type. */
  artifactType?: string;
  /** Also read cosign's older `sha256-<hex>.sig` / `.att` tags (default true). */
  legacyTags?: boolean;
}

/**
 * An OCI distribution client over HTTPS (plain HTTP for loopback hosts, or when allowed), with
 * anonymous, basic and bearer-token auth, retries with back-off, and redirects that never carry
 * credentials to another host. Methods take an {@link ImageReference}; only its registry and
 * repository matter where the method names a digest itself.
 *
 * Failures are {@link RegistryError}s naming the registry and the reference.
 */
export class RegistryClient {
  private readonly transport: Transport;
  private readonly auth: Authenticator;
  private readonly maxManifestBytes: number;
  private readonly onProgress: ((event: RegistryProgress) => void) | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly referrersApi = new Map<string, boolean>();
  // Manifests read by digest, for the client's life: what a digest names never changes, and a
  // promotion or a verification reads the same few manifests to resolve, verify, plan and copy.
  // Keyed by repository too: a digest is only readable where access to it was granted.
  private readonly manifests = new Map<string, Promise<FetchedManifest>>();
  // Referrer lookups in flight, shared by callers that ask the same question at the same time (a
  // promotion's gate and its copy plan both list the image's referrers as they start). A list
  // can change, so an answer is not kept once it has arrived.
  private readonly referrerLookups = new Map<string, Promise<Referrer[]>>();
  /** Uploads and copies at once: at most `concurrency`. */
  private readonly slot: <T>(task: () => Promise<T>) => Promise<T>;

  constructor(options: RegistryClientOptions = {}) {
    const plain = options.plainHttp;
    const allowPlainHttp = typeof plain === 'function' ? plain : plain === true ? () => true : plain === false ? () => false : isLoopback;
    this.transport = new Transport({
      allowPlainHttp,
      ...(options.signal ? { signal: options.signal } : {}),
      retries: positiveInteger(options.retries ?? 3, 'retries', 0),
      retryDelay: positiveInteger(options.retryDelay ?? 500, 'retryDelay', 0),
      timeout: positiveInteger(options.timeout ?? 30_000, 'timeout', 1),
      userAgent: options.userAgent ?? 'sealkit',
    });
    const credentials = credentialLookup(options.credentials, options.dockerConfig);
    this.auth = new Authenticator(credentials, this.transport, credentials.given);
    this.maxManifestBytes = positiveInteger(options.maxManifestBytes ?? 4 * 1024 * 1024, 'maxManifestBytes', 1);
    this.slot = limiter(positiveInteger(options.concurrency ?? 4, 'concurrency', 1), options.signal);
    this.onProgress = options.onProgress;
    this.signal = options.signal;
  }

  /** Resolves the reference's tag or digest to the manifest it names (HEAD, else GET). */
  async resolve(ref: ImageReference): Promise<ResolvedDescriptor> {
    const response = await this.request(ref, { method: 'HEAD', path: `manifests/${ref.identifier}`, accept: MANIFEST_MEDIA_TYPES });
    await response.discard();
    if (response.status === 200) {
      const digest = response.headers.get('docker-content-digest');
      const mediaType = response.headers.get('content-type')?.split(';')[0]?.trim();
      const size = Number(response.headers.get('content-length'));
      if (digest !== null && isDigest(digest) && mediaType && MANIFEST_MEDIA_TYPES.includes(mediaType) && Number.isSafeInteger(size)) {
        if (ref.digest !== undefined && digest !== ref.digest) throw this.mismatch(ref, `the registry names it ${digest}`);
        return { digest, mediaType, size };
      }
    } else if (response.status !== 405 && response.status !== 400) {
      throw this.statusError(ref, response.status, 'manifest');
    }
    const fetched = await this.getManifest(ref);
    return { digest: fetched.digest, mediaType: fetched.mediaType, size: fetched.size };
  }

  /**
   * Fetches a manifest or index by the reference's digest (else its tag), read under
   * `maxManifestBytes` and checked against the digest asked for (or the one the registry states).
   * A manifest this client already read by its digest (or by a tag that named it) in the same
   * repository is not asked for again, unless `fresh` (to prove what the registry serves now).
   */
  getManifest(ref: ImageReference, options: { fresh?: boolean } = {}): Promise<FetchedManifest> {
    const key = ref.digest === undefined ? undefined : manifestKey(ref, ref.digest);
    const known = key === undefined || options.fresh === true ? undefined : this.manifests.get(key);
    if (known !== undefined) return known;
    const fetching = this.fetchManifest(ref);
    if (key !== undefined) this.remember(key, fetching);
    // Read by tag: remembered under the digest it turned out to have, once it is known.
    else void fetching.then((fetched) => this.remember(manifestKey(ref, fetched.digest), fetching), () => undefined);
    return fetching;
  }

  private remember(key: string, fetching: Promise<FetchedManifest>): void {
    this.manifests.set(key, fetching);
    const forget = (): void => {
      if (this.manifests.get(key) === fetching) this.manifests.delete(key);
    };
    // Failures are not kept, nor manifests larger than real ones: the cache stays a few MiB.
    fetching.then((fetched) => fetched.size > MANIFEST_CACHE_MAX_BYTES && forget(), forget);
    while (this.manifests.size > MANIFEST_CACHE_ENTRIES) this.manifests.delete(this.manifests.keys().next().value as string);
  }

  private async fetchManifest(ref: ImageReference): Promise<FetchedManifest> {
    const response = await this.request(ref, { method: 'GET', path: `manifests/${ref.identifier}`, accept: MANIFEST_MEDIA_TYPES });
    if (response.status !== 200) {
      await response.discard();
      throw this.statusError(ref, response.status, 'manifest');
    }
    const bytes = await readBounded(response, this.maxManifestBytes, () =>
      this.error('REGISTRY_MANIFEST_TOO_LARGE', ref, `its manifest is larger than the ${this.maxManifestBytes}-byte limit`, {
        limit: this.maxManifestBytes,
      }),
    );
    const stated = response.headers.get('docker-content-digest');
    const expected = ref.digest ?? (stated !== null && isDigest(stated) ? stated : undefined);
    const digest = digestOf(bytes, expected === undefined ? 'sha256' : algorithmOf(expected));
    if (expected !== undefined && digest !== expected) throw this.mismatch(ref, `its manifest hashes to ${digest}, not ${expected}`);
    const context = { registry: ref.registry, reference: ref.toString() };
    const manifest = parseManifest(bytes, response.headers.get('content-type') ?? undefined, context);
    this.onProgress?.({ phase: 'pull', repository: ref.name, digest, bytes: bytes.length, total: bytes.length });
    return { digest, mediaType: manifest.mediaType, size: bytes.length, bytes, manifest };
  }

  /**
   * Fetches the image manifest of `ref`: when it names an index, the entry for `platform`
   * (`os/arch[/variant]`, default `linux/amd64`) is followed. `index` is the index, if any.
   */
  async getImageManifest(ref: ImageReference, options: { platform?: string } = {}): Promise<{ manifest: FetchedManifest; index?: FetchedManifest }> {
    const top = await this.getManifest(ref);
    if (top.manifest.kind === 'manifest') return { manifest: top };
    const entry = selectPlatform(top.manifest, options.platform ?? 'linux/amd64');
    const manifest = await this.getManifest(ref.withDigest(entry.digest));
    if (manifest.manifest.kind !== 'manifest') {
      throw this.error('REGISTRY_PROTOCOL', ref, `the index entry ${entry.digest} is itself an index (nested indexes are not followed)`);
    }
    return { manifest, index: top };
  }

  /**
   * Streams a blob. Its size and digest are checked as it streams: content beyond the size is
   * cut off, and shorter or different content ends the iteration with `REGISTRY_DIGEST_MISMATCH`.
   * Nothing is buffered whole.
   */
  async *blob(ref: ImageReference, descriptor: Pick<Descriptor, 'digest' | 'size'>): AsyncGenerator<Buffer> {
    const at = ref.withDigest(descriptor.digest);
    const response = await this.request(at, { method: 'GET', path: `blobs/${descriptor.digest}` });
    if (response.status !== 200) {
      await response.discard();
      throw this.statusError(at, response.status, 'blob');
    }
    const context = { registry: ref.registry, reference: at.toString() };
    const progress = this.onProgress;
    try {
      yield* verifiedChunks(response.chunks(), descriptor, context, progress && ((bytes) =>
        progress({ phase: 'pull', repository: ref.name, digest: descriptor.digest, bytes, total: descriptor.size })));
    } finally {
      await response.discard();
    }
  }

  /** Reads a small blob (a config, a bundle) whole, refusing one over `maxBytes` (default 4 MiB). */
  async readBlob(ref: ImageReference, descriptor: Pick<Descriptor, 'digest' | 'size'>, maxBytes = 4 * 1024 * 1024): Promise<Buffer> {
    if (descriptor.size > maxBytes) {
      throw this.error('REGISTRY_MANIFEST_TOO_LARGE', ref.withDigest(descriptor.digest), `blob of ${descriptor.size} bytes is over the ${maxBytes}-byte limit`, { limit: maxBytes });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of this.blob(ref, descriptor)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /** True when the repository holds the blob. */
  async hasBlob(ref: ImageReference, digest: string): Promise<boolean> {
    const at = ref.withDigest(digest);
    const response = await this.request(at, { method: 'HEAD', path: `blobs/${digest}`, push: true });
    await response.discard();
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw this.statusError(at, response.status, 'blob');
  }

  /** Uploads a blob (monolithic for a buffer, streamed for a source); the registry checks the digest. */
  async pushBlob(ref: ImageReference, descriptor: Pick<Descriptor, 'digest' | 'size'>, source: Buffer | (() => AsyncIterable<Uint8Array>)): Promise<void> {
    await this.slot(() => this.upload(ref, descriptor, source));
  }

  /**
   * Mounts a blob from another repository of the same registry. False when the registry
   * declined (it does not have it there, or does not mount): the caller then uploads it.
   */
  async mountBlob(ref: ImageReference, fromRepository: string, digest: string): Promise<boolean> {
    const at = ref.withDigest(digest);
    const query = new URLSearchParams({ mount: digest, from: fromRepository });
    const response = await this.request(at, {
      method: 'POST',
      path: `blobs/uploads/?${query}`,
      push: true,
      extraScopes: [repositoryScope(fromRepository, 'pull')],
      body: Buffer.alloc(0),
      retry: true,
    });
    await response.discard();
    if (response.status === 201) {
      this.onProgress?.({ phase: 'mount', repository: ref.name, digest, bytes: 0 });
      return true;
    }
    if (response.status === 202) {
      // The registry opened an upload instead; close it, the caller uploads the blob.
      const location = response.headers.get('location');
      if (location !== null) {
        const cancel = await this.requestUrl(at, { method: 'DELETE', url: new URL(location, response.url).href, push: true }).catch(() => undefined);
        await cancel?.discard();
      }
      return false;
    }
    throw this.statusError(at, response.status, 'blob');
  }

  /**
   * Copies a blob byte for byte from `from` to `to`, unless `to` has it: a cross-repository
   * mount on the same registry, else streamed from one to the other. At most `concurrency` run at once.
   */
  async copyBlob(from: ImageReference, to: ImageReference, descriptor: Pick<Descriptor, 'digest' | 'size'>): Promise<void> {
    await this.slot(async () => {
      if (await this.hasBlob(to, descriptor.digest)) return;
      if (from.registry === to.registry && from.repository !== to.repository) {
        if (await this.mountBlob(to, from.repository, descriptor.digest)) return;
      }
      await this.upload(to, descriptor, () => this.blob(from, descriptor));
    });
  }

  /** Puts a manifest at the reference's tag (else its digest); returns its digest. */
  async putManifest(ref: ImageReference, bytes: Buffer, mediaType: string): Promise<string> {
    if (bytes.length > this.maxManifestBytes) {
      throw this.error('REGISTRY_MANIFEST_TOO_LARGE', ref, `the manifest to push is larger than the ${this.maxManifestBytes}-byte limit`);
    }
    const digest = digestOf(bytes, ref.tag === undefined && ref.digest !== undefined ? algorithmOf(ref.digest) : 'sha256');
    if (ref.tag === undefined && ref.digest !== undefined && ref.digest !== digest) {
      throw this.mismatch(ref, `the manifest to push hashes to ${digest}`);
    }
    let response: HttpResponse;
    for (let attempt = 1; ; attempt++) {
      response = await this.request(ref, {
        method: 'PUT',
        path: `manifests/${ref.tag ?? digest}`,
        headers: { 'content-type': mediaType },
        body: bytes,
        push: true,
        retry: true,
      });
      if (response.status === 201 || response.status === 200) break;
      const why = await errorText(response);
      // distribution 2.8 rewrites a repository's link to a blob in place when the blob is
      // uploaded again, and a manifest checked at that moment names a blob it calls unknown:
      // two attaches at once, each pushing the same empty config, meet it. Asked again after a
      // moment; a blob that is really missing is still refused, a few hundred milliseconds later.
      if (response.status === 400 && why?.includes('MANIFEST_BLOB_UNKNOWN') === true && attempt <= BLOB_LINK_RETRIES) {
        await sleep(BLOB_LINK_RETRY_MS * attempt, undefined, this.signal ? { signal: this.signal } : undefined).catch(() => undefined);
        continue;
      }
      throw this.statusError(ref, response.status, 'manifest', why);
    }
    await response.discard();
    const stated = response.headers.get('docker-content-digest');
    if (stated !== null && isDigest(stated) && algorithmOf(stated) === algorithmOf(digest) && stated !== digest) {
      throw this.mismatch(ref, `the registry stored the manifest as ${stated}, not ${digest}`);
    }
    if (response.headers.get('oci-subject') !== null) this.referrersApi.set(ref.registry, true);
    this.onProgress?.({ phase: 'push', repository: ref.name, digest, bytes: bytes.length, total: bytes.length });
    return digest;
  }

  /**
   * Lists the manifests that name `subjectDigest` as their subject: through the referrers API
   * when the registry has one, else from the `sha256-<hex>` tag index; plus, unless turned off,
   * cosign's `sha256-<hex>.sig` and `.att` tags. Each carries where it was found.
   */
  async referrers(ref: ImageReference, subjectDigest: string, options: ReferrersOptions = {}): Promise<Referrer[]> {
    const key = `${ref.registry}/${ref.repository}@${subjectDigest} ${options.legacyTags !== false} ${options.artifactType ?? ''}`;
    let lookup = this.referrerLookups.get(key);
    if (lookup === undefined) {
      lookup = listReferrers(this.internals(), ref, subjectDigest, options);
      this.referrerLookups.set(key, lookup);
      const done = (): void => {
        if (this.referrerLookups.get(key) === lookup) this.referrerLookups.delete(key);
      };
      lookup.then(done, done);
    }
    // Each caller gets its own list; the referrers in it are shared and never changed.
    return [...(await lookup)];
  }

  /**
   * Pushes an artifact manifest that has a `subject` (by its digest), and, when the registry has
   * no referrers API, adds it to the subject's `sha256-<hex>` tag index. Its blobs must be pushed
   * first. Returns its descriptor (with `artifactType` and `annotations`).
   */
  async attachReferrer(ref: ImageReference, manifest: Buffer, mediaType: string): Promise<Descriptor> {
    const context = { registry: ref.registry, reference: ref.toString() };
    const parsed = parseManifest(manifest, mediaType, context);
    if (parsed.subject === undefined) throw this.error('REGISTRY_REJECTED', ref, 'a referrer needs a subject');
    const subject = parsed.subject;
    // by digest alone: written at the reference's tag, the referrer would take the tag from the image
    const digest = await this.putManifest(ref.atDigest(digestOf(manifest)), manifest, mediaType);
    const artifactType = parsed.artifactType ?? (parsed.kind === 'manifest' ? parsed.config.mediaType : undefined);
    const descriptor: Descriptor = {
      mediaType,
      digest,
      size: manifest.length,
      ...(artifactType !== undefined ? { artifactType } : {}),
      ...(parsed.annotations !== undefined ? { annotations: parsed.annotations } : {}),
    };
    const api = this.referrersApi.get(ref.registry) ?? (await referrersApiStatus(this.internals(), ref, subject.digest));
    if (!api) await updateFallbackIndex(this.internals(), ref, subject.digest, descriptor);
    return descriptor;
  }

  /** Lists the repository's tags, following pagination. */
  async listTags(ref: ImageReference): Promise<string[]> {
    const tags: string[] = [];
    let path = 'tags/list?n=1000';
    for (let page = 0; page < 1000; page++) {
      const response = await this.request(ref, { method: 'GET', path });
      if (response.status !== 200) {
        await response.discard();
        throw this.statusError(ref, response.status, 'repository');
      }
      const bytes = await readBounded(response, this.maxManifestBytes, () =>
        this.error('REGISTRY_MANIFEST_TOO_LARGE', ref, 'a page of its tag list is over the manifest size limit'),
      );
      const body = safeJson(bytes) as { tags?: unknown } | undefined;
      if (body === undefined || (body.tags !== null && body.tags !== undefined && !Array.isArray(body.tags))) {
        throw this.error('REGISTRY_PROTOCOL', ref, 'its tag list is not {"tags": [...]}');
      }
      tags.push(...((body.tags as unknown[] | null | undefined) ?? []).filter((t): t is string => typeof t === 'string'));
      const next = nextLink(response.headers.get('link'));
      if (next === undefined) return tags;
      const url = new URL(next, response.url);
      path = `tags/list${url.search}`;
    }
    throw this.error('REGISTRY_PROTOCOL', ref, 'its tag list has more than 1000 pages');
  }

  /** What the referrers module needs of the client. */
  private internals(): ClientInternals {
    return {
      request: (ref, req) => this.request(ref, req),
      getManifest: (ref) => this.getManifest(ref),
      putManifest: (ref, bytes, mediaType) => this.putManifest(ref, bytes, mediaType),
      readBounded: (ref, response) =>
        readBounded(response, this.maxManifestBytes, () =>
          this.error('REGISTRY_MANIFEST_TOO_LARGE', ref, `its referrers list is larger than the ${this.maxManifestBytes}-byte limit`),
        ),
      statusError: (ref, status, what) => this.statusError(ref, status, what),
      error: (code, ref, why) => this.error(code, ref, why),
      rememberApi: (registry, api) => this.referrersApi.set(registry, api),
      knownApi: (registry) => this.referrersApi.get(registry),
    };
  }

  private async upload(ref: ImageReference, descriptor: Pick<Descriptor, 'digest' | 'size'>, source: Buffer | (() => AsyncIterable<Uint8Array>)): Promise<void> {
    const at = ref.withDigest(descriptor.digest);
    if (Buffer.isBuffer(source) && source.length !== descriptor.size) {
      throw this.mismatch(at, `the blob to push has ${source.length} bytes, not ${descriptor.size}`);
    }
    const start = await this.request(at, { method: 'POST', path: 'blobs/uploads/', push: true, body: Buffer.alloc(0), retry: true });
    const location = start.headers.get('location');
    if (start.status !== 202 || location === null) throw this.statusError(at, start.status, 'blob upload', await errorText(start));
    await start.discard();
    const url = new URL(location, start.url);
    url.searchParams.set('digest', descriptor.digest);
    const progress = this.onProgress;
    const body = Buffer.isBuffer(source)
      ? source
      : () => counted(source(), (bytes) => progress?.({ phase: 'push', repository: ref.name, digest: descriptor.digest, bytes, total: descriptor.size }));
    const done = await this.requestUrl(at, {
      method: 'PUT',
      url: url.href,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(descriptor.size) },
      body,
      push: true,
      retry: Buffer.isBuffer(source),
    });
    if (done.status !== 201 && done.status !== 204) {
      throw this.statusError(at, done.status, 'blob', await errorText(done));
    }
    await done.discard();
    if (Buffer.isBuffer(source)) progress?.({ phase: 'push', repository: ref.name, digest: descriptor.digest, bytes: descriptor.size, total: descriptor.size });
  }

  private request(ref: ImageReference, req: ClientRequest): Promise<HttpResponse> {
    const url = `${this.transport.baseUrl(apiHost(ref.registry))}/v2/${ref.repository}/${req.path}`;
    return this.requestUrl(ref, { ...req, url });
  }

  /** Sends a request with the auth it needs, answering one 401 with fresh credentials. */
  private async requestUrl(ref: ImageReference, req: Omit<ClientRequest, 'path'> & { url: string }): Promise<HttpResponse> {
    const scopes = [repositoryScope(ref.repository, req.push ? 'pull,push' : 'pull'), ...(req.extraScopes ?? [])];
    const context = { registry: ref.registry, reference: ref.toString() };
    const build = (authorization: string | undefined): HttpRequest => ({
      method: req.method,
      url: req.url,
      headers: { ...(req.accept ? { accept: req.accept.join(', ') } : {}), ...req.headers },
      ...(req.body !== undefined ? { body: req.body } : {}),
      ...(authorization !== undefined ? { authorization } : {}),
      ...(req.retry !== undefined ? { retry: req.retry } : {}),
      context,
    });
    const first = await this.auth.authorization(ref.registry, scopes);
    const response = await this.transport.send(build(first));
    if (response.status !== 401) return response;
    await response.discard();
    const fresh = await this.auth.answer(ref.registry, response.headers.get('www-authenticate'), scopes, context.reference);
    if (fresh === first) throw unauthorized(ref.registry, context.reference, 'the credentials were not accepted');
    const again = await this.transport.send(build(fresh));
    if (again.status === 401) {
      await again.discard();
      throw unauthorized(ref.registry, context.reference, first === undefined && !fresh.startsWith('Bearer') ? 'the credentials were not accepted' : 'it refused the credentials (or a fresh token)');
    }
    return again;
  }

  private statusError(ref: ImageReference, status: number, what: string, why?: string): RegistryError {
    const code: RegistryErrorCode =
      status === 401 ? 'REGISTRY_UNAUTHORIZED'
      : status === 403 ? 'REGISTRY_DENIED'
      : status === 404 ? 'REGISTRY_NOT_FOUND'
      : status === 429 ? 'REGISTRY_RATE_LIMITED'
      : status >= 500 ? 'REGISTRY_UNREACHABLE'
      : why !== undefined && /DIGEST_INVALID|SIZE_INVALID/.test(why) ? 'REGISTRY_DIGEST_MISMATCH'
      : 'REGISTRY_REJECTED';
    const text =
      status === 404 ? `${what} not found`
      : status === 403 ? `access to the ${what} denied`
      : status === 429 ? `rate limited (429) on the ${what}, still after retries`
      : `answered ${status} for the ${what}`;
    return this.error(code, ref, `${text}${why ? ` (${why})` : ''}`, { status });
  }

  private mismatch(ref: ImageReference, why: string): RegistryError {
    return this.error('REGISTRY_DIGEST_MISMATCH', ref, why);
  }

  private error(code: RegistryErrorCode, ref: ImageReference, why: string, details: Record<string, unknown> = {}): RegistryError {
    return new RegistryError(code, `${ref.registry}: ${ref.toString()}: ${why}`, {
      details: { registry: ref.registry, reference: ref.toString(), ...details },
    });
  }
}

/** A request to a repository's API, relative to `/v2/<name>/`. */
interface ClientRequest {
  method: HttpRequest['method'];
  path: string;
  accept?: readonly string[];
  headers?: Record<string, string>;
  body?: HttpRequest['body'];
  /** Needs push access (else pull). */
  push?: boolean;
  extraScopes?: string[];
  retry?: boolean;
}

/** The client's parts the referrers module uses. @internal */
export interface ClientInternals {
  request(ref: ImageReference, req: ClientRequest): Promise<HttpResponse>;
  getManifest(ref: ImageReference): Promise<FetchedManifest>;
  putManifest(ref: ImageReference, bytes: Buffer, mediaType: string): Promise<string>;
  readBounded(ref: ImageReference, response: HttpResponse): Promise<Buffer>;
  statusError(ref: ImageReference, status: number, what: string): RegistryError;
  error(code: RegistryErrorCode, ref: ImageReference, why: string): RegistryError;
  rememberApi(registry: string, api: boolean): void;
  knownApi(registry: string): boolean | undefined;
}

async function* counted(source: AsyncIterable<Uint8Array>, onBytes: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  for await (const chunk of source) {
    bytes += chunk.length;
    onBytes(bytes);
    yield chunk;
  }
}

/** The registry's own error codes of a refusal (`{"errors":[{"code":"DIGEST_INVALID"}]}`), read from at most 64 KiB. */
async function errorText(response: HttpResponse): Promise<string | undefined> {
  try {
    const bytes = await readBounded(response, 64 * 1024, () => new Error('too large'));
    const body = safeJson(bytes) as { errors?: Array<{ code?: unknown }> } | undefined;
    const codes = Array.isArray(body?.errors) ? body.errors.map((e) => e?.code).filter((c): c is string => typeof c === 'string' && /^[A-Z_]{1,64}$/.test(c)) : [];
    return codes.length > 0 ? codes.join(', ') : undefined;
  } catch {
    return undefined;
  }
}

function nextLink(header: string | null): string | undefined {
  if (header === null) return undefined;
  const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(header);
  return match?.[1];
}

function safeJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function positiveInteger(value: number, name: string, min: number): number {
  if (!Number.isFinite(value) || value < min) {
    throw new UsageError('INVALID_ARGUMENT', `${name} must be a number >= ${min}, not ${value}`);
  }
  return value;
}
