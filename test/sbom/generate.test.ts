import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSbom, resolveTimestamp } from '../../src/sbom/generate.js';
import { serializeSbom } from '../../src/sbom/format/index.js';
import { ociLayoutFiles, tempDir, writeTar, type TestImage } from '../support/image-builder.js';

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
