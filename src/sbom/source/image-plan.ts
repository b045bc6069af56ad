/**
 * Turns an image container's documents (docker `manifest.json`, or an OCI `index.json` with its
 * manifests and config) into a plan: which blob holds each layer, in which order, with which
 * diffID. Every document read is checked against its digest where one is known.
 * @module
 */
import { createHash } from 'node:crypto';
import { SourceError } from '../../errors.js';
import type { LayerInfo } from '../model.js';
import { blobName, type BlobStore } from './blob-store.js';

/** One layer to stream: the blob that holds it and what the config says it must hash to. */
export interface PlannedLayer extends LayerInfo {
  /** Member or file name of the blob inside the container. */
  blob: string;
}

/** Everything needed to scan one image. */
export interface ImagePlan {
  name: string;
  tag?: string;
  manifestDigest?: string;
  imageId: string;
  platform: string;
  layers: PlannedLayer[];
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

interface ImageConfig {
  os?: string;
  architecture?: string;
  variant?: string;
  rootfs?: { diff_ids?: unknown };
  history?: Array<{ created_by?: string; empty_layer?: boolean }>;
}

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/** Parses a platform string `os/arch[/variant]`. */
export function parsePlatform(text: string): { os: string; architecture: string; variant?: string } {
  const [os, architecture, variant, extra] = text.split('/');
  if (!os || !architecture || extra !== undefined) {
    throw new SourceError('INVALID_ARGUMENT', `invalid platform ${JSON.stringify(text)}: expected os/arch[/variant]`);
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

function formatPlatform(p: { os?: string; architecture?: string; variant?: string }): string {
  return [p.os ?? 'unknown', p.architecture ?? 'unknown', ...(p.variant ? [p.variant] : [])].join('/');
}

function platformMatches(
  have: { os?: string; architecture?: string; variant?: string },
  want: { os: string; architecture: string; variant?: string },
): boolean {
  if (have.os !== want.os || have.architecture !== want.architecture) return false;
  if (want.variant === undefined) return true;
  // arm64 images usually omit their only variant, v8
  const variant = have.variant ?? (have.architecture === 'arm64' ? 'v8' : undefined);
  return variant === want.variant;
}

async function readJson<T>(store: BlobStore, name: string, digest?: string): Promise<T> {
  const data = await store.read(name);
  if (digest !== undefined) {
    const [algorithm, expected] = digest.split(':');
    const actual = createHash(algorithm ?? 'sha256')
      .update(data)
      .digest('hex');
    if (actual !== expected) {
      throw new SourceError('BLOB_DIGEST_MISMATCH', `${name} in ${store.path} does not match its digest ${digest}`, {
        details: { path: store.path, name, digest },
      });
    }
  }
  try {
    const parsed: unknown = JSON.parse(data.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object') throw new Error('not a JSON object');
    return parsed as T;
  } catch (error) {
    throw new SourceError('MANIFEST_INVALID', `${name} in ${store.path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
      details: { path: store.path, name },
    });
  }
}

function invalid(store: BlobStore, what: string): SourceError {
  return new SourceError('MANIFEST_INVALID', `${store.path}: ${what}`, { details: { path: store.path } });
}

function diffIds(store: BlobStore, config: ImageConfig, layerCount: number): string[] {
  const ids = config.rootfs?.diff_ids;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' && /^sha256:[a-f0-9]{64}$/.test(id))) {
    throw invalid(store, 'image config has no valid rootfs.diff_ids');
  }
  if (ids.length !== layerCount) {
    throw invalid(store, `manifest lists ${layerCount} layers but the config has ${ids.length} diff_ids`);
  }
  return ids as string[];
}

/** `created_by` of each non-empty history entry, aligned with the layers. */
function layerHistory(config: ImageConfig): Array<string | undefined> {
  return (config.history ?? []).filter((entry) => entry.empty_layer !== true).map((entry) => entry.created_by);
}

function splitReference(reference: string | undefined): { name?: string; tag?: string } {
  if (!reference) return {};
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  if (colon > slash) return { name: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { name: reference };
}

/**
 * OCI layouts name images with `org.opencontainers.image.ref.name`, which is often only a tag
 * (`latest`); containerd's annotation holds the full reference.
 */
function ociReference(reference: string | undefined, fallbackName: string): { name: string; tag?: string } {
  if (!reference) return { name: fallbackName };
  if (!reference.includes('/') && !reference.includes(':')) return { name: fallbackName, tag: reference };
  const { name, tag } = splitReference(reference);
  return tag ? { name: name ?? fallbackName, tag } : { name: name ?? fallbackName };
}

/** Plans a `docker save` archive from its `manifest.json`. */
export async function planDockerArchive(store: BlobStore, platform: string, fallbackName: string): Promise<ImagePlan> {
  const manifest = await readJson<unknown>(store, 'manifest.json');
  if (!Array.isArray(manifest) || manifest.length === 0) throw invalid(store, 'manifest.json lists no image');
  const want = parsePlatform(platform);
  const seen: string[] = [];
  for (const entry of manifest as Array<{ Config?: unknown; Layers?: unknown; RepoTags?: unknown }>) {
    if (typeof entry?.Config !== 'string' || !Array.isArray(entry.Layers)) throw invalid(store, 'manifest.json entry lacks Config or Layers');
    const config = await readJson<ImageConfig>(store, entry.Config);
    seen.push(formatPlatform(config));
    // A single-image archive is what the caller asked for, whatever it says about itself.
    if (manifest.length > 1 && !platformMatches(config, want)) continue;
    const layers = entry.Layers as unknown[];
    if (!layers.every((layer) => typeof layer === 'string')) throw invalid(store, 'manifest.json has a non-string layer');
    const ids = diffIds(store, config, layers.length);
    const history = layerHistory(config);
    const tags = Array.isArray(entry.RepoTags) ? (entry.RepoTags as unknown[]).filter((t) => typeof t === 'string') : [];
    const { name, tag } = splitReference(tags[0] as string | undefined);
    const configBytes = await store.read(entry.Config);
    const planned: PlannedLayer[] = [];
    for (const [index, blob] of (layers as string[]).entries()) {
      if (!(await store.has(blob))) throw missingLayer(store, blob);
      const digestMatch = /^blobs\/(sha256)\/([a-f0-9]{64})$/.exec(blob);
      const createdBy = history[index];
      planned.push({
        index,
        blob,
        diffID: ids[index] as string,
        size: await store.size(blob),
        ...(digestMatch ? { digest: `${digestMatch[1]}:${digestMatch[2]}` } : {}),
        ...(createdBy !== undefined ? { createdBy } : {}),
      });
    }
    const manifestDigest = await dockerManifestDigest(store, entry.Config);
    return {
      name: name ?? fallbackName,
      ...(tag ? { tag } : {}),
      ...(manifestDigest ? { manifestDigest } : {}),
      imageId: `sha256:${createHash('sha256').update(configBytes).digest('hex')}`,
      platform: formatPlatform(config),
      layers: planned,
    };
  }
  throw new SourceError('PLATFORM_NOT_FOUND', `${store.path} has no image for ${platform} (found: ${seen.join(', ')})`, {
    details: { path: store.path, platform, available: seen },
  });
}

/** Recent `docker save` also writes an OCI index; its manifest digest names the image exactly. */
async function dockerManifestDigest(store: BlobStore, configName: string): Promise<string | undefined> {
  if (!(await store.has('index.json'))) return undefined;
  try {
    const plan = await planOciLayout(store, undefined, '');
    const configDigest = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(configName);
    if (configDigest && plan.imageId === `sha256:${configDigest[1]}`) return plan.manifestDigest;
  } catch {
    // The docker manifest.json is authoritative; an unusable extra index only costs the digest.
  }
  return undefined;
}

function missingLayer(store: BlobStore, blob: string): SourceError {
  return new SourceError('BLOB_MISSING', `${store.path}: layer ${blob} named by the manifest is missing`, {
    details: { path: store.path, blob },
  });
}

/**
 * Plans an OCI image layout (archive or directory): follows `index.json` through nested indexes
 * to the manifest for `platform` (or the only manifest when `platform` is undefined).
 */
export async function planOciLayout(store: BlobStore, platform: string | undefined, fallbackName: string): Promise<ImagePlan> {
  if (!(await store.has('index.json'))) {
    throw new SourceError('NOT_AN_IMAGE', `${store.path} is not an image: it has no index.json or manifest.json`, {
      details: { path: store.path },
    });
  }
  const index = await readJson<{ manifests?: unknown }>(store, 'index.json');
  const candidates: Array<{ descriptor: Descriptor; reference?: string }> = [];
  await collectManifests(store, index, undefined, candidates, 0);
  if (candidates.length === 0) throw invalid(store, 'index.json lists no image manifest');

  const want = platform === undefined ? undefined : parsePlatform(platform);
  const seen: string[] = [];
  for (const { descriptor, reference } of candidates) {
    const manifest = await readJson<{ config?: Descriptor; layers?: unknown }>(store, blobName(descriptor.digest), descriptor.digest);
    if (!isDescriptor(manifest.config) || !Array.isArray(manifest.layers) || !manifest.layers.every(isDescriptor)) {
      throw invalid(store, `manifest ${descriptor.digest} lacks a config or layers`);
    }
    const config = await readJson<ImageConfig>(store, blobName(manifest.config.digest), manifest.config.digest);
    const described = descriptor.platform ?? config;
    seen.push(formatPlatform(described));
    if (want !== undefined && candidates.length > 1 && !platformMatches(described, want)) continue;
    const layers = manifest.layers as Descriptor[];
    const ids = diffIds(store, config, layers.length);
    const history = layerHistory(config);
    const planned: PlannedLayer[] = [];
    for (const [i, layer] of layers.entries()) {
      const blob = blobName(layer.digest);
      if (!(await store.has(blob))) throw missingLayer(store, blob);
      const createdBy = history[i];
      planned.push({
        index: i,
        blob,
        diffID: ids[i] as string,
        digest: layer.digest,
        size: await store.size(blob),
        ...(layer.mediaType ? { mediaType: layer.mediaType } : {}),
        ...(createdBy !== undefined ? { createdBy } : {}),
      });
    }
    const { name, tag } = ociReference(reference, fallbackName);
    return {
      name,
      ...(tag ? { tag } : {}),
      manifestDigest: descriptor.digest,
      imageId: manifest.config.digest,
      platform: formatPlatform(config),
      layers: planned,
    };
  }
  throw new SourceError('PLATFORM_NOT_FOUND', `${store.path} has no image for ${platform} (found: ${seen.join(', ')})`, {
    details: { path: store.path, platform, available: seen },
  });
}

function isDescriptor(value: unknown): value is Descriptor {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Descriptor).digest === 'string' &&
    (value as Descriptor).digest.includes(':')
  );
}

async function collectManifests(
  store: BlobStore,
  index: { manifests?: unknown },
  inherited: string | undefined,
  out: Array<{ descriptor: Descriptor; reference?: string }>,
  depth: number,
): Promise<void> {
  if (depth > 4) throw invalid(store, 'image indexes are nested too deeply');
  if (!Array.isArray(index.manifests)) throw invalid(store, 'index has no manifests array');
  for (const descriptor of index.manifests) {
    if (!isDescriptor(descriptor)) throw invalid(store, 'index has an invalid descriptor');
    const annotations = descriptor.annotations ?? {};
    const reference =
      annotations['io.containerd.image.name'] ?? annotations['org.opencontainers.image.ref.name'] ?? inherited;
    if (descriptor.mediaType !== undefined && INDEX_TYPES.has(descriptor.mediaType)) {
      const nested = await readJson<{ manifests?: unknown }>(store, blobName(descriptor.digest), descriptor.digest);
      await collectManifests(store, nested, reference, out, depth + 1);
    } else if (descriptor.platform?.architecture === 'unknown') {
      // Attestation manifests (buildx provenance/SBOM) are not runnable images.
      continue;
    } else {
      out.push(reference === undefined ? { descriptor } : { descriptor, reference });
    }
  }
}
