/**
 * Attaching to an image: OCI 1.1 artifact manifests whose `subject` is the image manifest, with
 * one layer (a Sigstore bundle, or an SBOM) and the empty config. The layout is the one the
 * Sigstore clients write for bundles, so that each reads what the other attached:
 *
 *     { schemaVersion: 2, mediaType: <OCI manifest>, artifactType: <layer's media type>,
 *       config: <empty {}>, layers: [<the bundle or SBOM>], subject: <image manifest>,
 *       annotations: { dev.sigstore.bundle.content, dev.sigstore.bundle.predicateType, created } }
 *
 * Pushed through {@link RegistryClient.attachReferrer}, which also updates the referrers tag
 * index where the registry has no referrers API.
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SerializedBundle } from '@sigstore/bundle';
import { SourceError, UsageError } from '../errors.js';
import type { RegistryClient } from './client.js';
import { ImageReference } from './reference.js';
import {
  registryClient,
  resolveRegistrySubject,
  subjectDescriptor,
  type RegistryAccessOptions,
  type RegistryAttachment,
  type RegistrySubject,
} from './subject.js';
import { MEDIA_TYPES, PREDICATE_TYPE_ANNOTATION, type Descriptor } from './types.js';

/** Annotation telling what a bundle holds: `message-signature` or `dsse-envelope`. */
export const BUNDLE_CONTENT_ANNOTATION = 'dev.sigstore.bundle.content';
/** The OCI annotation of when an artifact was made (RFC 3339). */
export const CREATED_ANNOTATION = 'org.opencontainers.image.created';

/** The config of every artifact: the empty JSON object. */
const EMPTY_CONFIG = Buffer.from('{}');
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
// A bundle or SBOM blob is pushed from memory; this bounds what a caller can make it hold.
const MAX_ATTACHED_BYTES = 512 * 1024 * 1024;
const MEDIA_TYPE = /^[a-z0-9][\w!#$&^.+-]{0,126}\/[a-z0-9][\w!#$&^.+-]{0,126}$/i;

/** A blob of an artifact, with its bytes. */
export interface ArtifactBlob {
  descriptor: Descriptor;
  bytes: Buffer;
}

/** An artifact manifest ready to push: its exact bytes, digest, and the blobs it names. */
export interface ArtifactManifest {
  /** The manifest's JSON, byte for byte as pushed. */
  bytes: Buffer;
  /** `sha256:<hex>` of {@link ArtifactManifest.bytes}. */
  digest: string;
  mediaType: typeof MEDIA_TYPES.ociManifest;
  artifactType: string;
  annotations: Record<string, string>;
  /** The empty config, then the one layer. */
  blobs: ArtifactBlob[];
}

/** What an artifact manifest is made of. */
export interface ArtifactManifestInput {
  /** The image manifest (or index) it is attached to. */
  subject: Descriptor;
  /** Media type of the one layer; also the manifest's `artifactType`. */
  layerMediaType: string;
  layer: Uint8Array;
  /** Annotations of the manifest (written sorted by key). */
  annotations?: Record<string, string>;
}

/**
 * Builds the artifact manifest of one layer attached to `subject`. Deterministic: the same
 * input gives the same bytes, hence the same digest, so attaching twice lists it once.
 */
export function buildArtifactManifest(input: ArtifactManifestInput): ArtifactManifest {
  if (!MEDIA_TYPE.test(input.layerMediaType)) {
    throw new UsageError('INVALID_ARGUMENT', `${JSON.stringify(input.layerMediaType)} is not a media type (type/subtype)`);
  }
  const layerBytes = Buffer.from(input.layer.buffer, input.layer.byteOffset, input.layer.byteLength);
  const config: Descriptor = { mediaType: MEDIA_TYPES.ociEmpty, digest: sha256(EMPTY_CONFIG), size: EMPTY_CONFIG.length };
  const layer: Descriptor = { mediaType: input.layerMediaType, digest: sha256(layerBytes), size: layerBytes.length };
  const annotations = Object.fromEntries(Object.entries(input.annotations ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const subject: Descriptor = { mediaType: input.subject.mediaType, digest: input.subject.digest, size: input.subject.size };
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    artifactType: input.layerMediaType,
    config,
    layers: [layer],
    subject,
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return {
    bytes,
    digest: sha256(bytes),
    mediaType: MEDIA_TYPES.ociManifest,
    artifactType: input.layerMediaType,
    annotations,
    blobs: [
      { descriptor: config, bytes: EMPTY_CONFIG },
      { descriptor: layer, bytes: layerBytes },
    ],
  };
}

/** Options of {@link bundleArtifact}. */
export interface BundleArtifactOptions {
  /**
   * The `org.opencontainers.image.created` annotation: a date, or `false` for none. Default:
   * when the transparency log integrated the signature, else now.
   */
  created?: Date | false;
}

/**
 * The artifact manifest of a Sigstore bundle attached to `subject`: artifact type
 * `application/vnd.dev.sigstore.bundle.v0.3+json`, the bundle's JSON as the layer, and the
 * annotations `dev.sigstore.bundle.content` and, for an in-toto attestation,
 * `dev.sigstore.bundle.predicateType`.
 */
export function bundleArtifact(subject: Descriptor, bundle: SerializedBundle, options: BundleArtifactOptions = {}): ArtifactManifest {
  const annotations: Record<string, string> = {};
  if (bundle.dsseEnvelope !== undefined) {
    annotations[BUNDLE_CONTENT_ANNOTATION] = 'dsse-envelope';
    const predicateType = statementPredicateType(bundle);
    if (predicateType !== undefined) annotations[PREDICATE_TYPE_ANNOTATION] = predicateType;
  } else if (bundle.messageSignature !== undefined) {
    annotations[BUNDLE_CONTENT_ANNOTATION] = 'message-signature';
  } else {
    throw new UsageError('INVALID_ARGUMENT', 'the bundle holds neither a message signature nor a DSSE envelope');
  }
  const created = options.created ?? integratedTime(bundle) ?? new Date();
  if (created !== false) annotations[CREATED_ANNOTATION] = rfc3339(created);
  return buildArtifactManifest({
    subject,
    layerMediaType: MEDIA_TYPES.sigstoreBundle,
    layer: Buffer.from(JSON.stringify(bundle)),
    annotations,
  });
}

/**
 * Pushes `artifact`'s blobs, then its manifest as a referrer in `ref`'s repository; returns
 * the referrer's descriptor.
 */
export async function pushArtifact(client: RegistryClient, ref: ImageReference, artifact: ArtifactManifest): Promise<Descriptor> {
  // By digest alone: a manifest pushed to a reference that keeps its tag would move that tag.
  const at = new ImageReference({ registry: ref.registry, repository: ref.repository, digest: artifact.digest });
  await Promise.all(artifact.blobs.map((blob) => client.pushBlob(at, blob.descriptor, blob.bytes)));
  return client.attachReferrer(at, artifact.bytes, artifact.mediaType);
}

/** Attaches `bundle` to the resolved `subject`; see {@link bundleArtifact}. */
export async function attachBundle(
  client: RegistryClient,
  subject: RegistrySubject,
  bundle: SerializedBundle,
  options: BundleArtifactOptions = {},
): Promise<RegistryAttachment> {
  const descriptor = subjectDescriptor(subject);
  const referrer = await pushArtifact(client, subject.reference, bundleArtifact(descriptor, bundle, options));
  return { reference: subject.reference.toString(), subject: descriptor, referrer };
}

/** An SBOM to attach: the path of its file, or its bytes. */
export type AttachSbomInput = string | Uint8Array;

/** Options of {@link attachSbom}. */
export interface AttachSbomOptions extends RegistryAccessOptions {
  /**
   * Media type of the SBOM (the artifact type). Default: from the document —
   * `application/vnd.cyclonedx+json`, `application/vnd.cyclonedx+xml` or `application/spdx+json`
   * (SPDX 2 and SPDX 3 JSON-LD alike).
   */
  mediaType?: string;
  /** The `org.opencontainers.image.created` annotation; none by default, so attaching is repeatable. */
  created?: Date;
  /** More annotations of the artifact manifest. */
  annotations?: Record<string, string>;
  signal?: AbortSignal;
}

/** What {@link attachSbom} returns. */
export interface AttachSbomResult extends RegistryAttachment {
  referrer: Descriptor;
  mediaType: string;
}

/**
 * Attaches an SBOM, unsigned, to the image `ref` (`registry:host/repo:tag` or a bare
 * reference) as an OCI 1.1 artifact whose type is the SBOM's media type. The tag is resolved
 * once; the artifact's subject is the manifest (or index) it names. Attaching the same SBOM
 * twice lists it once.
 *
 * @throws {UsageError} `FORMAT_UNSUPPORTED` when the media type is not given and the document
 *   is not a CycloneDX or SPDX SBOM; {@link RegistryError} when the registry fails.
 */
export async function attachSbom(ref: string | ImageReference, sbom: AttachSbomInput, options: AttachSbomOptions = {}): Promise<AttachSbomResult> {
  const bytes = await readSbomBytes(sbom);
  const mediaType = options.mediaType ?? sbomMediaType(bytes);
  const annotations = { ...options.annotations, ...(options.created ? { [CREATED_ANNOTATION]: rfc3339(options.created) } : {}) };
  const client = registryClient(options);
  const subject = await resolveRegistrySubject(ref, client);
  const descriptor = subjectDescriptor(subject);
  const artifact = buildArtifactManifest({ subject: descriptor, layerMediaType: mediaType, layer: bytes, annotations });
  const referrer = await pushArtifact(client, subject.reference, artifact);
  return { reference: subject.reference.toString(), subject: descriptor, referrer, mediaType };
}

/**
 * The media type of an SBOM document: CycloneDX JSON or XML, or SPDX JSON (2.x, and 3 as
 * JSON-LD). Only the start of the document is looked at for XML.
 * @throws {UsageError} `FORMAT_UNSUPPORTED` for anything else.
 */
export function sbomMediaType(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const start = text.trimStart();
  if (start.startsWith('<')) {
    if (/xmlns\s*=\s*["']http:\/\/cyclonedx\.org\/schema\/bom\//.test(start.slice(0, 4096))) return 'application/vnd.cyclonedx+xml';
    throw unsupported('an XML document that is not a CycloneDX BOM');
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw unsupported('neither JSON nor CycloneDX XML');
  }
  if (typeof document === 'object' && document !== null && !Array.isArray(document)) {
    const fields = document as Record<string, unknown>;
    if (fields.bomFormat === 'CycloneDX') return MEDIA_TYPES.cyclonedxJson;
    if (typeof fields.spdxVersion === 'string' && fields.spdxVersion.startsWith('SPDX-')) return MEDIA_TYPES.spdxJson;
    if (JSON.stringify(fields['@context'] ?? '').includes('spdx.org/rdf/3')) return MEDIA_TYPES.spdxJson;
  }
  throw unsupported('a JSON document that is neither CycloneDX nor SPDX');
}

async function readSbomBytes(sbom: AttachSbomInput): Promise<Buffer> {
  if (sbom instanceof Uint8Array) {
    if (sbom.byteLength > MAX_ATTACHED_BYTES) throw tooLarge(sbom.byteLength);
    return Buffer.from(sbom.buffer, sbom.byteOffset, sbom.byteLength);
  }
  if (typeof sbom !== 'string' || sbom === '') throw new UsageError('INVALID_ARGUMENT', 'the SBOM must be a file path or its bytes');
  let bytes: Buffer;
  try {
    bytes = await readFile(sbom);
  } catch (error) {
    throw new SourceError('SOURCE_NOT_FOUND', `cannot read the SBOM ${sbom}: ${(error as Error).message}`, { cause: error, details: { path: sbom } });
  }
  if (bytes.length > MAX_ATTACHED_BYTES) throw tooLarge(bytes.length);
  return bytes;
}

/** The predicate type of the in-toto statement in a bundle's DSSE envelope, if it is one. */
function statementPredicateType(bundle: SerializedBundle): string | undefined {
  const envelope = bundle.dsseEnvelope;
  if (envelope?.payloadType !== IN_TOTO_PAYLOAD_TYPE) return undefined;
  try {
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicateType?: unknown };
    return typeof statement.predicateType === 'string' ? statement.predicateType : undefined;
  } catch {
    return undefined;
  }
}

function integratedTime(bundle: SerializedBundle): Date | undefined {
  const seconds = Number(bundle.verificationMaterial?.tlogEntries?.[0]?.integratedTime);
  return Number.isSafeInteger(seconds) && seconds > 0 ? new Date(seconds * 1000) : undefined;
}

/** RFC 3339 in UTC, to the second (what registries and the Sigstore clients write). */
function rfc3339(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new UsageError('INVALID_ARGUMENT', 'created must be a valid Date');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function unsupported(what: string): UsageError {
  return new UsageError('FORMAT_UNSUPPORTED', `the SBOM is ${what}: give its media type (mediaType, --media-type) to attach it anyway`);
}

function tooLarge(size: number): UsageError {
  return new UsageError('LIMIT_EXCEEDED', `the SBOM has ${size} bytes, over the ${MAX_ATTACHED_BYTES}-byte limit of what is attached`, { details: { size } });
}
