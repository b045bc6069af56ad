/**
 * Layer decompression. Layer blobs may be plain tar, gzip or zstd; media types lie often enough
 * (docker-archive layers say nothing at all) that the first bytes decide.
 *
 * Output chunks are views into one reused buffer, valid until the consumer asks for the next:
 * a layer of any size decompresses with a fixed amount of memory instead of leaving hundreds of
 * megabytes of short-lived buffers for the garbage collector. That uses the synchronous entry
 * point under Node's zlib streams; where a Node release lacks it, the public streaming API is used.
 * @module
 */
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress } from 'fzstd';

export type Compression = 'none' | 'gzip' | 'zstd';

const OUTPUT_CHUNK = 128 * 1024;

/** Detects the compression of a blob from its first bytes. */
export function sniffCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/** The parts of a Node zlib stream its own synchronous path (`zlib.*Sync`) relies on. */
interface SyncCapable {
  _handle: {
    writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
    onerror: (message: string, errno: number, code?: string) => void;
  };
  _writeState: Uint32Array;
  _defaultFlushFlag: number;
  _finishFlushFlag: number;
  destroy(): void;
}

function isSyncCapable(stream: unknown): stream is SyncCapable {
  // undefined where this Node's zlib has no decoder for the format (zstd before Node 22.15)
  const s = stream as Partial<SyncCapable> | undefined;
  return (
    typeof s?._handle?.writeSync === 'function' &&
    s._writeState instanceof Uint32Array &&
    typeof s._defaultFlushFlag === 'number' &&
    typeof s._finishFlushFlag === 'number'
  );
}

function createNodeDecoder(compression: 'gzip' | 'zstd'): zlib.Gunzip | zlib.ZstdDecompress | undefined {
  if (compression === 'gzip') return zlib.createGunzip();
  return typeof zlib.createZstdDecompress === 'function' ? zlib.createZstdDecompress() : undefined;
}

/** True when this Node offers the fixed-memory decompression path (a test guards it). */
export function hasFixedMemoryDecoder(compression: 'gzip' | 'zstd'): boolean {
  const decoder = createNodeDecoder(compression);
  const capable = isSyncCapable(decoder);
  decoder?.destroy();
  return capable;
}

/**
 * Decompresses `raw` (chunks of a blob) into a sequence of output chunks. Each yielded chunk
 * may be overwritten once the consumer resumes the iteration: copy what must be kept.
 */
export async function* decompressChunks(raw: AsyncIterable<Buffer>, compression: Compression): AsyncGenerator<Buffer> {
  if (compression === 'none') {
    yield* raw;
    return;
  }
  const decoder = createNodeDecoder(compression);
  if (isSyncCapable(decoder)) {
    yield* fixedMemory(raw, decoder);
    return;
  }
  decoder?.destroy();
  if (compression === 'gzip') yield* Readable.from(raw).pipe(zlib.createGunzip({ chunkSize: OUTPUT_CHUNK }));
  else yield* pureZstd(raw);
}

async function* fixedMemory(raw: AsyncIterable<Buffer>, decoder: SyncCapable): AsyncGenerator<Buffer> {
  const out = Buffer.allocUnsafe(OUTPUT_CHUNK);
  const state = decoder._writeState;
  const handle = decoder._handle;
  let failure: Error | undefined;
  handle.onerror = (message, errno, code) => {
    failure = Object.assign(new Error(message), { errno, code });
  };
  // Mirrors Node's own synchronous loop: keep calling while the output buffer comes back full.
  function* run(input: Buffer, flush: number): Generator<Buffer> {
    let inOff = 0;
    let inLen = input.length;
    for (;;) {
      handle.writeSync(flush, input, inOff, inLen, out, 0, out.length);
      if (failure) throw failure;
      const availOut = state[0] as number;
      const availIn = state[1] as number;
      if (availOut < out.length) yield out.subarray(0, out.length - availOut);
      inOff += inLen - availIn;
      inLen = availIn;
      if (availOut !== 0) return;
    }
  }
  try {
    for await (const chunk of raw) yield* run(chunk, decoder._defaultFlushFlag);
    yield* run(Buffer.alloc(0), decoder._finishFlushFlag);
  } finally {
    decoder.destroy();
  }
}

/** zstd for Node lines whose zlib has no zstd (22.12 to 22.14). */
async function* pureZstd(raw: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pending: Uint8Array[] = [];
  const decoder = new Decompress((chunk) => pending.push(chunk));
  const drain = function* (): Generator<Buffer> {
    const ready = pending;
    pending = [];
    for (const chunk of ready) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  };
  for await (const chunk of raw) {
    decoder.push(chunk);
    yield* drain();
  }
  decoder.push(new Uint8Array(0), true);
  yield* drain();
}
