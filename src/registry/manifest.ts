/**
 * Parsing manifests and indexes from a registry's bytes into checked {@link Manifest}s, and
 * picking a platform from an index.
 * @module
 */
import { SourceError } from '../errors.js';
import { RegistryError } from './errors.js';
import { isDigest } from './reference.js';
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, MEDIA_TYPES, type Descriptor, type ImageIndex, type Manifest, type Platform } from './types.js';
import { isRecord } from '../util/is-record.js';

/**
 * Parses manifest bytes. The media type is the document's own, else `contentType` (the header
 * it came with), else guessed from its shape. Descriptors must have a media type, a valid digest
 * and a size.
 * @throws {RegistryError} `REGISTRY_PROTOCOL` for anything else.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined, context: { registry: string; reference: string }): Manifest {
  const bad = (why: string): RegistryError =>
    new RegistryError('REGISTRY_PROTOCOL', `${context.registry}: the manifest of ${context.reference} ${why}`, { details: { ...context } });
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw bad('is not JSON');
  }
  if (!isRecord(json)) throw bad('is not a JSON object');
  if (json.schemaVersion !== 2) throw bad(`has schemaVersion ${JSON.stringify(json.schemaVersion)}, not 2`);
  const header = contentType?.split(';')[0]?.trim();
  const mediaType =
    typeof json.mediaType === 'string'
      ? json.mediaType
      : header && MANIFEST_MEDIA_TYPES.includes(header)
        ? header
        : Array.isArray(json.manifests)
          ? MEDIA_TYPES.ociIndex
          : MEDIA_TYPES.ociManifest;
  if (!MANIFEST_MEDIA_TYPES.includes(mediaType)) throw bad(`has the unsupported media type ${mediaType}`);
  const common = {
    schemaVersion: 2 as const,
    mediaType,
    ...(typeof json.artifactType === 'string' ? { artifactType: json.artifactType } : {}),
    ...(json.subject !== undefined ? { subject: descriptor(json.subject, 'subject', bad) } : {}),
    ...(json.annotations !== undefined ? { annotations: stringMap(json.annotations, 'annotations', bad) } : {}),
  };
  if (INDEX_MEDIA_TYPES.includes(mediaType)) {
    if (!Array.isArray(json.manifests)) throw bad('is an index without manifests');
    return { kind: 'index', ...common, manifests: json.manifests.map((d, i) => descriptor(d, `manifests[${i}]`, bad)) };
  }
  if (!Array.isArray(json.layers)) throw bad('has no layers');
  return {
    kind: 'manifest',
    ...common,
    config: descriptor(json.config, 'config', bad),
    layers: json.layers.map((d, i) => descriptor(d, `layers[${i}]`, bad)),
  };
}

function descriptor(value: unknown, where: string, bad: (why: string) => RegistryError): Descriptor {
  if (!isRecord(value)) throw bad(`has a ${where} that is not a descriptor`);
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string' || mediaType === '') throw bad(`has a ${where} without a media type`);
  if (typeof digest !== 'string' || !isDigest(digest)) throw bad(`has a ${where} with an invalid digest`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw bad(`has a ${where} with an invalid size`);
  const result: Descriptor = { mediaType, digest, size };
  if (typeof value.artifactType === 'string') result.artifactType = value.artifactType;
  if (value.annotations !== undefined) result.annotations = stringMap(value.annotations, `${where}.annotations`, bad);
  if (isRecord(value.platform)) {
    const p = value.platform;
    if (typeof p.os !== 'string' || typeof p.architecture !== 'string') throw bad(`has a ${where} with an invalid platform`);
    const platform: Platform = { os: p.os, architecture: p.architecture };
    if (typeof p.variant === 'string') platform.variant = p.variant;
    if (typeof p['os.version'] === 'string') platform['os.version'] = p['os.version'];
    if (Array.isArray(p['os.features'])) platform['os.features'] = p['os.features'].filter((f): f is string => typeof f === 'string');
    result.platform = platform;
  }
  if (Array.isArray(value.urls)) result.urls = value.urls.filter((u): u is string => typeof u === 'string');
  return result;
}

function stringMap(value: unknown, where: string, bad: (why: string) => RegistryError): Record<string, string> {
  if (!isRecord(value) || !Object.values(value).every((v) => typeof v === 'string')) throw bad(`has ${where} that are not strings`);
  return { ...(value as Record<string, string>) };
}

/** Parses `os/arch[/variant]`. @throws {SourceError} `INVALID_ARGUMENT` */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant, extra] = text.split('/');
  if (!os || !architecture || extra !== undefined || variant === '') {
    throw new SourceError('INVALID_ARGUMENT', `invalid platform ${JSON.stringify(text)}: expected os/arch[/variant]`);
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** `os/arch[/variant]` of a platform. */
export function formatPlatform(platform: Platform | undefined): string {
  if (platform === undefined) return 'unknown';
  return [platform.os, platform.architecture, ...(platform.variant ? [platform.variant] : [])].join('/');
}

/**
 * The entry of `index` for `platform` (`os/arch[/variant]`). Without a variant asked for, any
 * variant matches; arm64 entries without a variant are `v8`.
 * @throws {SourceError} `PLATFORM_NOT_FOUND`, listing the platforms the index has.
 */
export function selectPlatform(index: ImageIndex, platform: string): Descriptor {
  const want = parsePlatform(platform);
  const found = index.manifests.find((d) => {
    const have = d.platform;
    if (have === undefined || have.os !== want.os || have.architecture !== want.architecture) return false;
    if (want.variant === undefined) return true;
    return (have.variant ?? (have.architecture === 'arm64' ? 'v8' : undefined)) === want.variant;
  });
  if (found !== undefined) return found;
  const available = index.manifests.filter((d) => d.platform !== undefined).map((d) => formatPlatform(d.platform));
  throw new SourceError('PLATFORM_NOT_FOUND', `the index has no image for ${platform} (found: ${available.join(', ') || 'none'})`, {
    details: { platform, available },
  });
}
