import { readdirSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../src/errors.js';
import type { CatalogFile, Cataloger, PackageDraft } from '../../src/sbom/catalog/cataloger.js';
import { generateSbom, generateSbomWith, resolveTimestamp } from '../../src/sbom/generate.js';
import { serializeSbom } from '../../src/sbom/format/index.js';
import { ELF_MAGIC, executableLike, ociLayoutFiles, tarOf, tempDir, writeTar, writeTree, type TestImage } from '../support/image-builder.js';

const osRelease = { path: 'usr/lib/os-release', content: 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' };
const osLink = { path: 'etc/os-release', symlink: '../usr/lib/os-release' };
const debianVersion = { path: 'etc/debian_version', content: '12.7\n' };

function stanza(name: string, version: string, depends?: string): string {
  return [
    `Package: ${name}`,
    'Status: install ok installed',
    'Architecture: amd64',
    `Version: ${version}`,
    ...(depends ? [`Depends: ${depends}`] : []),
    `Description: ${name} package`,
    '',
  ].join('\n');
}

const image: TestImage = {
  layers: [
    {
      entries: [
        osRelease,
        osLink,
        debianVersion,
        { path: 'var/lib/dpkg/status', content: [stanza('libc6', '2.36-9'), stanza('curl', '7.88.1-10', 'libc6')].join('\n') },
        { path: 'usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA', content: 'Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\nLicense: MIT\n' },
      ],
    },
    {
      entries: [
        // curl removed, jq added: the status file is rewritten
        { path: 'var/lib/dpkg/status', content: [stanza('libc6', '2.36-9'), stanza('jq', '1.6-2.1', 'libc6')].join('\n') },
        { path: 'usr/lib/python3/dist-packages/.wh.six-1.16.0.dist-info', content: '' },
        { path: 'app/node_modules/left-pad/package.json', content: '{"name":"left-pad","version":"1.3.0","license":"WTFPL"}' },
      ],
    },
  ],
};

describe('generateSbom', () => {
  let dir: string;
  let archive: string;
  beforeAll(async () => {
    dir = await tempDir();
    archive = await writeTar(join(dir, 'image.tar'), await ociLayoutFiles([image]));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const names = (sbom: Awaited<ReturnType<typeof generateSbom>>) => sbom.packages.map((p) => `${p.type}:${p.name}@${p.version}`);

  it('reports the final image and attributes each package to the layer that introduced it', async () => {
    const sbom = await generateSbom(archive, { timestamp: 0 });
    expect(names(sbom)).toEqual(['deb:jq@1.6-2.1', 'deb:libc6@2.36-9', 'npm:left-pad@1.3.0']);
    const [layer0, layer1] = sbom.source.layers.map((l) => l.diffID);
    const layerOf = (name: string) => sbom.packages.find((p) => p.name === name)?.locations[0]?.layer;
    expect(layerOf('libc6')).toBe(layer0);
    expect(layerOf('jq')).toBe(layer1);
    expect(layerOf('left-pad')).toBe(layer1);
    expect(sbom.distro).toMatchObject({ id: 'debian', versionId: '12', version: '12.7' });
    const jq = sbom.packages.find((p) => p.name === 'jq');
    const libc = sbom.packages.find((p) => p.name === 'libc6');
    expect(sbom.relationships).toContainEqual({ from: jq?.id, to: libc?.id, type: 'depends-on' });
    expect(jq?.purl).toBe('pkg:deb/debian/jq@1.6-2.1?arch=amd64&distro=debian-12.7');
  });

  it('all-layers scope keeps packages a later layer removed', async () => {
    const sbom = await generateSbom(archive, { scope: 'all-layers', timestamp: 0 });
    expect(names(sbom)).toEqual(['deb:curl@7.88.1-10', 'deb:jq@1.6-2.1', 'deb:libc6@2.36-9', 'npm:left-pad@1.3.0', 'python:six@1.16.0']);
    expect(sbom.scope).toBe('all-layers');
    // libc6 is in both views, identical: one package, one location
    expect(sbom.packages.find((p) => p.name === 'libc6')?.locations).toHaveLength(1);
  });

  it('is byte-for-byte deterministic with a fixed timestamp', async () => {
    for (const format of ['cyclonedx-json', 'spdx-json'] as const) {
      const a = serializeSbom(await generateSbom(archive, { timestamp: '2024-01-02T03:04:05Z' }), format);
      const b = serializeSbom(await generateSbom(archive, { timestamp: '2024-01-02T03:04:05Z' }), format);
      expect(a).toBe(b);
      expect(a).toContain('2024-01-02T03:04:05');
    }
  });

  it('takes the timestamp from SOURCE_DATE_EPOCH and rejects a bad one', () => {
    expect(resolveTimestamp(undefined, { SOURCE_DATE_EPOCH: '1700000000' }).toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(resolveTimestamp(1_700_000_000_999, {}).getTime()).toBe(1_700_000_000_000);
    expect(() => resolveTimestamp(undefined, { SOURCE_DATE_EPOCH: 'yesterday' })).toThrow(/SOURCE_DATE_EPOCH/);
    expect(() => resolveTimestamp('not a date', {})).toThrow(/invalid timestamp/);
  });

  it('runs only the catalogers asked for, and rejects unknown ones', async () => {
    const sbom = await generateSbom(archive, { catalogers: ['npm-installed'], timestamp: 0 });
    expect(names(sbom)).toEqual(['npm:left-pad@1.3.0']);
    await expect(generateSbom(archive, { catalogers: ['nope'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(generateSbom(archive, { scope: 'everything' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('reports a 100 MB package.json as a warning, in bounded memory, and strict mode fails on it', async () => {
    const project = join(dir, 'project');
    await mkdir(join(project, 'node_modules/huge'), { recursive: true });
    await mkdir(join(project, 'node_modules/small'), { recursive: true });
    await writeFile(join(project, 'node_modules/small/package.json'), '{"name":"small","version":"1.0.0"}');
    const huge = Buffer.alloc(100 * 1024 * 1024, 0x20);
    huge.write('{"name":"huge","version":"1.0.0","x":"');
    huge.write('"}', huge.length - 2);
    await writeFile(join(project, 'node_modules/huge/package.json'), huge);
    const before = process.memoryUsage().rss;
    const sbom = await generateSbom(`dir:${project}`, { timestamp: 0 });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    expect(names(sbom)).toEqual(['npm:small@1.0.0']);
    expect(sbom.warnings).toMatchObject([{ code: 'FILE_TOO_LARGE', path: '/node_modules/huge/package.json' }]);
    await expect(generateSbom(`dir:${project}`, { strict: true })).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
  });

  it('a lockfile that cannot be read is LOCKFILE_INVALID', async () => {
    const lock = join(dir, 'package-lock.json');
    await writeFile(lock, '{"lockfileVersion": 3, "packages": ');
    await expect(generateSbom(lock)).rejects.toMatchObject({ code: 'LOCKFILE_INVALID' });
  });

  it('stops with ABORTED when its signal fires mid-scan', async () => {
    const controller = new AbortController();
    const run = generateSbom(archive, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'layers') controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

/**
 * A cataloger that exists only in this file: it chooses files by the ELF magic number, reads them
 * through random access only, and reports the `name@version` written after the magic number.
 */
function probeCataloger(observe: (files: readonly CatalogFile[]) => void = () => undefined): Cataloger {
  return {
    name: 'probe-executable',
    sources: ['image', 'directory'],
    patterns: [],
    magic: [ELF_MAGIC],
    randomAccess: true,
    maxFileSize: 1024 * 1024 * 1024,
    parse(files) {
      observe(files);
      const packages: PackageDraft[] = files.map((file) => {
        if (file.content.length !== 0 || file.reader === undefined) throw new Error(`${file.path} came without a reader`);
        const marker = file.reader.read(4, 28).toString('latin1').trim();
        if (marker === 'boom@0') throw new TypeError('a parser bug met unexpected input');
        if (marker === 'fatal@0') throw new SourceError('LIMIT_EXCEEDED', 'the parser gave up on purpose');
        // the same marker closes the file: the whole of it was readable
        if (file.reader.read(file.reader.size - 32, 32).toString('latin1').trim() !== marker) throw new Error(`${file.path} is cut short`);
        const [name, version] = marker.split('@') as [string, string];
        return {
          ref: file.path,
          name,
          version,
          type: 'go',
          purl: `pkg:golang/example.com/${name}@${version}`,
          licenses: [],
          metadata: {},
          locations: [{ path: file.path }],
        };
      });
      return { packages, relationships: [] };
    },
  };
}

describe('generateSbom with a cataloger that chooses files by content and reads them at random', () => {
  let dir: string;
  let spillParent: string;
  let previousTmp: string | undefined;
  const BIG = 3 * 1024 * 1024;
  const spillDirs = () => readdirSync(spillParent);

  const layered: TestImage = {
    layers: [
      {
        entries: [
          osRelease,
          { path: 'etc/os-release', symlink: 'os-release-loop' },
          { path: 'etc/os-release-loop', symlink: 'os-release' },
          // over the default 1 MiB threshold: spilled
          { path: 'usr/bin/alpha', content: executableLike(BIG, 'alpha@1.0.0') },
          { path: 'usr/lib/beta.so.1', content: executableLike(10_000, 'beta@2.0.0') },
          { path: 'usr/share/doc/readme', content: 'plain text\n' },
        ],
      },
      {
        entries: [
          { path: 'usr/bin/.wh.alpha', content: '' },
          { path: 'opt/some data file.bin', content: executableLike(20_000, 'gamma@3.0.0') },
        ],
      },
    ],
  };

  beforeAll(async () => {
    dir = await tempDir();
    spillParent = join(dir, 'tmp');
    await mkdir(spillParent);
    previousTmp = process.env.TMPDIR;
    process.env.TMPDIR = spillParent;
  });
  afterAll(async () => {
    if (previousTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmp;
    await rm(dir, { recursive: true, force: true });
  });

  it('finds executables under any name in every layer; a large one is spilled to a private directory removed at the end', async () => {
    const archive = await writeTar(join(dir, 'probe.tar'), await ociLayoutFiles([layered]));
    const during: Array<{ dirs: string[]; mode: number }> = [];
    const probe = probeCataloger(() => {
      const dirs = spillDirs();
      during.push({ dirs, mode: dirs[0] === undefined ? 0 : statSync(join(spillParent, dirs[0])).mode & 0o777 });
    });
    const sbom = await generateSbomWith([probe], archive, { scope: 'all-layers', timestamp: 0 });
    const [layer0, layer1] = sbom.source.layers.map((l) => l.diffID);
    expect(sbom.packages.map((p) => [p.purl, p.locations])).toEqual([
      ['pkg:golang/example.com/alpha@1.0.0', [{ path: '/usr/bin/alpha', layer: layer0 }]],
      ['pkg:golang/example.com/beta@2.0.0', [{ path: '/usr/lib/beta.so.1', layer: layer0 }]],
      ['pkg:golang/example.com/gamma@3.0.0', [{ path: '/opt/some data file.bin', layer: layer1 }]],
    ]);
    expect(sbom.packages.every((p) => p.foundBy === 'probe-executable')).toBe(true);
    expect(during[0]?.dirs).toHaveLength(1);
    expect(during[0]?.dirs[0]).toMatch(/^sealkit-spill-/);
    expect(during[0]?.mode).toBe(0o700);
    expect(spillDirs()).toEqual([]);

    const squashed = await generateSbomWith([probe], archive, { timestamp: 0 });
    expect(squashed.packages.map((p) => p.name)).toEqual(['beta', 'gamma']);
    expect(spillDirs()).toEqual([]);
  });

  it('names image paths in warnings with one leading slash', async () => {
    const archive = await writeTar(join(dir, 'loop.tar'), await ociLayoutFiles([layered]));
    const sbom = await generateSbomWith([probeCataloger()], archive, { timestamp: 0 });
    const loop = sbom.warnings.find((w) => w.code === 'LINK_NOT_FOLLOWED');
    expect(loop).toMatchObject({ path: '/etc/os-release' });
    expect(loop?.message).toMatch(/^\/etc\/os-release has a symlink loop/);
    expect(sbom.warnings.every((w) => !w.path?.startsWith('//') && !w.message.includes('//'))).toBe(true);
  });

  it('removes the temporary directory when a later layer is corrupt', async () => {
    const corrupt = zlib.gzipSync(await tarOf([{ path: 'var/lib/x', content: 'y'.repeat(5000) }]));
    corrupt.fill(0x55, 20, 60);
    const image: TestImage = { layers: [layered.layers[0]!, { raw: corrupt }] };
    const archive = await writeTar(join(dir, 'corrupt.tar'), await ociLayoutFiles([image]));
    let spilled = false;
    const run = generateSbomWith([probeCataloger()], archive, {
      onProgress: (p) => {
        if (p.phase === 'layers' && p.layer === 2) spilled ||= spillDirs().length === 1;
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'LAYER_CORRUPT' });
    expect(spilled).toBe(true);
    expect(spillDirs()).toEqual([]);
  });

  it('removes the temporary directory when the scan is aborted', async () => {
    const archive = await writeTar(join(dir, 'abort.tar'), await ociLayoutFiles([layered]));
    const controller = new AbortController();
    let spilled = false;
    const run = generateSbomWith([probeCataloger()], archive, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'layers' && p.layer === 2 && !controller.signal.aborted) {
          spilled = spillDirs().length === 1;
          controller.abort();
        }
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
    expect(spilled).toBe(true);
    expect(spillDirs()).toEqual([]);
  });

  it('removes the temporary directory when a parser fails, and turns a parser bug into a warning', async () => {
    const fatal: TestImage = { layers: [{ entries: [{ path: 'usr/bin/alpha', content: executableLike(BIG, 'fatal@0') }] }] };
    const fatalArchive = await writeTar(join(dir, 'fatal.tar'), await ociLayoutFiles([fatal]));
    await expect(generateSbomWith([probeCataloger()], fatalArchive)).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(spillDirs()).toEqual([]);

    const buggy: TestImage = { layers: [{ entries: [{ path: 'usr/bin/boom', content: executableLike(BIG, 'boom@0') }] }] };
    const sbom = await generateSbomWith([probeCataloger()], await writeTar(join(dir, 'buggy.tar'), await ociLayoutFiles([buggy])));
    expect(sbom.packages).toEqual([]);
    expect(sbom.warnings).toMatchObject([{ code: 'METADATA_UNPARSABLE', path: '/usr/bin/boom', message: 'probe-executable failed: a parser bug met unexpected input' }]);
    expect(spillDirs()).toEqual([]);
  });

  it('reads the large files of a directory in place: nothing is spilled', async () => {
    const root = await writeTree(
      join(dir, 'rootfs'),
      new Map([
        ['usr/bin/alpha', executableLike(BIG, 'alpha@1.0.0')],
        ['srv/gamma', executableLike(1000, 'gamma@3.0.0')],
      ]),
    );
    let dirsDuringParse: string[] | undefined;
    const sbom = await generateSbomWith([probeCataloger(() => (dirsDuringParse = spillDirs()))], `dir:${root}`, { timestamp: 0 });
    expect(sbom.packages.map((p) => `${p.name}@${p.version} ${p.locations[0]?.path}`)).toEqual(['alpha@1.0.0 /usr/bin/alpha', 'gamma@3.0.0 /srv/gamma']);
    expect(dirsDuringParse).toEqual([]);
  });
});
