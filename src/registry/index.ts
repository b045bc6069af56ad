/**
 * The OCI distribution client every registry command reads and writes through.
 * @module
 */
export { RegistryClient, selectPlatform } from './client.js';
export { parsePlatform, formatPlatform } from './manifest.js';
export { fallbackTag } from './referrers.js';
export type { RegistryClientOptions, ReferrersOptions } from './client.js';
export { ImageReference, parseReference, isDigest, DEFAULT_REGISTRY } from './reference.js';
export { RegistryError } from './errors.js';
export type { RegistryErrorCode } from './errors.js';
export type { Credentials, CredentialSource } from './credentials.js';
export { MEDIA_TYPES, PREDICATE_TYPE_ANNOTATION, MANIFEST_MEDIA_TYPES, INDEX_MEDIA_TYPES } from './types.js';
export type {
  Descriptor,
  Platform,
  Manifest,
  ImageManifest,
  ImageIndex,
  Referrer,
  ReferrerSource,
  FetchedManifest,
  ResolvedDescriptor,
  RegistryProgress,
} from './types.js';
