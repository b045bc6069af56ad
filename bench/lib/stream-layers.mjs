#!/usr/bin/env node
/**
 * A second floor, run as its own process: streams every layer's byte range out of an image
 * archive through Node's own zlib (the inflate sealkit itself uses), discarding the output.
 * GNU gzip inflates more slowly than zlib, so this floor is the stricter of the two.
 *
 * Usage: node stream-layers.mjs <docker-archive|oci-archive|oci-dir> <archive>
 * @module
 */
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { layerRanges } from './image-layers.mjs';

const [scheme, archive] = process.argv.slice(2);
if (!scheme || !archive) {
  process.stderr.write('usage: stream-layers.mjs <docker-archive|oci-archive|oci-dir> <archive>\n');
  process.exit(2);
}
let bytes = 0;
for (const range of layerRanges(scheme, archive)) {
  if (range.compression === 'zstd') throw new Error('zstd layers have no Node floor');
  const source = createReadStream(range.file, { start: range.offset, end: range.offset + range.size - 1, highWaterMark: 1 << 20 });
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      bytes += chunk.length;
      callback();
    },
  });
  // Large output chunks: the default 16 KiB ones make zlib streams slower than the work itself.
  if (range.compression === 'gzip') await pipeline(source, createGunzip({ chunkSize: 1 << 20 }), sink);
  else await pipeline(source, sink);
}
if (bytes === 0) throw new Error(`no layer bytes streamed from ${archive}`);
