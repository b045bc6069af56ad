/**
 * Image sources: a `docker save` archive, an OCI archive or an OCI layout directory.
 * The container is indexed, the image planned, then every layer streamed once in order into a
 * {@link LayeredTree}. A second, narrower pass runs only when a link led to a file nobody asked for.
 * @module
 */
import { basename } from 'node:path';
import { throwIfAborted } from '../../errors.js';
import type { SourceDescription } from '../model.js';
import { openDirectoryStore, openTarStore, type BlobStore } from './blob-store.js';
import { planDockerArchive, planOciLayout, type ImagePlan } from './image-plan.js';
import { Capturer } from './capture.js';
import { LayeredTree, parentOf } from './layered-tree.js';
import { streamLayer, type EntryVisitor } from './layer-stream.js';
import type { ScanOptions, ScannedSource } from './scanned-source.js';
import type { TarSink } from './tar-parser.js';

/** Files fetched by the second pass (link targets) are metadata too; cap them the same way. */
export const FETCH_MAX_BYTES = 64 * 1024 * 1024;

export type ImageScheme = 'docker-archive' | 'oci-archive' | 'oci-dir';

/** Opens the container of an image source. */
export async function openImageStore(scheme: ImageScheme, path: string): Promise<BlobStore> {
  return scheme === 'oci-dir' ? openDirectoryStore(path) : openTarStore(path);
}

/** Scans an image; `store` is closed when this returns or throws. */
export async function scanImage(
  scheme: ImageScheme,
  path: string,
  store: BlobStore,
  options: ScanOptions,
): Promise<ScannedSource> {
  try {
    const fallbackName = basename(path).replace(/\.(tar|oci)$/, '');
    const plan =
      scheme === 'docker-archive'
        ? await planDockerArchive(store, options.platform, fallbackName)
        : await planOciLayout(store, options.platform, fallbackName);
    const tree = new LayeredTree(
      plan.layers.map((layer) => layer.diffID),
      options.selection,
      options.limits,
      { releaseHidden: options.releaseHidden === true },
    );
    await firstPass(store, plan, new Capturer(tree, options.spill), options);
    return {
      kind: 'image',
      description: describe(scheme, path, plan),
      tree,
      fetchMissing: () => fetchMissing(store, plan, tree, options),
      close: () => store.close(),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** The SBOM's description of an image planned from `location`. */
export function describe(scheme: ImageScheme, location: string, plan: ImagePlan): SourceDescription {
  return {
    kind: 'image',
    scheme,
    location,
    name: plan.name,
    ...(plan.tag ? { tag: plan.tag } : {}),
    ...(plan.manifestDigest ? { manifestDigest: plan.manifestDigest } : {}),
    imageId: plan.imageId,
    platform: plan.platform,
    layers: plan.layers.map(({ blob: _blob, ...layer }) => layer),
  };
}

async function firstPass(store: BlobStore, plan: ImagePlan, capturer: Capturer, options: ScanOptions): Promise<void> {
  const totalBytes = plan.layers.reduce((sum, layer) => sum + (layer.size ?? 0), 0);
  let bytesRead = 0;
  for (const layer of plan.layers) {
    throwIfAborted(options.signal);
    options.onProgress?.({ phase: 'layers', layer: layer.index + 1, layers: plan.layers.length, bytesRead, bytesTotal: totalBytes });
    await streamLayer(
      store,
      layer,
      { entry: (entry) => capturer.sink(layer.index, entry) },
      {
        ...(options.signal ? { signal: options.signal } : {}),
        onBytes: (bytes) => {
          bytesRead += bytes;
          options.onProgress?.({ phase: 'layers', layer: layer.index + 1, layers: plan.layers.length, bytesRead, bytesTotal: totalBytes });
        },
      },
    );
  }
}

/** Streams the layers again for the paths views found missing. Returns false when none were. */
async function fetchMissing(store: BlobStore, plan: ImagePlan, tree: LayeredTree, options: ScanOptions): Promise<boolean> {
  const request = takeMissing(tree);
  if (request === undefined) return false;
  for (const layer of plan.layers) {
    throwIfAborted(options.signal);
    await streamLayer(store, layer, fetchVisitor(tree, layer.index, request), { ...(options.signal ? { signal: options.signal } : {}), verify: false });
  }
  for (const path of request.wanted) tree.searched.add(path);
  return true;
}

/** Paths a second pass over the layers looks for, and the folders on their way. */
export interface MissingRequest {
  wanted: Set<string>;
  ancestors: Set<string>;
}

/** Takes the paths the views found missing out of `tree`; undefined when there are none. */
export function takeMissing(tree: LayeredTree): MissingRequest | undefined {
  if (tree.missing.size === 0) return undefined;
  const wanted = new Set(tree.missing);
  tree.missing.clear();
  const ancestors = new Set<string>();
  for (const path of wanted) for (let dir = parentOf(path); dir !== ''; dir = parentOf(dir)) ancestors.add(dir);
  return { wanted, ancestors };
}

/** What a second pass keeps of layer `index`: the wanted files, each in memory up to {@link FETCH_MAX_BYTES}. */
export function fetchVisitor(tree: LayeredTree, index: number, { wanted, ancestors }: MissingRequest): EntryVisitor {
  return {
    entry: (entry) => {
      if (!tree.recordFetch(index, entry, wanted, ancestors)) return undefined;
      if (entry.size <= FETCH_MAX_BYTES) return memorySink(entry.size, (content) => tree.capture(index, entry.path, content));
      tree.warn('FILE_TOO_LARGE', `skipped /${entry.path}: ${entry.size} bytes is over the ${FETCH_MAX_BYTES}-byte limit`, entry.path, index);
      return undefined;
    },
  };
}

/** A sink that keeps a file's `size` bytes in memory and hands them over at its end. */
export function memorySink(size: number, done: (content: Buffer) => void): TarSink {
  const content = Buffer.allocUnsafe(size);
  let fill = 0;
  return {
    write: (data) => {
      data.copy(content, fill);
      fill += data.length;
      return true;
    },
    end: () => done(content),
  };
}
