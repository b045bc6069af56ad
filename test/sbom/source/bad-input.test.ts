import { readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from '../../../src/sbom/source/open-source.js';
import { Selection } from '../../../src/sbom/source/selection.js';
import { TreeView } from '../../../src/sbom/source/tree-view.js';
import {
  dockerArchiveFiles,
  ociLayoutFiles,
  tarHeader,
  tarOf,
  tarPadding,
  tempDir,
  writeStreamedLayout,
  writeTar,
  writeTree,
  type TestImage,
} from '../../support/image-builder.js';

const MAX = 64 * 1024;

function selectionFor() {
  return new Selection().addPattern('var/lib/dpkg/status', MAX, false).addPattern('etc/os-release', MAX, false).addPattern('**/package.json', MAX, false);
}

function scan(source: string, signal?: AbortSignal) {
  return openSource(source, { platform: 'linux/amd64', selectionFor, ...(signal ? { signal } : {}) });
}

/** Samples RSS while `work` runs and returns the peak growth over the starting RSS. */
async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - start };
  } finally {
    clearInterval(timer);
  }
}

const simple: TestImage = { layers: [{ entries: [{ path: 'var/lib/dpkg/status', content: 'Package: a\n' }] }] };

describe('bad input ends in a SealkitError with a stable code', () => {
  let dir: string;
  let good: Buffer;
  beforeAll(async () => {
    dir = await tempDir();
    good = await tarOf([...(await ociLayoutFiles([simple]))].map(([path, content]) => ({ path, content })));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a truncated archive', async () => {
    const path = join(dir, 'truncated.tar');
    await writeFile(path, good.subarray(0, Math.floor(good.length / 2)));
    await expect(scan(path)).rejects.toMatchObject({ code: 'ARCHIVE_CORRUPT' });
  });

  it('an archive with a corrupt header', async () => {
    const corrupt = Buffer.from(good);
    corrupt.write('garbage', 1024 + 10);
    const path = join(dir, 'corrupt.tar');
    await writeFile(path, corrupt);
    await expect(scan(path)).rejects.toMatchObject({ code: 'ARCHIVE_CORRUPT' });
  });

  it('a tar that is not an image', async () => {
    const path = join(dir, 'plain.tar');
    await writeFile(path, await tarOf([{ path: 'hello.txt', content: 'hi' }]));
    await expect(scan(path)).rejects.toMatchObject({ code: 'NOT_AN_IMAGE' });
    await expect(scan(`docker-archive:${path}`)).rejects.toMatchObject({ code: 'NOT_AN_IMAGE' });
  });

  it('a file that is not an archive at all, and a compressed file that holds no tar', async () => {
    const text = join(dir, 'notes.txt');
    await writeFile(text, 'just text\n'.repeat(100));
    await expect(scan(text)).rejects.toMatchObject({ code: 'SOURCE_UNRECOGNIZED' });
    // a compressed image archive is read (streamed-archive.test.ts); compressed text is no tar
    const gz = join(dir, 'notes.txt.gz');
    await writeFile(gz, zlib.gzipSync(await readFile(text)));
    await expect(scan(gz)).rejects.toMatchObject({ code: 'ARCHIVE_CORRUPT' });
  });

  it('a corrupt gzip layer and a corrupt zstd layer', async () => {
    for (const compression of ['gzip', 'zstd'] as const) {
      const inner = await tarOf([{ path: 'var/lib/dpkg/status', content: 'Package: a\n'.repeat(1000) }]);
      const blob = compression === 'gzip' ? zlib.gzipSync(inner) : zlib.zstdCompressSync(inner);
      blob.fill(0x55, 20, 60);
      const image: TestImage = { layers: [{ raw: blob }] };
      const path = await writeTar(join(dir, `bad-${compression}.tar`), await ociLayoutFiles([image]));
      await expect(scan(path)).rejects.toMatchObject({ code: 'LAYER_CORRUPT' });
    }
  });

  it('a layer whose tar stream is cut short', async () => {
    const inner = await tarOf([{ path: 'var/lib/dpkg/status', content: 'x'.repeat(5000) }]);
    const image: TestImage = { layers: [{ raw: zlib.gzipSync(inner.subarray(0, 2048)) }] };
    const path = await writeTar(join(dir, 'short-layer.tar'), await ociLayoutFiles([image]));
    await expect(scan(path)).rejects.toMatchObject({ code: 'LAYER_CORRUPT' });
  });

  it('a manifest that names a missing layer', async () => {
    const files = await dockerArchiveFiles(simple);
    files.delete('layer0/layer.tar');
    const path = await writeTar(join(dir, 'missing-layer.tar'), files);
    await expect(scan(path)).rejects.toMatchObject({ code: 'BLOB_MISSING' });
    const layout = await ociLayoutFiles([simple]);
    const index = JSON.parse(layout.get('index.json')!.toString()) as { manifests: Array<{ digest: string }> };
    const manifest = JSON.parse(layout.get(`blobs/sha256/${index.manifests[0]!.digest.slice(7)}`)!.toString()) as {
      layers: Array<{ digest: string }>;
    };
    layout.delete(`blobs/sha256/${manifest.layers[0]!.digest.slice(7)}`);
    await expect(scan(`oci-dir:${await writeTree(join(dir, 'missing-blob'), layout)}`)).rejects.toMatchObject({ code: 'BLOB_MISSING' });
  });

  it('invalid manifests', async () => {
    const files = await dockerArchiveFiles(simple);
    files.set('manifest.json', Buffer.from('{not json'));
    await expect(scan(await writeTar(join(dir, 'bad-json.tar'), files))).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
    files.set('manifest.json', Buffer.from('[{"Config":"../../etc/passwd","Layers":[]}]'));
    await expect(scan(await writeTar(join(dir, 'escape-config.tar'), files))).rejects.toMatchObject({ code: 'BLOB_MISSING' });
  });

  it('an entry whose path climbs out of the root', async () => {
    const image: TestImage = { layers: [{ entries: [{ path: '../../etc/cron.d/evil', content: 'x' }] }] };
    const path = await writeTar(join(dir, 'escape.tar'), await ociLayoutFiles([image]));
    await expect(scan(path)).rejects.toMatchObject({ code: 'LAYER_PATH_ESCAPE' });
  });

  it('absolute entry paths are taken relative to the image root', async () => {
    const image: TestImage = { layers: [{ entries: [{ path: '/var/lib/dpkg/status', content: 'Package: abs\n' }] }] };
    const scanned = await scan(await writeTar(join(dir, 'absolute.tar'), await ociLayoutFiles([image])));
    expect(new TreeView(scanned.tree, 0).read('/var/lib/dpkg/status')?.toString()).toBe('Package: abs\n');
    await scanned.close();
  });

  it('symlink loops and links out of the root are not followed', async () => {
    const image: TestImage = {
      layers: [
        {
          entries: [
            { path: 'etc/os-release', symlink: 'loop-a' },
            { path: 'etc/loop-a', symlink: 'loop-b' },
            { path: 'etc/loop-b', symlink: 'loop-a' },
            { path: 'var/lib/dpkg/status', symlink: '../../../../../etc/shadow' },
          ],
        },
      ],
    };
    const scanned = await scan(await writeTar(join(dir, 'loops.tar'), await ociLayoutFiles([image])));
    const view = new TreeView(scanned.tree, 0);
    expect(view.read('/etc/os-release')).toBeUndefined();
    expect(view.read('/var/lib/dpkg/status')).toBeUndefined();
    expect(scanned.tree.warnings.map((w) => w.code)).toEqual(['LINK_NOT_FOLLOWED', 'LINK_NOT_FOLLOWED']);
    await scanned.close();
  });

  it('a layer with a million tiny files streams in bounded memory', { timeout: 180_000 }, async () => {
    function* million(): Generator<Buffer> {
      const batch: Buffer[] = [];
      for (let i = 0; i < 1_000_000; i++) {
        batch.push(tarHeader(`data/${Math.floor(i / 1000)}/f${i}`, 1), Buffer.from([0x61]), tarPadding(1));
        if (batch.length >= 3000) yield Buffer.concat(batch.splice(0));
      }
      batch.push(tarHeader('var/lib/dpkg/status', 11), Buffer.from('Package: z\n'), tarPadding(11), Buffer.alloc(1024));
      yield Buffer.concat(batch);
    }
    const layout = await writeStreamedLayout(join(dir, 'million'), million());
    const { result: scanned, growth } = await peakRssGrowth(() => scan(`oci-dir:${layout}`));
    expect(new TreeView(scanned.tree, 0).read('/var/lib/dpkg/status')?.toString()).toBe('Package: z\n');
    expect(growth).toBeLessThan(150 * 1024 * 1024);
    await scanned.close();
  });

  it('a 2 GiB metadata file inside a small gzip layer is skipped in bounded memory', { timeout: 180_000 }, async () => {
    const size = 2 * 1024 * 1024 * 1024;
    function* huge(): Generator<Buffer> {
      yield tarHeader('var/lib/dpkg/status', size);
      const zeros = Buffer.alloc(8 * 1024 * 1024);
      for (let written = 0; written < size; written += zeros.length) yield zeros;
      yield Buffer.concat([tarHeader('etc/os-release', 8), Buffer.from('ID=big\n\n'), tarPadding(8), Buffer.alloc(1024)]);
    }
    const layout = await writeStreamedLayout(join(dir, 'huge'), huge());
    const { result: scanned, growth } = await peakRssGrowth(() => scan(`oci-dir:${layout}`));
    const view = new TreeView(scanned.tree, 0);
    expect(view.read('/var/lib/dpkg/status')).toBeUndefined();
    expect(view.read('/etc/os-release')?.toString()).toBe('ID=big\n\n');
    expect(scanned.tree.warnings).toMatchObject([{ code: 'FILE_TOO_LARGE', path: '/var/lib/dpkg/status' }]);
    expect(growth).toBeLessThan(150 * 1024 * 1024);
    await scanned.close();
    await rm(layout, { recursive: true, force: true });
  });

  it('an aborted scan stops with ABORTED', async () => {
    const controller = new AbortController();
    controller.abort();
    const path = await writeTar(join(dir, 'abort.tar'), await ociLayoutFiles([simple]));
    await expect(scan(path, controller.signal)).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
