/**
 * The documents of the OCI distribution and image specs that the client reads and writes:
 * descriptors, image manifests (OCI and Docker schema 2), indexes (OCI and Docker manifest
 * lists) and OCI 1.1 artifacts, which are image manifests with an `artifactType` and a `subject`.
 * @module
 */

/** Media types the client knows by name. */
export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  /** The empty JSON object `{}`, the config of an artifact that has none. */
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  sigstoreBundle: 'application/vnd.dev.sigstore.bundle.v0.3+json',
  cyclonedxJson: 'application/vnd.cyclonedx+json',
  spdxJson: 'application/spdx+json',
} as const;

/** Annotation that names the in-toto predicate type of an attached attestation bundle. */
export const PREDICATE_TYPE_ANNOTATION = 'dev.sigstore.bundle.predicateType';

/** Manifest media types a registry may answer with; sent as `Accept` on every manifest request. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifest,
  MEDIA_TYPES.dockerManifestList,
];

/** Index media types (OCI index, Docker manifest list). */
export const INDEX_MEDIA_TYPES: readonly string[] = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList];

/** The platform an image in an index is built for. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

/** Points at content by digest: what it is, how big, and optionally what it is for. */
export interface Descriptor {
  mediaType: string;
  /** `sha256:<hex>` (or `sha512:<hex>`). */
  digest: string;
  /** Size in bytes; the client refuses content that is longer or shorter. */
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

/**
 * An image manifest (OCI or Docker schema 2). With `artifactType` and `subject` it is an OCI 1.1
 * artifact attached to another manifest (a signature, an attestation, an SBOM).
 */
export interface ImageManifest {
  kind: 'manifest';
  schemaVersion: 2;
  mediaType: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An index of manifests (OCI index or Docker manifest list): a multi-platform image, or referrers. */
export interface ImageIndex {
  kind: 'index';
  schemaVersion: 2;
  mediaType: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** Any manifest the client reads. `kind` is sealkit's, derived from the media type; it is not in the JSON. */
export type Manifest = ImageManifest | ImageIndex;

/** Where a referrer was found. */
export type ReferrerSource =
  /** The registry's referrers API (`GET /v2/<name>/referrers/<digest>`). */
  | 'referrers-api'
  /** The OCI referrers tag schema: an index tagged `sha256-<hex>`. */
  | 'referrers-tag'
  /** Cosign's older layout: a manifest tagged `sha256-<hex>.sig`. */
  | 'cosign-signature'
  /** Cosign's older layout: a manifest tagged `sha256-<hex>.att`. */
  | 'cosign-attestation';

/** A manifest attached to a subject manifest, with where it was found. */
export interface Referrer extends Descriptor {
  source: ReferrerSource;
  /** The tag it was read from, for the tag layouts. */
  tag?: string;
}

/** A manifest as fetched: its bytes (checked against `digest`), and the parsed document. */
export interface FetchedManifest {
  digest: string;
  mediaType: string;
  size: number;
  bytes: Buffer;
  manifest: Manifest;
}

/** What a tag or digest points at, without the body. */
export interface ResolvedDescriptor {
  digest: string;
  mediaType: string;
  size: number;
}

/** Progress of a blob or manifest transfer. */
export interface RegistryProgress {
  phase: 'pull' | 'push' | 'mount';
  /** `registry/repository` the transfer reads or writes. */
  repository: string;
  digest: string;
  /** Bytes transferred so far. */
  bytes: number;
  /** Expected size, when known. */
  total?: number;
}
