/**
 * Where each layer blob of an image archive lies: the file, the byte range inside it and
 * its compression, for docker-archive and OCI archive tarballs and OCI layout folders.
 * @module
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { tarMembers } from './tar-members.mjs';

function readRange(file, offset, size) {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(size);
    readSync(fd, buffer, 0, size, offset);
    return buffer;
  } finally {
    closeSync(fd);
  }
}

function compressionOf(file, offset) {
  const magic = readRange(file, offset, 4);
  if (magic[0] === 0x1f && magic[1] === 0x8b) return 'gzip';
  if (magic.equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
  return 'none';
}

function ociLayers(readBlob) {
  const index = JSON.parse(readBlob('index.json'));
  let manifest = JSON.parse(readBlob(`blobs/sha256/${index.manifests[0].digest.slice(7)}`));
  // a nested index (multi-platform): take its first manifest
  if (Array.isArray(manifest.manifests)) manifest = JSON.parse(readBlob(`blobs/sha256/${manifest.manifests[0].digest.slice(7)}`));
  return manifest.layers.map((layer) => `blobs/sha256/${layer.digest.slice(7)}`);
}

/**
 * The layer blobs of the image in `archive`, in order.
 * @param {'docker-archive' | 'oci-archive' | 'oci-dir'} scheme
 * @param {string} archive
 * @returns {{ file: string, offset: number, size: number, compression: 'gzip' | 'zstd' | 'none' }[]}
 */
export function layerRanges(scheme, archive) {
  if (scheme === 'oci-dir') {
    return ociLayers((name) => readFileSync(path.join(archive, name), 'utf8')).map((name) => {
      const file = path.join(archive, name);
      return { file, offset: 0, size: statSync(file).size, compression: compressionOf(file, 0) };
    });
  }
  const members = new Map(tarMembers(archive).map((member) => [member.name, member]));
  const member = (name) => {
    const found = members.get(name);
    if (!found) throw new Error(`${archive} has no member ${name}`);
    return found;
  };
  const read = (name) => {
    const { offset, size } = member(name);
    return readRange(archive, offset, size).toString('utf8');
  };
  const names = scheme === 'oci-archive' ? ociLayers(read) : JSON.parse(read('manifest.json'))[0].Layers;
  return names.map((name) => {
    const { offset, size } = member(name);
    return { file: archive, offset, size, compression: compressionOf(archive, offset) };
  });
}
