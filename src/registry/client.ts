/**
 * The one OCI distribution client: resolves references, reads and writes manifests and blobs,
 * mounts blobs across repositories, and lists and writes referrers. Every byte it reads is
 * checked against its digest while it streams; manifests are read under a hard size limit.
 * @module
 */
import type { CredentialSource } from './credentials.js';
import type { ImageReference } from './reference.js';
import type {
  Descriptor,
  FetchedManifest,
  ImageIndex,
  Referrer,
  RegistryProgress,
  ResolvedDescriptor,
} from './types.js';

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
  constructor(options: RegistryClientOptions = {}) {
    void options;
    throw new Error('not implemented yet');
  }

  /** Resolves the reference's tag or digest to the manifest it names (HEAD, else GET). */
  resolve(ref: ImageReference): Promise<ResolvedDescriptor> {
    return notYet(ref);
  }

  /**
   * Fetches a manifest or index by the reference's digest (else its tag), read under
   * `maxManifestBytes` and checked against the digest asked for (or the one the registry states).
   */
  getManifest(ref: ImageReference): Promise<FetchedManifest> {
    return notYet(ref);
  }

  /**
   * Fetches the image manifest of `ref`: when it names an index, the entry for `platform`
   * (`os/arch[/variant]`, default `linux/amd64`) is followed. `index` is the index, if any.
   */
  getImageManifest(ref: ImageReference, options?: { platform?: string }): Promise<{ manifest: FetchedManifest; index?: FetchedManifest }> {
    return notYet(ref, options);
  }

  /**
   * Streams a blob. Its size and digest are checked as it streams: longer content is cut at the
   * size, and shorter or different content ends the iteration with `REGISTRY_DIGEST_MISMATCH`.
   * Nothing is buffered whole.
   */
  blob(ref: ImageReference, descriptor: Pick<Descriptor, 'digest' | 'size'>): AsyncIterable<Buffer> {
    return notYet(ref, descriptor) as never;
  }

  /** Reads a small blob (a config, a bundle) whole, refusing one over `maxBytes` (default 4 MiB). */
  readBlob(ref: ImageReference, descriptor: Pick<Descriptor, 'digest' | 'size'>, maxBytes?: number): Promise<Buffer> {
    return notYet(ref, descriptor, maxBytes);
  }

  /** True when the repository holds the blob. */
  hasBlob(ref: ImageReference, digest: string): Promise<boolean> {
    return notYet(ref, digest);
  }

  /** Uploads a blob (monolithic for a buffer, streamed for a source); the registry checks the digest. */
  pushBlob(ref: ImageReference, descriptor: Pick<Descriptor, 'digest' | 'size'>, source: Buffer | (() => AsyncIterable<Uint8Array>)): Promise<void> {
    return notYet(ref, descriptor, source);
  }

  /**
   * Mounts a blob from another repository of the same registry. False when the registry
   * declined (it does not have it there, or does not mount): the caller then uploads it.
   */
  mountBlob(ref: ImageReference, fromRepository: string, digest: string): Promise<boolean> {
    return notYet(ref, fromRepository, digest);
  }

  /**
   * Copies a blob byte for byte from `from` to `to`, unless `to` has it: a cross-repository
   * mount on the same registry, else streamed from one to the other. At most `concurrency` run at once.
   */
  copyBlob(from: ImageReference, to: ImageReference, descriptor: Pick<Descriptor, 'digest' | 'size'>): Promise<void> {
    return notYet(from, to, descriptor);
  }

  /** Puts a manifest at the reference's tag (else its digest); returns its digest. */
  putManifest(ref: ImageReference, bytes: Buffer, mediaType: string): Promise<string> {
    return notYet(ref, bytes, mediaType);
  }

  /**
   * Lists the manifests that name `subjectDigest` as their subject: through the referrers API
   * when the registry has one, else from the `sha256-<hex>` tag index; plus, unless turned off,
   * cosign's `sha256-<hex>.sig` and `.att` tags. Each carries where it was found.
   */
  referrers(ref: ImageReference, subjectDigest: string, options?: ReferrersOptions): Promise<Referrer[]> {
    return notYet(ref, subjectDigest, options);
  }

  /**
   * Pushes an artifact manifest that has a `subject` (by its digest), and, when the registry has
   * no referrers API, adds it to the subject's `sha256-<hex>` tag index. Its blobs must be pushed
   * first. Returns its descriptor (with `artifactType` and `annotations`).
   */
  attachReferrer(ref: ImageReference, manifest: Buffer, mediaType: string): Promise<Descriptor> {
    return notYet(ref, manifest, mediaType);
  }

  /** Lists the repository's tags, following pagination. */
  listTags(ref: ImageReference): Promise<string[]> {
    return notYet(ref);
  }
}

/** The entry of an index for `platform` (`os/arch[/variant]`). @throws `PLATFORM_NOT_FOUND` */
export function selectPlatform(index: ImageIndex, platform: string): Descriptor {
  return notYet(index, platform) as never;
}

function notYet(..._args: unknown[]): never {
  throw new Error('not implemented yet');
}
