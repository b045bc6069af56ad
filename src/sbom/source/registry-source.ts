/**
 * Images read from an OCI registry (`registry:host/repo:tag`, `host/repo@sha256:…`), with no
 * daemon and nothing written to disk: the reference is resolved to its image manifest (an index
 * is followed to the platform asked for), the config is read, and each layer blob streams from
 * the registry straight into the same layer reader and capture as an archive's layers.
 *
 * The registry client checks every blob against its digest as it streams. A layer is always read
 * to its last byte, so that a blob which does not hash to its digest fails the scan even when its
 * tar stream ended early; and a layer that cannot be parsed is read to its end too, so that a
 * blob altered in the registry is reported as what it is (`REGISTRY_DIGEST_MISMATCH`), not as a
 * corrupt layer.
 * @module
 */
import { SealkitError, SourceError, throwIfAborted } from '../../errors.js';
import { RegistryClient, parseReference, type ImageReference, type RegistryClientOptions } from '../../registry/index.js';
import type { FetchedManifest } from '../../registry/types.js';
import type { SourceDescription } from '../model.js';
import { peek } from './archive-input.js';
import { blobName, type BlobStore } from './blob-store.js';
import { Capturer } from './capture.js';
import { sniffCompression } from './decompress.js';
import { planOciLayout, type ImagePlan, type PlannedLayer } from './image-plan.js';
import { fetchVisitor, takeMissing } from './image.js';
import { LayeredTree } from './layered-tree.js';
import { readLayer, type EntryVisitor } from './layer-stream.js';
import type { ScanOptions, ScannedSource } from './scanned-source.js';

/** The largest image config read, in bytes: configs are kilobytes; registries cap manifests at 4 MiB. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** Parse errors that a blob altered in the registry may cause; its digest then decides what is reported. */
const CORRUPTION_CODES = new Set(['LAYER_CORRUPT', 'LAYER_PATH_ESCAPE']);

/** Options of {@link scanRegistry}: how a source scans, and how the registry is spoken to. */
export interface RegistryScanOptions extends ScanOptions {
  /** Credentials, plain HTTP, retries and the like; `signal` here and in the scan options both cancel. */
  registry?: RegistryClientOptions;
}

/**
 * Scans the image `reference` names (`host/repository[:tag][@digest]`, without a `registry:`
 * prefix). `location` is the source as the caller gave it, recorded in the description.
 * @throws {@link SealkitError} `REGISTRY_*` codes from the client (unauthorized, not found,
 *   digest mismatch…), `PLATFORM_NOT_FOUND`, `MANIFEST_INVALID`, `LAYER_CORRUPT`, `ABORTED`.
 */
export async function scanRegistry(location: string, reference: string, options: RegistryScanOptions): Promise<ScannedSource> {
  const ref = parseReference(reference);
  throwIfAborted(options.signal);
  const client = new RegistryClient(clientOptions(options));
  const { manifest, index } = await imageManifest(client, ref, options.platform);
  const plan = await planImage(client, ref, manifest);
  const tree = new LayeredTree(
    plan.layers.map((layer) => layer.diffID),
    options.selection,
    options.limits,
    { releaseHidden: options.releaseHidden === true },
  );
  await firstPass(client, ref, plan, new Capturer(tree, options.spill), options);
  return {
    kind: 'image',
    description: describeRegistryImage(location, ref, plan, index?.digest),
    tree,
    fetchMissing: () => fetchMissing(client, ref, plan, tree, options),
    close: async () => undefined,
  };
}

/**
 * The SBOM's description of an image pulled from a registry. `manifestDigest` is the digest of
 * the image manifest scanned (the platform's, when the reference named an index); `indexDigest`
 * is the index's, when there was one. Both name the image immutably, whatever its tag says later.
 */
export function describeRegistryImage(location: string, ref: ImageReference, plan: ImagePlan, indexDigest?: string): SourceDescription {
  return {
    kind: 'image',
    scheme: 'registry',
    location,
    name: ref.name,
    ...(ref.tag !== undefined ? { tag: ref.tag } : {}),
    ...(plan.manifestDigest !== undefined ? { manifestDigest: plan.manifestDigest } : {}),
    ...(indexDigest !== undefined ? { indexDigest } : {}),
    imageId: plan.imageId,
    platform: plan.platform,
    layers: plan.layers.map(({ blob: _blob, ...layer }) => layer),
  };
}

/**
 * True when `text`, given without a scheme, reads as an image reference rather than a path: it
 * parses as one, and either pins a digest (`repo@sha256:…`) or starts with a registry host that
 * has a dot or a port, or is `localhost` (`ghcr.io/org/app:1.0`, `127.0.0.1:5000/app`). Whether
 * a file of that name exists is the caller's to check first.
 */
export function looksLikeImageReference(text: string): boolean {
  if (/^[./~]/.test(text)) return false;
  const slash = text.indexOf('/');
  const first = slash > 0 ? text.slice(0, slash) : '';
  const namesHost = first === 'localhost' || first.includes('.') || first.includes(':');
  if (!namesHost && !/@sha(256|512):/.test(text)) return false;
  try {
    parseReference(text);
    return true;
  } catch {
    return false;
  }
}

function clientOptions(options: RegistryScanOptions): RegistryClientOptions {
  const given = options.registry ?? {};
  const signals = [given.signal, options.signal].filter((signal): signal is AbortSignal => signal !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  return { ...given, ...(signal !== undefined ? { signal } : {}) };
}

/** The image manifest for `platform`; a platform the index lacks is named with the reference. */
async function imageManifest(client: RegistryClient, ref: ImageReference, platform: string): Promise<{ manifest: FetchedManifest; index?: FetchedManifest }> {
  let found: { manifest: FetchedManifest; index?: FetchedManifest };
  try {
    found = await client.getImageManifest(ref, { platform });
  } catch (error) {
    if (error instanceof SealkitError && error.code === 'PLATFORM_NOT_FOUND') {
      throw new SourceError('PLATFORM_NOT_FOUND', `${ref.registry}: ${ref.toString()}: ${error.message}`, {
        cause: error,
        details: { ...error.details, registry: ref.registry, reference: ref.toString() },
      });
    }
    throw error;
  }
  const index = found.index?.manifest;
  const entry = index?.kind === 'index' ? index.manifests.find((d) => d.digest === found.manifest.digest) : undefined;
  // The SBOMs and provenance a build attaches to an index are no image, whatever is asked for.
  if (entry !== undefined && (entry.platform?.architecture === 'unknown' || entry.annotations?.['vnd.docker.reference.type'] !== undefined)) {
    throw new SourceError('PLATFORM_NOT_FOUND', `${ref.registry}: ${ref.toString()}: the index entry for ${platform} is an attestation manifest, not an image`, {
      details: { registry: ref.registry, reference: ref.toString(), platform },
    });
  }
  return found;
}

/**
 * Plans the image as an OCI layout holding this one manifest: the same checks (diffIDs against
 * layers, digests of the documents) and the same layer records as an archive's image get.
 */
async function planImage(client: RegistryClient, ref: ImageReference, fetched: FetchedManifest): Promise<ImagePlan> {
  if (fetched.manifest.kind !== 'manifest') throw new SourceError('MANIFEST_INVALID', `${ref.registry}: ${ref.toString()} is not an image manifest`);
  const { config, layers } = fetched.manifest;
  const documents = new Map<string, Buffer>();
  const layerSizes = new Map<string, number>();
  const label = ref.withDigest(fetched.digest).toString();
  documents.set('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: fetched.mediaType, digest: fetched.digest, size: fetched.size }] })));
  documents.set(blobName(fetched.digest), fetched.bytes);
  documents.set(blobName(config.digest), await client.readBlob(ref, config, MAX_CONFIG_BYTES));
  for (const layer of layers) layerSizes.set(blobName(layer.digest), layer.size);
  const store: BlobStore = {
    path: label,
    has: async (name) => documents.has(name) || layerSizes.has(name),
    size: async (name) => documents.get(name)?.length ?? layerSizes.get(name) ?? 0,
    read: async (name) => {
      const data = documents.get(name);
      if (data === undefined) throw new SourceError('MANIFEST_INVALID', `${label}: ${name} is not a document of the image`);
      return data;
    },
    head: async () => {
      throw new Error('layers of a registry image are streamed from the registry');
    },
    // eslint-disable-next-line require-yield
    chunks: async function* () {
      throw new Error('layers of a registry image are streamed from the registry');
    },
    close: async () => undefined,
  };
  return planOciLayout(store, undefined, ref.name);
}

/** Streams every layer once, in order, into the capture. */
async function firstPass(client: RegistryClient, ref: ImageReference, plan: ImagePlan, capturer: Capturer, options: ScanOptions): Promise<void> {
  const bytesTotal = plan.layers.reduce((sum, layer) => sum + (layer.size ?? 0), 0);
  let bytesRead = 0;
  for (const layer of plan.layers) {
    throwIfAborted(options.signal);
    const report = () => options.onProgress?.({ phase: 'layers', layer: layer.index + 1, layers: plan.layers.length, bytesRead, bytesTotal });
    report();
    await streamRegistryLayer(client, ref, layer, { entry: (entry) => capturer.sink(layer.index, entry) }, options.signal, (bytes) => {
      bytesRead += bytes;
      report();
    });
  }
}

/** Streams the layers again for the paths views found missing (link targets). False when none were. */
async function fetchMissing(client: RegistryClient, ref: ImageReference, plan: ImagePlan, tree: LayeredTree, options: ScanOptions): Promise<boolean> {
  const request = takeMissing(tree);
  if (request === undefined) return false;
  for (const layer of plan.layers) {
    throwIfAborted(options.signal);
    await streamRegistryLayer(client, ref, layer, fetchVisitor(tree, layer.index, request), options.signal);
  }
  for (const path of request.wanted) tree.searched.add(path);
  return true;
}

/**
 * Reads one layer blob from the registry through the layer reader. The blob is read to its end
 * whatever the tar stream does, so that the client's digest check always runs.
 */
async function streamRegistryLayer(
  client: RegistryClient,
  ref: ImageReference,
  layer: PlannedLayer,
  visitor: EntryVisitor,
  signal: AbortSignal | undefined,
  onBytes?: (bytes: number) => void,
): Promise<void> {
  const digest = layer.digest as string;
  const label = `layer ${layer.index} (${layer.diffID}) of ${ref.withDigest(digest).toString()}`;
  const blob = heldOpen(client.blob(ref, { digest, size: layer.size ?? 0 }));
  try {
    const { head, chunks } = await peek(blob.chunks, 4);
    await readLayer(chunks, sniffCompression(head), label, visitor, {
      ...(signal !== undefined ? { signal } : {}),
      ...(onBytes !== undefined ? { onBytes } : {}),
    });
    await blob.drain();
  } catch (error) {
    if (error instanceof SealkitError && CORRUPTION_CODES.has(error.code)) {
      const mismatch = await blob.drain().then(
        () => undefined,
        (drained: unknown) => (drained instanceof SealkitError && drained.code === 'REGISTRY_DIGEST_MISMATCH' ? drained : undefined),
      );
      if (mismatch !== undefined) throw mismatch;
    }
    throw error;
  } finally {
    await blob.close();
  }
}

/**
 * `source` as chunks whose consumer cannot close it: when a reader stops early (the tar stream
 * ended, or failed), the rest can still be drained through the same response, and the source is
 * closed only by `close`.
 */
function heldOpen(source: AsyncGenerator<Buffer>): { chunks: AsyncIterable<Buffer>; drain(): Promise<void>; close(): Promise<void> } {
  return {
    chunks: { [Symbol.asyncIterator]: () => ({ next: () => source.next() }) },
    async drain() {
      for (;;) {
        const result = await source.next();
        if (result.done === true) return;
      }
    },
    async close() {
      await source.return(undefined);
    },
  };
}
