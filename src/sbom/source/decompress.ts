/**
 * Layer blobs may be plain tar, gzip or zstd; media types lie often enough (docker-archive
 * layers say nothing at all) that the first bytes decide.
 * @module
 */
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress } from 'fzstd';

export type Compression = 'none' | 'gzip' | 'zstd';

// Larger output chunks mean fewer hand-offs to the tar parser per megabyte.
const OUTPUT_CHUNK = 256 * 1024;

/** Detects the compression of a blob from its first bytes. */
export function sniffCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/** A decompressing transform for `compression`, or undefined for plain data. */
export function createDecompressor(compression: Compression): Transform | undefined {
  switch (compression) {
    case 'gzip':
      return zlib.createGunzip({ chunkSize: OUTPUT_CHUNK });
    case 'zstd':
      // zlib gained zstd in Node 22.15; older 22.x lines fall back to the pure-JS decoder.
      return typeof zlib.createZstdDecompress === 'function'
        ? zlib.createZstdDecompress({ chunkSize: OUTPUT_CHUNK })
        : new PureZstdDecompress();
    case 'none':
      return undefined;
  }
}

class PureZstdDecompress extends Transform {
  private readonly decoder = new Decompress((chunk) => {
    this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.decoder.push(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}
