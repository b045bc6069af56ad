/**
 * Reads an OCI image layout directory (index -> manifest -> config) to describe one image:
 * its layers with their diffIDs, blob digests, media types and the history that made them.
 * @module
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BuildStepError } from './quiet-run.mjs';

/** Path of a blob of an OCI layout, from its `sha256:…` digest. */
export function blobPath(layoutDir, digest) {
  const [algorithm, hex] = digest.split(':');
  if (algorithm !== 'sha256' || !/^[0-9a-f]{64}$/.test(hex ?? '')) {
    throw new BuildStepError(`unexpected digest ${digest} in ${layoutDir}`);
  }
  return path.join(layoutDir, 'blobs', 'sha256', hex);
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * Describes the image tagged `ref` in the layout at `layoutDir`.
 * @param {string} layoutDir
 * @param {string} ref value of the `org.opencontainers.image.ref.name` annotation
 */
export function describeLayoutImage(layoutDir, ref) {
  const index = readJson(path.join(layoutDir, 'index.json'));
  const entry = index.manifests?.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === ref);
  if (!entry) throw new BuildStepError(`no image tagged ${ref} in ${layoutDir}`);
  const manifest = readJson(blobPath(layoutDir, entry.digest));
  const config = readJson(blobPath(layoutDir, manifest.config.digest));
  const diffIDs = config.rootfs?.diff_ids ?? [];
  if (diffIDs.length !== manifest.layers.length) {
    throw new BuildStepError(`${layoutDir}:${ref} has ${manifest.layers.length} layers but ${diffIDs.length} diffIDs`);
  }
  const layerHistory = (config.history ?? []).filter((h) => !h.empty_layer);
  return {
    manifestDigest: entry.digest,
    imageId: manifest.config.digest,
    platform: `${config.os}/${config.architecture}${config.variant ? `/${config.variant}` : ''}`,
    layers: manifest.layers.map((layer, index) => ({
      index,
      diffID: diffIDs[index],
      digest: layer.digest,
      mediaType: layer.mediaType,
      size: layer.size,
      createdBy: layerHistory[index]?.created_by,
    })),
  };
}
