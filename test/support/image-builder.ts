/**
 * Builds small image archives in tests: layers from entry lists (files, links, whiteouts),
 * packed with tar-stream and compressed with zlib, written as docker-archive, OCI archive or
 * OCI layout. Real images are covered by the e2e test; these exercise the edge cases.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import type { BlobStore } from '../../src/sbom/source/blob-store.js';
import type { PlannedLayer } from '../../src/sbom/source/image-plan.js';

export type TestEntry =
  | { path: string; content: string | Buffer; mode?: number }
  | { path: string; symlink: string }
  | { path: string; hardlink: string }
  | { path: string; dir: true }
  | { path: string; fifo: true };

export type Compression = 'none' | 'gzip' | 'zstd';

/** A tar archive of `entries`, in order. */
export async function tarOf(entries: readonly TestEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (chunk) => chunks.push(chunk as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const entry of entries) {
    if ('content' in entry) {
      const content = typeof entry.content === 'string' ? Buffer.from(entry.content) : entry.content;
      pack.entry({ name: entry.path, mode: entry.mode ?? 0o644, size: content.length }, content);
    } else if ('symlink' in entry) {
      pack.entry({ name: entry.path, type: 'symlink', linkname: entry.symlink });
    } else if ('hardlink' in entry) {
      pack.entry({ name: entry.path, type: 'link', linkname: entry.hardlink });
    } else if ('dir' in entry) {
      pack.entry({ name: entry.path, type: 'directory', mode: 0o755 });
    } else {
      pack.entry({ name: entry.path, type: 'fifo' });
    }
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function compress(data: Buffer, compression: Compression): Buffer {
  if (compression === 'gzip') return zlib.gzipSync(data);
  if (compression === 'zstd') return zlib.zstdCompressSync(data);
  return data;
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export interface TestLayer {
  entries?: readonly TestEntry[];
  /** Raw layer bytes, used as-is (for corrupt layers). */
  raw?: Buffer;
  /** diffID to record; defaults to the real one. */
  diffID?: string;
  compression?: Compression;
}

export interface TestImage {
  layers: readonly TestLayer[];
  os?: string;
  architecture?: string;
  variant?: string;
  tag?: string;
}

interface BuiltLayer {
  blob: Buffer;
  digest: string;
  diffID: string;
  mediaType: string;
}

async function buildLayer(layer: TestLayer): Promise<BuiltLayer> {
  const compression = layer.compression ?? 'gzip';
  const plain = layer.raw ?? (await tarOf(layer.entries ?? []));
  const blob = layer.raw ?? compress(plain, compression);
  const suffix = compression === 'none' ? '' : compression === 'gzip' ? '+gzip' : '+zstd';
  return { blob, digest: sha256(blob), diffID: layer.diffID ?? sha256(plain), mediaType: `application/vnd.oci.image.layer.v1.tar${suffix}` };
}

function configOf(image: TestImage, layers: readonly BuiltLayer[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: image.architecture ?? 'amd64',
      os: image.os ?? 'linux',
      ...(image.variant ? { variant: image.variant } : {}),
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
      history: layers.map((_, i) => ({ created_by: `step ${i}` })),
    }),
  );
}

/** Files of an OCI image layout holding `images` (several make a multi-platform index). */
export async function ociLayoutFiles(images: readonly TestImage[]): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const manifests = [];
  for (const image of images) {
    const layers = await Promise.all(image.layers.map(buildLayer));
    const config = configOf(image, layers);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
        layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.blob.length })),
      }),
    );
    for (const blob of [config, manifest, ...layers.map((l) => l.blob)]) files.set(`blobs/sha256/${sha256(blob).slice(7)}`, blob);
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha256(manifest),
      size: manifest.length,
      platform: { os: image.os ?? 'linux', architecture: image.architecture ?? 'amd64', ...(image.variant ? { variant: image.variant } : {}) },
      annotations: { 'org.opencontainers.image.ref.name': image.tag ?? 'latest' },
    });
  }
  files.set('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  files.set('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests })));
  return files;
}

/** Files of a `docker save` archive of one image (uncompressed layers unless told otherwise). */
export async function dockerArchiveFiles(image: TestImage, name = 'example/app:1.0'): Promise<Map<string, Buffer>> {
  const layers = await Promise.all(image.layers.map((l) => buildLayer({ compression: 'none', ...l })));
  const config = configOf(image, layers);
  const configName = `${sha256(config).slice(7)}.json`;
  const files = new Map<string, Buffer>();
  files.set(configName, config);
  const layerNames = layers.map((layer, i) => {
    const name = `layer${i}/layer.tar`;
    files.set(name, layer.blob);
    return name;
  });
  files.set('manifest.json', Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [name], Layers: layerNames }])));
  return files;
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'sealkit-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes `files` as a tar archive at `path`. */
export async function writeTar(path: string, files: Map<string, Buffer>): Promise<string> {
  await writeFile(path, await tarOf([...files].map(([name, content]) => ({ path: name, content }))));
  return path;
}

/** Writes `files` as a directory tree under `root`. */
export async function writeTree(root: string, files: Map<string, Buffer>): Promise<string> {
  for (const [name, content] of files) {
    const path = join(root, name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, content);
  }
  return root;
}

/** One raw ustar header block, for streaming archives too large to build in memory. */
export function tarHeader(name: string, size: number, type: '0' | '2' | '5' = '0', linkName = ''): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  block.write('00000000000\0', 136, 'latin1');
  block.write('        ', 148, 'latin1');
  block.write(type, 156, 'latin1');
  block.write(linkName, 157, 100, 'utf8');
  block.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

/** Zero padding that completes a member of `size` bytes to a whole block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((512 - (size % 512)) % 512);
}

/**
 * Writes an OCI layout whose single layer is the tar stream `tarChunks`, gzip-compressed on the
 * way to disk, so tests can build multi-gigabyte layers without holding them.
 */
export async function writeStreamedLayout(root: string, tarChunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<string> {
  const { createWriteStream } = await import('node:fs');
  const { rename } = await import('node:fs/promises');
  const { pipeline } = await import('node:stream/promises');
  const { Readable, Transform } = await import('node:stream');
  await mkdir(join(root, 'blobs/sha256'), { recursive: true });
  const diff = createHash('sha256');
  const blobHash = createHash('sha256');
  let blobSize = 0;
  const temp = join(root, 'blobs/sha256/layer.tmp');
  await pipeline(
    Readable.from(tarChunks),
    new Transform({
      transform(chunk: Buffer, _e, cb) {
        diff.update(chunk);
        cb(null, chunk);
      },
    }),
    zlib.createGzip({ level: 1 }),
    new Transform({
      transform(chunk: Buffer, _e, cb) {
        blobHash.update(chunk);
        blobSize += chunk.length;
        cb(null, chunk);
      },
    }),
    createWriteStream(temp),
  );
  const digest = `sha256:${blobHash.digest('hex')}`;
  await rename(temp, join(root, `blobs/sha256/${digest.slice(7)}`));
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${diff.digest('hex')}`] } }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: blobSize }],
    }),
  );
  const files = new Map<string, Buffer>([
    [`blobs/sha256/${sha256(config).slice(7)}`, config],
    [`blobs/sha256/${sha256(manifest).slice(7)}`, manifest],
    ['oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}')],
    [
      'index.json',
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length }],
        }),
      ),
    ],
  ]);
  return writeTree(root, files);
}

/** The ELF magic number: what executable catalogers select files by. */
export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/**
 * `size` bytes (at least 64) that start with the ELF magic number and carry `marker` right after
 * it and again in the last 32 bytes, with deterministic incompressible filler between, so a test
 * can check a file read back through random access, start and end, against what was written.
 */
export function executableLike(size: number, marker: string): Buffer {
  if (size < 64) throw new RangeError('executableLike needs at least 64 bytes');
  const data = Buffer.alloc(size);
  let state = 0x9e3779b9 ^ size;
  for (let i = 0; i < size; i += 4) {
    // xorshift32: cheap, repeatable, and gzip cannot shrink it
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    data.writeUInt32LE(state >>> 0, i - (i + 4 > size ? i + 4 - size : 0));
  }
  ELF_MAGIC.copy(data, 0);
  data.fill(0x20, 4, 32);
  data.write(marker.slice(0, 28), 4, 'latin1');
  data.fill(0x20, size - 32, size);
  data.write(marker.slice(0, 32), size - 32, 'latin1');
  return data;
}

/**
 * A blob store holding one uncompressed layer, `tar`, that hands it out in chunks of `step`
 * bytes, each a view into one reused buffer: a layer stream then meets chunk boundaries at every
 * place a real decompressor may put them, inside headers and inside a file's first bytes.
 */
export function chunkedLayerStore(tar: Buffer, step: number): { store: BlobStore; layer: PlannedLayer } {
  const scratch = Buffer.alloc(step);
  const store: BlobStore = {
    path: `chunked-${step}`,
    has: async (name) => name === 'layer',
    size: async () => tar.length,
    read: async () => tar,
    head: async (_name, length) => tar.subarray(0, length),
    chunks: async function* () {
      for (let pos = 0; pos < tar.length; pos += step) {
        const length = tar.copy(scratch, 0, pos, pos + step);
        yield scratch.subarray(0, length);
        // whatever a consumer kept a reference to is garbage now
        scratch.fill(0xee);
      }
    },
    close: async () => undefined,
  };
  return { store, layer: { index: 0, blob: 'layer', diffID: sha256(tar) } };
}
