/**
 * `discoverReferrers`: what is attached to an image — signatures, attestations, SBOMs — as the
 * registry lists it, with where each was found.
 * @module
 */
import { CREATED_ANNOTATION } from './attach.js';
import type { ReferrersOptions, RegistryClient } from './client.js';
import type { ImageReference } from './reference.js';
import { registryClient, resolveRegistrySubject, subjectDescriptor, type RegistryAccessOptions } from './subject.js';
import { PREDICATE_TYPE_ANNOTATION, type Descriptor, type Referrer, type ReferrerSource } from './types.js';

/** One artifact attached to an image. */
export interface DiscoveredReferrer {
  /** The referrer manifest's digest. */
  digest: string;
  /** What it is: `application/vnd.dev.sigstore.bundle.v0.3+json`, an SBOM's media type… */
  artifactType: string | undefined;
  /** The referrer manifest's media type. */
  mediaType: string;
  /** The referrer manifest's size in bytes. */
  size: number;
  /**
   * The in-toto predicate type of an attestation: its `dev.sigstore.bundle.predicateType`, or for
   * cosign's `.att` manifests the `predicateType` of its layers (several joined with ", ").
   */
  predicateType?: string;
  /** When it was made, as its `org.opencontainers.image.created` annotation says. */
  created?: string;
  /** Every annotation the listing carries. */
  annotations?: Record<string, string>;
  /** Where it was found: the referrers API, the referrers tag index, or cosign's `.sig`/`.att` tags. */
  source: ReferrerSource;
}

/** Options of {@link discoverReferrers}. */
export interface DiscoverOptions extends RegistryAccessOptions, ReferrersOptions {
  signal?: AbortSignal;
}

/** What {@link discoverReferrers} returns. */
export interface DiscoverResult {
  /** `registry/repository@digest` of the image. */
  reference: string;
  /** The manifest (or index) the reference resolved to. */
  subject: Descriptor;
  /** What is attached to it, in the order the registry lists them. */
  referrers: DiscoveredReferrer[];
}

/**
 * Lists what is attached to the image `ref` (`registry:host/repo:tag`, or a bare reference):
 * the referrers of the manifest it resolves to (an index's own referrers, not its platforms'),
 * through the referrers API when the registry has one, else the `sha256-<hex>` tag index, and
 * cosign's older `sha256-<hex>.sig` and `.att` tags (unless `legacyTags` is false).
 *
 * @throws {UsageError} for a malformed reference; {@link RegistryError} when the registry fails
 *   or lists something malformed (a referrers index that names itself, for one).
 */
export async function discoverReferrers(ref: string | ImageReference, options: DiscoverOptions = {}): Promise<DiscoverResult> {
  const client = registryClient(options);
  const subject = await resolveRegistrySubject(ref, client);
  const referrers = await client.referrers(subject.reference, subject.digest, {
    ...(options.artifactType !== undefined ? { artifactType: options.artifactType } : {}),
    ...(options.legacyTags !== undefined ? { legacyTags: options.legacyTags } : {}),
  });
  const described = await Promise.all(
    referrers.map(async (referrer) =>
      describe(referrer, referrer.source === 'cosign-attestation' ? await cosignPredicateType(client, subject.reference, referrer.digest) : undefined),
    ),
  );
  return { reference: subject.reference.toString(), subject: subjectDescriptor(subject), referrers: described };
}

// Cosign's `.att` manifest names each attestation's predicate type on its layer.
const COSIGN_PREDICATE_TYPE_ANNOTATION = 'predicateType';

/**
 * The predicate types of a cosign `.att` manifest's layers: one, or several joined with ", "
 * (one manifest may carry attestations of different types). The manifest was read when its tag
 * was, so this asks the registry nothing.
 */
async function cosignPredicateType(client: RegistryClient, image: ImageReference, digest: string): Promise<string | undefined> {
  const { manifest } = await client.getManifest(image.withDigest(digest));
  if (manifest.kind !== 'manifest') return undefined;
  const types = new Set(manifest.layers.map((layer) => layer.annotations?.[COSIGN_PREDICATE_TYPE_ANNOTATION]).filter((t): t is string => t !== undefined && t !== ''));
  return types.size === 0 ? undefined : [...types].join(', ');
}

function describe(referrer: Referrer, layerPredicateType: string | undefined): DiscoveredReferrer {
  const annotations = referrer.annotations;
  const predicateType = annotations?.[PREDICATE_TYPE_ANNOTATION] ?? layerPredicateType;
  const created = annotations?.[CREATED_ANNOTATION];
  return {
    digest: referrer.digest,
    artifactType: referrer.artifactType,
    mediaType: referrer.mediaType,
    size: referrer.size,
    ...(predicateType !== undefined ? { predicateType } : {}),
    ...(created !== undefined ? { created } : {}),
    ...(annotations !== undefined && Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
    source: referrer.source,
  };
}
