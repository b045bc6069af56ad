#!/usr/bin/env node
/**
 * The floor of an SBOM from a registry: pull every layer blob of one image manifest over plain
 * HTTP, one after the other, decompress each (gzip or zstd, by its media type) and discard the
 * bytes. Run as its own process so that it is timed as sealkit is, start-up included.
 *
 * Usage: node bench/lib/pull-layers.mjs http://HOST/v2/REPO DIGEST
 * @module
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

const [base, digest] = process.argv.slice(2);
const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
const response = await fetch(`${base}/manifests/${digest}`, { headers: { accept } });
if (!response.ok) throw new Error(`manifest ${digest}: HTTP ${response.status}`);
const manifest = await response.json();
let bytes = 0;
for (const layer of manifest.layers) {
  const blob = await fetch(`${base}/blobs/${layer.digest}`);
  if (!blob.ok || blob.body === null) throw new Error(`blob ${layer.digest}: HTTP ${blob.status}`);
  const decompress = /zstd/.test(layer.mediaType) ? [zlib.createZstdDecompress()] : /gzip/.test(layer.mediaType) ? [zlib.createGunzip()] : [];
  await pipeline(Readable.fromWeb(blob.body), ...decompress, new Writable({ write: (chunk, _encoding, done) => ((bytes += chunk.length), done()) }));
}
process.stdout.write(`${bytes}\n`);
