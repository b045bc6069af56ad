import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serializeSbom } from '../../../src/sbom/format/index.js';
import { generateSbom, type SbomProgress } from '../../../src/sbom/generate.js';
import type { ImageStream } from '../../../src/sbom/source/archive-input.js';
import { DEFAULT_LIMITS } from '../../../src/sbom/source/layered-tree.js';
import { openSource } from '../../../src/sbom/source/open-source.js';
import type { ScannedSource } from '../../../src/sbom/source/scanned-source.js';
import { Selection } from '../../../src/sbom/source/selection.js';
import { SpillArea } from '../../../src/sbom/source/spill-area.js';
import { TreeView, type FileSelector } from '../../../src/sbom/source/tree-view.js';
import {
  ELF_MAGIC,
  dockerArchiveFiles,
  executableLike,
  ociLayoutFiles,
  sha256,
  tarOf,
  tempDir,
  writeTar,
  type TestImage,
} from '../../support/image-builder.js';

const EXAMPLE = 'fixtures/images/example.tar';
const TAG = 'probe';
const MAX = 1 << 20;

/** Files wanted by path (bytes and random access) and executables by their magic number. */
function selectionFor(): Selection {
  return new Selection()
    .addPattern('var/lib/dpkg/status', MAX, false)
    .addPattern('etc/os-release', MAX, false)
    .addPattern('usr/lib/os-release', MAX, false)
    .addPattern('**/METADATA', MAX, false)
    .addPattern('**/*.jar', MAX, true)
    .addMagic(ELF_MAGIC, MAX, true, TAG);
}

const SELECTORS: FileSelector[] = [
  { matches: (path) => path === 'var/lib/dpkg/status' || path.endsWith('/METADATA') || path.endsWith('os-release') },
  { matches: (path) => path.endsWith('.jar'), randomAccess: true },
  { matches: () => false, tag: TAG, randomAccess: true },
];

/** Chunks of `data`, `step` bytes each, as views into one reused buffer that is scribbled over after each. */
async function* chunked(data: Buffer, step: number): AsyncGenerator<Buffer> {
  const scratch = Buffer.alloc(step);
  for (let at = 0; at < data.length; at += step) {
    const length = data.copy(scratch, 0, at, at + step);
    yield scratch.subarray(0, length);
    scratch.fill(0xee);
  }
}

function streamOf(data: Buffer, options: Omit<ImageStream, 'stream'> = {}, step = 4096): ImageStream {
  return { stream: chunked(data, step), ...options };
}

const spills: SpillArea[] = [];
const opened: ScannedSource[] = [];
afterEach(async () => {
  for (const scanned of opened.splice(0)) await scanned.close();
  for (const spill of spills.splice(0)) spill.dispose();
});

/** Scans `source` with a spill area that spills every random-access file (the streamed layers share it). */
async function scan(source: string | ImageStream, platform = 'linux/amd64'): Promise<{ scanned: ScannedSource; spill: SpillArea }> {
  const spill = new SpillArea(DEFAULT_LIMITS.maxSpillBytes);
  spills.push(spill);
  const scanned = await openSource(source, {
    platform,
    selectionFor,
    spill,
    limits: { ...DEFAULT_LIMITS, spillThreshold: 100, maxRandomAccessMemory: 1000 },
  });
  opened.push(scanned);
  return { scanned, spill };
}

/** Everything a cataloger can see of a scan, in every view: which files, from which layer, with which bytes. */
function snapshot(scanned: ScannedSource): unknown {
  const views = [];
  for (let index = 0; index < scanned.tree.layerCount; index++) {
    const view = new TreeView(scanned.tree, index);
    views.push(
      SELECTORS.map((selector) =>
        view.files(selector).map((file) => [file.path, file.layer, sha256(file.reader ? file.reader.read(0, file.reader.size) : file.content)]),
      ),
      ['/var/lib/dpkg/status', '/usr/bin/tool', '/usr/bin/sh', '/etc/os-release', '/opt/keep/k.jar', '/lib/x.jar'].map((path) => {
        const bytes = view.read(path);
        return bytes === undefined ? undefined : sha256(bytes);
      }),
    );
  }
  const { location: _location, ...description } = scanned.description;
  return { description, views, warnings: scanned.tree.warnings };
}

/**
 * Four layers whose later ones delete and replace what earlier ones hold in every way a layer can:
 * whiteouts, an opaque directory, a file chosen by content replaced by one that is not, a symlink
 * replaced by a file and by a directory, a directory replaced by a file, a file rewritten.
 */
const layered: TestImage = {
  tag: 'v1',
  layers: [
    {
      entries: [
        { path: 'usr/lib/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
        { path: 'etc/os-release', symlink: '../usr/lib/os-release' },
        { path: 'var/lib/dpkg/status', content: 'Package: a\n' },
        { path: 'usr/bin/tool', content: executableLike(600, 'tool@1') },
        { path: 'usr/bin/dash', content: executableLike(300, 'dash@1') },
        { path: 'usr/bin/sh', symlink: 'dash' },
        { path: 'opt/app/lib/a.jar', content: 'PK\u0003\u0004 a' },
        { path: 'opt/keep/k.jar', content: 'PK\u0003\u0004 k' },
        { path: 'opt/data/x/METADATA', content: 'Name: x\n' },
        { path: 'usr/lib/x.jar', content: 'PK\u0003\u0004 x' },
        { path: 'lib', symlink: 'usr/lib' },
      ],
    },
    {
      compression: 'zstd',
      entries: [
        { path: 'opt/app/lib/.wh.a.jar', content: '' },
        { path: 'opt/data/.wh..wh..opq', content: '' },
        { path: 'opt/data/y/METADATA', content: 'Name: y\n' },
        { path: 'usr/bin/tool', content: '#!/bin/sh\necho no longer an executable\n' },
        { path: 'usr/bin/sh', content: '#!/bin/busybox\n' },
      ],
    },
    {
      compression: 'none',
      entries: [
        { path: 'opt/keep', content: 'a file where a directory was\n' },
        { path: 'lib', dir: true },
        { path: 'lib/own.jar', content: 'PK\u0003\u0004 own' },
        { path: 'var/lib/dpkg/status', content: 'Package: a\n\nPackage: b\n' },
      ],
    },
    {
      entries: [
        { path: 'usr/bin/tool', content: executableLike(700, 'tool@2') },
        { path: 'opt/data/z/METADATA', content: 'Name: z\n' },
      ],
    },
  ],
};

/** `files` (an image's members by name) in a given order of names. */
function ordered(files: Map<string, Buffer>, order: (names: string[]) => string[]): Map<string, Buffer> {
  return new Map(order([...files.keys()]).map((name) => [name, files.get(name) as Buffer]));
}

const documentsLast = (names: string[]) => [...names.filter((n) => n.startsWith('blobs/') || n.includes('layer')), ...names.filter((n) => !n.startsWith('blobs/') && !n.includes('layer'))];
const documentsFirst = (names: string[]) => [...documentsLast(names)].reverse();
const reversed = (names: string[]) => [...names].reverse();

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('an archive read front to back gives what the indexed archive gives', () => {
  for (const [kind, build] of [
    ['oci-archive', () => ociLayoutFiles([layered])],
    ['docker-archive', () => dockerArchiveFiles(layered)],
  ] as const) {
    for (const [order, arrange] of [
      ['documents after the layers', documentsLast],
      ['documents before the layers', documentsFirst],
      ['every member reversed', reversed],
    ] as const) {
      it(`${kind}, ${order}, as a stream, gzip-compressed and zstd-compressed`, async () => {
        const files = ordered(await build(), arrange);
        const tar = await tarOf([...files].map(([path, content]) => ({ path, content })));
        const indexed = await scan(`${kind}:${await writeTar(join(dir, `${kind}.tar`), files)}`);
        const expected = snapshot(indexed.scanned);
        expect(new TreeView(indexed.scanned.tree, 3).read('/var/lib/dpkg/status')?.toString()).toContain('Package: b');

        // an OCI archive names its image only by a tag here: the name comes from the file, or from the caller for a stream
        for (const step of [1000, 65536]) expect(snapshot((await scan(streamOf(tar, { scheme: kind, name: kind }, step))).scanned)).toEqual(expected);
        const gz = join(dir, `${kind}.tar.gz`);
        await writeFile(gz, zlib.gzipSync(tar));
        expect(snapshot((await scan(gz)).scanned)).toEqual(expected);
        const zst = join(dir, `${kind}.tar.zst`);
        await writeFile(zst, zlib.zstdCompressSync(tar));
        expect(snapshot((await scan(`${kind}:${zst}`)).scanned)).toEqual(expected);
        // a stream whose kind is told from its members
        expect(snapshot((await scan(streamOf(zlib.gzipSync(tar), { name: kind }))).scanned)).toEqual(expected);
      });
    }
  }

  it('uses a layer the manifest lists twice twice, and drops the layers it does not list, releasing their files', async () => {
    const files = await dockerArchiveFiles({
      layers: [
        { entries: [{ path: 'usr/bin/tool', content: executableLike(900, 'tool@1') }, { path: 'var/lib/dpkg/status', content: 'Package: a\n' }] },
        { entries: [{ path: 'usr/bin/tool', content: executableLike(800, 'tool@2') }, { path: 'var/lib/dpkg/status', content: 'Package: b\n' }] },
        { entries: [{ path: 'opt/unused', content: executableLike(5000, 'unused') }] },
      ],
    });
    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Array<{ Config: string; Layers: string[] }>;
    const config = JSON.parse(files.get(manifest[0]!.Config)!.toString()) as { rootfs: { diff_ids: string[] } };
    const [first, second] = manifest[0]!.Layers as [string, string];
    const [firstId, secondId] = config.rootfs.diff_ids as [string, string];
    config.rootfs.diff_ids = [firstId, secondId, firstId];
    const configBytes = Buffer.from(JSON.stringify(config));
    files.delete(manifest[0]!.Config);
    files.set(`${sha256(configBytes).slice(7)}.json`, configBytes);
    manifest[0]!.Config = `${sha256(configBytes).slice(7)}.json`;
    manifest[0]!.Layers = [first, second, first];
    files.set('manifest.json', Buffer.from(JSON.stringify(manifest)));

    const archive = await writeTar(join(dir, 'twice.tar'), files);
    const expected = snapshot((await scan(archive)).scanned);
    const { scanned, spill } = await scan({ stream: chunked(await readFile(archive), 3000) });
    expect(snapshot(scanned)).toEqual(expected);
    const final = new TreeView(scanned.tree, 2);
    expect(final.read('/var/lib/dpkg/status')?.toString()).toBe('Package: a\n');
    expect(final.files(SELECTORS[2]!).map((file) => [file.path, file.layer])).toEqual([['/usr/bin/tool', firstId]]);
    // the unused layer's 5000-byte executable was spilled while it streamed by, and released at the end
    expect(spill.bytesInUse).toBe(900 + 800);
  });

  it('picks the platform from a multi-platform index read after its blobs, and releases the other platforms\' files', async () => {
    const amd: TestImage = { layers: [{ entries: [{ path: 'var/lib/dpkg/status', content: 'Package: amd\n' }, { path: 'usr/bin/tool', content: executableLike(700, 'amd') }] }] };
    const arm: TestImage = {
      architecture: 'arm64',
      variant: 'v8',
      layers: [{ entries: [{ path: 'var/lib/dpkg/status', content: 'Package: arm\n' }, { path: 'usr/bin/tool', content: executableLike(3000, 'arm') }] }],
    };
    const tar = await tarOf([...ordered(await ociLayoutFiles([amd, arm]), documentsLast)].map(([path, content]) => ({ path, content })));
    for (const [platform, status, kept] of [
      ['linux/arm64', 'Package: arm\n', 3000],
      ['linux/amd64', 'Package: amd\n', 700],
    ] as const) {
      const { scanned, spill } = await scan(streamOf(tar), platform);
      expect(new TreeView(scanned.tree, 0).read('/var/lib/dpkg/status')?.toString()).toBe(status);
      expect(spill.bytesInUse).toBe(kept);
    }
    await expect(scan(streamOf(tar), 'linux/s390x')).rejects.toMatchObject({ code: 'PLATFORM_NOT_FOUND' });
  });

  it('reads a link target nobody asked for by reading a compressed file again; a stream reports it instead', async () => {
    const image: TestImage = {
      layers: [
        {
          entries: [
            { path: 'opt/real/os-release', content: 'ID=custom\n' },
            { path: 'etc/os-release', symlink: '/opt/real/os-release' },
          ],
        },
      ],
    };
    const tar = await tarOf([...(await ociLayoutFiles([image]))].map(([path, content]) => ({ path, content })));
    const gz = join(dir, 'links.tar.gz');
    await writeFile(gz, zlib.gzipSync(tar));
    const fromFile = (await scan(gz)).scanned;
    expect(new TreeView(fromFile.tree, 0).read('/etc/os-release')).toBeUndefined();
    expect(await fromFile.fetchMissing()).toBe(true);
    expect(new TreeView(fromFile.tree, 0).read('/etc/os-release')?.toString()).toBe('ID=custom\n');

    const fromStream = (await scan(streamOf(tar))).scanned;
    expect(new TreeView(fromStream.tree, 0).read('/etc/os-release')).toBeUndefined();
    expect(await fromStream.fetchMissing()).toBe(false);
    expect(new TreeView(fromStream.tree, 0).read('/etc/os-release')).toBeUndefined();
    expect(fromStream.tree.warnings).toEqual([
      {
        code: 'LINK_NOT_FOLLOWED',
        path: '/opt/real/os-release',
        message: '/opt/real/os-release is reached through a link, but no cataloger asked for it and the given stream cannot be read a second time to fetch it',
      },
    ]);
  });
});

describe('the bundled example image, compressed and streamed', () => {
  const timestamp = '2025-01-01T00:00:00Z';
  const formats = ['cyclonedx-json', 'spdx-json'] as const;
  let expected: string[];
  let tar: Buffer;
  beforeAll(async () => {
    tar = await readFile(EXAMPLE);
    const sbom = await generateSbom(`docker-archive:${EXAMPLE}`, { timestamp });
    expect(sbom.packages.length).toBeGreaterThan(50);
    expected = formats.map((format) => serializeSbom(sbom, format));
  });

  const same = async (source: string | ImageStream) => {
    const sbom = await generateSbom(source, { timestamp });
    expect(formats.map((format) => serializeSbom(sbom, format))).toEqual(expected);
    return sbom;
  };

  it('gives the same SBOM, byte for byte, from a gzip file, a zstd file and streams', async () => {
    const gz = join(dir, 'example.tar.gz');
    await writeFile(gz, zlib.gzipSync(tar));
    expect((await same(gz)).source).toMatchObject({ scheme: 'docker-archive', location: gz });
    await same(`docker-archive:${gz}`);
    const zst = join(dir, 'example.tar.zst');
    // an encoder other than the one the reader uses, where there is one
    if (existsSync('/usr/bin/zstd')) execFileSync('/usr/bin/zstd', ['-q', '-19', '-o', zst, EXAMPLE]);
    else await writeFile(zst, zlib.zstdCompressSync(tar));
    await same(zst);
    expect((await same(streamOf(tar))).source).toMatchObject({ scheme: 'docker-archive', location: '-' });
    await same(streamOf(zlib.gzipSync(tar), { scheme: 'docker-archive' }, 777));
    await same(streamOf(await readFile(zst), {}, 65536));
  });

  it('reports its progress in bytes of the archive read and layers met', async () => {
    const gz = zlib.gzipSync(tar);
    const path = join(dir, 'progress.tar.gz');
    await writeFile(path, gz);
    const seen: SbomProgress[] = [];
    await generateSbom(path, { timestamp, onProgress: (progress) => seen.push(progress) });
    const stream = seen.filter((progress) => progress.phase === 'stream');
    expect(stream.at(-1)).toEqual({ phase: 'stream', bytesRead: gz.length, bytesTotal: gz.length, layers: 2 });
    expect(stream.every((progress, i) => i === 0 || progress.bytesRead >= stream[i - 1]!.bytesRead)).toBe(true);
    expect(seen.at(-1)).toEqual({ phase: 'catalog' });
    const fromStream: SbomProgress[] = [];
    await generateSbom({ stream: chunked(gz, 10_000) }, { timestamp, onProgress: (progress) => fromStream.push(progress) });
    expect(fromStream.filter((progress) => progress.phase === 'stream').at(-1)).toEqual({ phase: 'stream', bytesRead: gz.length, layers: 2 });
  });

  it('keeps the plain tar on the indexed path', async () => {
    const phases = new Set<string>();
    await generateSbom(EXAMPLE, { timestamp, onProgress: (progress) => phases.add(progress.phase) });
    // layers read by byte range, in image order, not met in archive order
    expect([...phases]).toEqual(['layers', 'catalog']);
  });
});

describe('bad streams end in a SealkitError with a stable code', () => {
  let good: Buffer;
  beforeAll(async () => {
    const image: TestImage = { layers: [{ entries: [{ path: 'var/lib/dpkg/status', content: 'Package: a\n'.repeat(500) }] }] };
    good = await tarOf([...ordered(await dockerArchiveFiles(image), documentsLast)].map(([path, content]) => ({ path, content })));
  });

  it('a stream cut short anywhere, plain or compressed', async () => {
    const gz = zlib.gzipSync(good);
    const zst = zlib.zstdCompressSync(good);
    for (const [data, cuts] of [
      [good, [0, 1, 100, 511, 512, 513, 2048, Math.floor(good.length / 2), good.length - 1024, good.length - 1]],
      [gz, [1, 10, Math.floor(gz.length / 3), Math.floor(gz.length / 2), gz.length - 9, gz.length - 1]],
      [zst, [2, 10, Math.floor(zst.length / 2), zst.length - 4, zst.length - 1]],
    ] as const) {
      for (const cut of cuts) {
        await expect(scan(streamOf(data.subarray(0, cut))), `cut at ${cut} of ${data.length}`).rejects.toMatchObject({ code: 'ARCHIVE_CORRUPT' });
      }
    }
  });

  it('a stream that is not a tar, and a compressed stream that holds no tar', async () => {
    const text = Buffer.from('just some text\n'.repeat(100));
    for (const data of [text, zlib.gzipSync(text), zlib.zstdCompressSync(text), Buffer.alloc(0)]) {
      await expect(scan(streamOf(data))).rejects.toMatchObject({ code: 'ARCHIVE_CORRUPT' });
    }
    const path = join(dir, 'text.gz');
    await writeFile(path, zlib.gzipSync(text));
    await expect(scan(path)).rejects.toMatchObject({ code: 'ARCHIVE_CORRUPT', message: expect.stringContaining('gzip-compressed tar archive') });
  });

  it('a tar that never names a manifest, and a docker-archive without manifest.json', async () => {
    const files = await tarOf([{ path: 'hello.txt', content: 'hi' }]);
    await expect(scan(streamOf(files))).rejects.toMatchObject({ code: 'NOT_AN_IMAGE' });
    const oci = await tarOf([...(await ociLayoutFiles([{ layers: [{ entries: [] }] }]))].map(([path, content]) => ({ path, content })));
    await expect(scan(streamOf(oci, { scheme: 'docker-archive' }))).rejects.toMatchObject({ code: 'NOT_AN_IMAGE' });
  });

  it('a manifest that names a layer the stream does not hold, or names it through a link to nowhere', async () => {
    const image: TestImage = { layers: [{ entries: [{ path: 'var/lib/dpkg/status', content: 'Package: a\n' }] }] };
    const files = await dockerArchiveFiles(image);
    const layer = files.get('layer0/layer.tar')!;
    files.delete('layer0/layer.tar');
    await expect(scan(streamOf(await tarOf([...files].map(([path, content]) => ({ path, content })))))).rejects.toMatchObject({ code: 'BLOB_MISSING' });
    const linked = await tarOf([
      { path: 'blobs/layer.tar', content: layer },
      { path: 'layer0/layer.tar', symlink: '../blobs/elsewhere.tar' },
      ...[...files].map(([path, content]) => ({ path, content })),
    ]);
    await expect(scan(streamOf(linked))).rejects.toMatchObject({ code: 'BLOB_MISSING' });
    const relinked = await tarOf([
      { path: 'layer0/layer.tar', symlink: '../blobs/layer.tar' },
      ...[...files].map(([path, content]) => ({ path, content })),
      { path: 'blobs/layer.tar', content: layer },
    ]);
    expect(new TreeView((await scan(streamOf(relinked))).scanned.tree, 0).read('/var/lib/dpkg/status')?.toString()).toBe('Package: a\n');
  });

  it('invalid and oversized documents', async () => {
    const files = await dockerArchiveFiles({ layers: [{ entries: [] }] });
    files.set('manifest.json', Buffer.from('{not json'));
    await expect(scan(streamOf(await tarOf([...files].map(([path, content]) => ({ path, content })))))).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
    const manifest = JSON.parse((await dockerArchiveFiles({ layers: [{ entries: [] }] })).get('manifest.json')!.toString()) as Array<{ Config: string }>;
    files.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
    files.set(manifest[0]!.Config, Buffer.from(`{"padding":"${'x'.repeat(17 * 1024 * 1024)}"}`));
    await expect(scan(streamOf(await tarOf([...files].map(([path, content]) => ({ path, content }))), {}, 1 << 20))).rejects.toMatchObject({
      code: 'MANIFEST_INVALID',
      message: expect.stringContaining('too large for an image document'),
    });
  });

  it('large documents: kept in temporary files, or in memory up to a total when there is no temporary directory', { timeout: 60_000 }, async () => {
    const image: TestImage = { layers: [{ entries: [{ path: 'var/lib/dpkg/status', content: 'Package: a\n' }] }] };
    const files = await dockerArchiveFiles(image);
    // a config of 9 MiB, after 70 MiB of attestation-like documents the image does not use
    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Array<{ Config: string }>;
    const config = JSON.parse(files.get(manifest[0]!.Config)!.toString()) as Record<string, unknown>;
    const bigConfig = Buffer.from(JSON.stringify({ ...config, config: { Labels: { padding: 'x'.repeat(9 * 1024 * 1024) } } }));
    files.delete(manifest[0]!.Config);
    manifest[0]!.Config = `${sha256(bigConfig).slice(7)}.json`;
    files.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
    const attestations = Array.from({ length: 5 }, (_, i) => [`blobs/sha256/attestation-${i}`, Buffer.from(`{"_type":"https://in-toto.io/Statement/v1","padding":"${String(i).repeat(14 * 1024 * 1024)}"}`)] as const);
    const members = [...attestations, [manifest[0]!.Config, bigConfig] as const, ...files];
    const tar = await tarOf(members.map(([path, content]) => ({ path, content })));

    const { scanned, spill } = await scan(streamOf(tar, {}, 1 << 20));
    expect(new TreeView(scanned.tree, 0).read('/var/lib/dpkg/status')?.toString()).toBe('Package: a\n');
    // every spilled document was released once the image was planned
    expect(spill.bytesInUse).toBe(0);

    const withoutTemporaryFiles = openSource({ stream: chunked(tar, 1 << 20) }, { platform: 'linux/amd64', selectionFor });
    await expect(withoutTemporaryFiles).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringContaining(manifest[0]!.Config) });
  });

  it('layers that do not hash to their digest or diffID, read or not', async () => {
    const inner = await tarOf([{ path: 'var/lib/dpkg/status', content: 'Package: a\n' }]);
    const wrongDiff: TestImage = { layers: [{ raw: inner, compression: 'none', diffID: sha256('something else') }] };
    const oci = await tarOf([...(await ociLayoutFiles([wrongDiff]))].map(([path, content]) => ({ path, content })));
    await expect(scan(streamOf(oci))).rejects.toMatchObject({ code: 'BLOB_DIGEST_MISMATCH' });
    const docker = await tarOf([...(await dockerArchiveFiles(wrongDiff))].map(([path, content]) => ({ path, content })));
    await expect(scan(streamOf(docker))).rejects.toMatchObject({ code: 'BLOB_DIGEST_MISMATCH' });
    // a compressed blob whose bytes are not those its name promises
    const files = await ociLayoutFiles([{ layers: [{ entries: [{ path: 'var/lib/dpkg/status', content: 'Package: a\n' }] }] }]);
    const [name, blob] = [...files].find(([path, content]) => path.startsWith('blobs/') && content[0] === 0x1f)!;
    files.set(name, zlib.gzipSync(inner, { level: 1 }));
    // the same tar (so the same diffID), compressed differently: only the blob digest can tell
    expect(zlib.gunzipSync(files.get(name)!).equals(zlib.gunzipSync(blob))).toBe(true);
    expect(files.get(name)!.equals(blob)).toBe(false);
    await expect(scan(streamOf(await tarOf([...files].map(([path, content]) => ({ path, content })))))).rejects.toMatchObject({ code: 'BLOB_DIGEST_MISMATCH' });
  });

  it('a corrupt layer fails the scan only when the image uses it', async () => {
    const inner = await tarOf([{ path: 'var/lib/dpkg/status', content: 'Package: a\n'.repeat(1000) }]);
    const broken = zlib.gzipSync(inner);
    broken.fill(0x55, 20, 60);
    const files = await ociLayoutFiles([{ layers: [{ raw: broken }] }]);
    await expect(scan(streamOf(await tarOf([...files].map(([path, content]) => ({ path, content })))))).rejects.toMatchObject({ code: 'LAYER_CORRUPT' });
    const escape = await ociLayoutFiles([{ layers: [{ entries: [{ path: '../../etc/cron.d/evil', content: 'x' }] }] }]);
    await expect(scan(streamOf(await tarOf([...escape].map(([path, content]) => ({ path, content })))))).rejects.toMatchObject({ code: 'LAYER_PATH_ESCAPE' });
    // the same broken blob beside an image that does not use it
    const unused = await ociLayoutFiles([{ layers: [{ entries: [{ path: 'var/lib/dpkg/status', content: 'Package: ok\n' }] }] }]);
    unused.set(`blobs/sha256/${sha256(broken).slice(7)}`, broken);
    const { scanned } = await scan(streamOf(await tarOf([...unused].map(([path, content]) => ({ path, content })))));
    expect(new TreeView(scanned.tree, 0).read('/var/lib/dpkg/status')?.toString()).toBe('Package: ok\n');
  });

  it('a stream of text chunks, and a source that is neither a string nor a stream', async () => {
    async function* text() {
      yield 'not bytes';
    }
    await expect(scan({ stream: text() as unknown as AsyncIterable<Uint8Array> })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(scan({ stream: 42 } as unknown as ImageStream)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(scan({ stream: streamOf(good).stream, scheme: 'dir' } as unknown as ImageStream)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(scan('dir:-')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('an aborted scan stops with ABORTED while the stream is read', async () => {
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Buffer> {
      for (let at = 0; at < good.length; at += 512) {
        if (at === 2048) controller.abort();
        yield good.subarray(at, at + 512);
      }
    }
    const run = openSource({ stream: slow() }, { platform: 'linux/amd64', selectionFor, signal: controller.signal });
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('a stream that fails while it is read', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield good.subarray(0, 4096);
      throw new Error('connection reset');
    }
    await expect(scan({ stream: failing() })).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND', message: expect.stringContaining('connection reset') });
  });
});
