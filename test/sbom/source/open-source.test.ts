import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { isSealkitError } from '../../../src/errors.js';
import { openSource } from '../../../src/sbom/source/open-source.js';
import { Selection } from '../../../src/sbom/source/selection.js';
import type { ScannedSource } from '../../../src/sbom/source/scanned-source.js';
import { TreeView } from '../../../src/sbom/source/tree-view.js';
import {
  dockerArchiveFiles,
  ociLayoutFiles,
  sha256,
  tarOf,
  tempDir,
  writeTar,
  writeTree,
  type TestImage,
} from '../../support/image-builder.js';

const WANTED = ['etc/os-release', 'usr/lib/os-release', 'var/lib/dpkg/status', '**/METADATA'];

function selectionFor() {
  const selection = new Selection();
  for (const glob of WANTED) selection.addPattern(glob, 1024, false);
  return selection;
}

async function scan(source: string, platform = 'linux/amd64'): Promise<ScannedSource> {
  return openSource(source, { platform, selectionFor });
}

function finalView(scanned: ScannedSource): TreeView {
  return new TreeView(scanned.tree, scanned.tree.layerCount - 1);
}

const twoLayers: TestImage = {
  tag: 'v1',
  layers: [
    {
      entries: [
        { path: 'usr/lib/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
        { path: 'etc/os-release', symlink: '../usr/lib/os-release' },
        { path: 'var/lib/dpkg/status', content: 'Package: a\n' },
        { path: 'opt/py/a-1.dist-info/METADATA', content: 'Name: a\n' },
        { path: 'opt/py/b-1.dist-info/METADATA', content: 'Name: b\n' },
        { path: 'srv/x/METADATA', content: 'Name: x\n' },
      ],
    },
    {
      compression: 'zstd',
      entries: [
        { path: 'var/lib/dpkg/status', content: 'Package: a\n\nPackage: c\n' },
        { path: 'opt/py/.wh.a-1.dist-info', content: '' },
        { path: 'srv/.wh..wh..opq', content: '' },
        { path: 'srv/y/METADATA', content: 'Name: y\n' },
      ],
    },
  ],
};

describe('openSource on images', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const kind of ['oci-archive', 'oci-dir', 'docker-archive'] as const) {
    it(`reads a ${kind}: layers in order, whiteouts, opaque directories, symlinks`, async () => {
      let source: string;
      if (kind === 'docker-archive') source = await writeTar(join(dir, 'docker.tar'), await dockerArchiveFiles(twoLayers));
      else if (kind === 'oci-archive') source = await writeTar(join(dir, 'oci.tar'), await ociLayoutFiles([twoLayers]));
      else source = await writeTree(join(dir, 'layout'), await ociLayoutFiles([twoLayers]));

      const scanned = await scan(source);
      try {
        expect(scanned.description.scheme).toBe(kind);
        expect(scanned.description.layers).toHaveLength(2);
        const view = finalView(scanned);
        expect(view.read('/etc/os-release')?.toString()).toContain('ID=debian');
        expect(view.resolve('/etc/os-release')).toBe('/usr/lib/os-release');
        expect(view.read('/var/lib/dpkg/status')?.toString()).toContain('Package: c');
        const metadata = view.glob('**/METADATA').map((f) => f.path);
        expect(metadata).toEqual(['/opt/py/b-1.dist-info/METADATA', '/srv/y/METADATA']);
        const first = new TreeView(scanned.tree, 0);
        expect(first.glob('**/METADATA').map((f) => f.path)).toEqual([
          '/opt/py/a-1.dist-info/METADATA',
          '/opt/py/b-1.dist-info/METADATA',
          '/srv/x/METADATA',
        ]);
        const status = view.glob('var/lib/dpkg/status')[0];
        expect(status?.layer).toBe(scanned.description.layers[1]?.diffID);
      } finally {
        await scanned.close();
      }
    });
  }

  it('names the image from docker RepoTags and the OCI ref annotation', async () => {
    const docker = await scan(await writeTar(join(dir, 'named.tar'), await dockerArchiveFiles(twoLayers, 'registry.example/team/app:2.1')));
    expect(docker.description).toMatchObject({ name: 'registry.example/team/app', tag: '2.1' });
    await docker.close();
    const oci = await scan(`oci-archive:${await writeTar(join(dir, 'named-oci.tar'), await ociLayoutFiles([twoLayers]))}`);
    expect(oci.description).toMatchObject({ name: 'named-oci', tag: 'v1' });
    expect(oci.description.manifestDigest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(oci.description.imageId).toMatch(/^sha256:[a-f0-9]{64}$/);
    await oci.close();
  });

  it('picks the requested platform from a multi-platform index', async () => {
    const amd = { ...twoLayers, architecture: 'amd64' };
    const arm: TestImage = { architecture: 'arm64', variant: 'v8', layers: [{ entries: [{ path: 'var/lib/dpkg/status', content: 'Package: arm\n' }] }] };
    const layout = await writeTree(join(dir, 'multi'), await ociLayoutFiles([amd, arm]));
    const armScan = await scan(`oci-dir:${layout}`, 'linux/arm64');
    expect(armScan.description.platform).toBe('linux/arm64/v8');
    expect(finalView(armScan).read('/var/lib/dpkg/status')?.toString()).toBe('Package: arm\n');
    await armScan.close();
    const amdScan = await scan(`oci-dir:${layout}`);
    expect(amdScan.description.platform).toBe('linux/amd64');
    await amdScan.close();
    await expect(scan(`oci-dir:${layout}`, 'linux/s390x')).rejects.toMatchObject({ code: 'PLATFORM_NOT_FOUND' });
    await expect(scan(`oci-dir:${layout}`, 'linux')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('fetches a link target nobody asked for in a second pass', async () => {
    const image: TestImage = {
      layers: [
        {
          entries: [
            { path: 'opt/real/os-release', content: 'ID=custom\n' },
            { path: 'etc/os-release', symlink: '/opt/real/os-release' },
            { path: 'var/lib/dpkg/status', hardlink: 'opt/real/status-copy' },
          ],
        },
      ],
    };
    // the hard link must follow its target in the archive order
    image.layers[0]!.entries = [{ path: 'opt/real/status-copy', content: 'Package: linked\n' }, ...image.layers[0]!.entries!];
    const scanned = await scan(await writeTar(join(dir, 'links.tar'), await ociLayoutFiles([image])));
    const view = finalView(scanned);
    expect(view.read('/etc/os-release')).toBeUndefined();
    expect(view.read('/var/lib/dpkg/status')).toBeUndefined();
    expect(await scanned.fetchMissing()).toBe(true);
    expect(finalView(scanned).read('/etc/os-release')?.toString()).toBe('ID=custom\n');
    expect(finalView(scanned).read('/var/lib/dpkg/status')?.toString()).toBe('Package: linked\n');
    expect(await scanned.fetchMissing()).toBe(false);
    await scanned.close();
  });

  it('verifies layer digests and diffIDs', async () => {
    const good = await tarOf([{ path: 'etc/os-release', content: 'ID=x\n' }]);
    const image: TestImage = { layers: [{ raw: good, compression: 'none', diffID: sha256('something else') }] };
    await expect(scan(await writeTar(join(dir, 'baddiff.tar'), await ociLayoutFiles([image])))).rejects.toMatchObject({
      code: 'BLOB_DIGEST_MISMATCH',
    });
  });

  it('reports clear errors for missing sources', async () => {
    const error = await scan(join(dir, 'nope.tar')).catch((e: unknown) => e);
    expect(isSealkitError(error, 'SOURCE_NOT_FOUND')).toBe(true);
  });
});
