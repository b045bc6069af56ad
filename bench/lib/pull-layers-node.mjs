#!/usr/bin/env node
/**
 * The floor of an SBOM from a registry, over `node:http`: every layer blob of one image manifest
 * fetched over plain HTTP, one after the other, piped through gunzip or zstd and discarded.
 * The same work as pull-layers.mjs without fetch's web streams, and with the 128 KiB output chunks
 * that sealkit's decoder uses, so that the floor is as fast as Node pulls and inflates a layer.
 * Run as its own process so that it is timed as sealkit is, start-up included.
 *
 * Usage: node bench/lib/pull-layers-node.mjs http://HOST/v2/REPO DIGEST
 * @module
 */
import http from 'node:http';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

const [base, digest] = process.argv.slice(2);
const OUTPUT_CHUNK = 128 * 1024;
const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

/** @returns {Promise<import('node:http').IncomingMessage>} */
function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers }, resolve);
    request.on('error', reject);
  });
}

const response = await get(`${base}/manifests/${digest}`, { accept });
if (response.statusCode !== 200) throw new Error(`manifest ${digest}: HTTP ${response.statusCode}`);
const parts = [];
for await (const chunk of response) parts.push(chunk);
const manifest = JSON.parse(Buffer.concat(parts).toString('utf8'));
let bytes = 0;
for (const layer of manifest.layers) {
  const blob = await get(`${base}/blobs/${layer.digest}`);
  if (blob.statusCode !== 200) throw new Error(`blob ${layer.digest}: HTTP ${blob.statusCode}`);
  const decompress = /zstd/.test(layer.mediaType) ? [zlib.createZstdDecompress({ chunkSize: OUTPUT_CHUNK })]
    : /gzip/.test(layer.mediaType) ? [zlib.createGunzip({ chunkSize: OUTPUT_CHUNK })]
    : [];
  await pipeline(blob, ...decompress, new Writable({ write: (chunk, _encoding, done) => ((bytes += chunk.length), done()) }));
}
process.stdout.write(`${bytes}\n`);
