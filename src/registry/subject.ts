/**
 * `registry:REF` subjects: an image in a registry named where signing and attesting take a
 * file. The reference is resolved once to the manifest it names — an index stays an index, as
 * a multi-platform image is signed as a whole — and everything after that uses its digest.
 * @module
 */
import { UsageError } from '../errors.js';
import { RegistryClient, type RegistryClientOptions } from './client.js';
import { parseReference, type ImageReference } from './reference.js';
import type { Descriptor } from './types.js';

/** The prefix that marks a subject as an image in a registry rather than a file. */
export const REGISTRY_PREFIX = 'registry:';

/** How a registry subject is reached: a client to reuse, or the options of a new one. */
export interface RegistryAccessOptions {
  /** A client (shared with other calls), or the options of one made for this call. */
  registry?: RegistryClient | RegistryClientOptions;
}

/** Options of calls that attach what they sign to a registry subject. */
export interface RegistryAttachOptions extends RegistryAccessOptions {
  /**
   * Attach the bundle to the image as an OCI 1.1 referrer (default true). With `false` the
   * registry is only read, to resolve the digest; the bundle goes to `bundlePath` alone.
   */
  upload?: boolean;
}

/** A registry subject resolved to the manifest it names. */
export interface RegistrySubject {
  /** The reference as given (without `registry:`), pinned to the digest it resolved to. */
  reference: ImageReference;
  /** `registry/repository`: the subject's name in in-toto statements. */
  name: string;
  /** The manifest's digest (`sha256:<hex>`): what is signed. */
  digest: string;
  /** The manifest's media type (an image manifest or an index). */
  mediaType: string;
  /** The manifest's size in bytes. */
  size: number;
  /** The manifest's bytes, checked against `digest`. */
  bytes: Buffer;
}

/** Where a signature or attestation about a registry subject went. */
export interface RegistryAttachment {
  /** `registry/repository@digest` of the image signed. */
  reference: string;
  /** The image manifest's descriptor (`mediaType`, `digest`, `size`). */
  subject: Descriptor;
  /** The referrer pushed; absent with `upload: false`. */
  referrer?: Descriptor;
}

/** True when `value` is a `registry:REF` subject. */
export function isRegistrySubject(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(REGISTRY_PREFIX);
}

/**
 * Parses `registry:host/repo[:tag][@digest]` (the prefix may be left out).
 * @throws {UsageError} `INVALID_ARGUMENT` for a reference that does not follow the grammar.
 */
export function parseRegistrySubject(text: string): ImageReference {
  const bare = text.startsWith(REGISTRY_PREFIX) ? text.slice(REGISTRY_PREFIX.length) : text;
  if (bare === '') throw new UsageError('INVALID_ARGUMENT', `${JSON.stringify(text)} names no image: write registry:host/repository[:tag][@sha256:<hex>]`);
  return parseReference(bare);
}

/** The client of `options.registry`, or a new one made from its options. */
export function registryClient(options: RegistryAccessOptions & { signal?: AbortSignal }): RegistryClient {
  const given = options.registry;
  if (given instanceof RegistryClient) return given;
  return new RegistryClient({ ...(options.signal ? { signal: options.signal } : {}), ...given });
}

/**
 * Resolves a `registry:REF` subject to the manifest it names, fetched under the client's size
 * limit and checked against its digest. The tag, if any, is read once; a digest in the
 * reference must match what the registry serves.
 * @throws {UsageError} for a malformed reference; {@link RegistryError} when the registry fails.
 */
export async function resolveRegistrySubject(subject: string | ImageReference, client: RegistryClient): Promise<RegistrySubject> {
  const reference = typeof subject === 'string' ? parseRegistrySubject(subject) : subject;
  const fetched = await client.getManifest(reference);
  return {
    reference: reference.withDigest(fetched.digest),
    name: reference.name,
    digest: fetched.digest,
    mediaType: fetched.mediaType,
    size: fetched.size,
    bytes: fetched.bytes,
  };
}

/** The descriptor of a resolved subject, as a referrer's `subject` names it. */
export function subjectDescriptor(subject: Pick<RegistrySubject, 'mediaType' | 'digest' | 'size'>): Descriptor {
  return { mediaType: subject.mediaType, digest: subject.digest, size: subject.size };
}

/** The in-toto digest set of a resolved subject: `{ sha256: <hex> }` (or `sha512`). */
export function subjectDigestSet(subject: Pick<RegistrySubject, 'digest'>): Record<string, string> {
  const [algorithm = 'sha256', hex = ''] = subject.digest.split(':');
  return { [algorithm]: hex };
}
