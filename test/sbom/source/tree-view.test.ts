import { copyFile, mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSbom } from '../../../src/sbom/generate.js';
import { openSource } from '../../../src/sbom/source/open-source.js';
import type { ScannedSource } from '../../../src/sbom/source/scanned-source.js';
import { Selection } from '../../../src/sbom/source/selection.js';
import { TreeView } from '../../../src/sbom/source/tree-view.js';
import { ELF_MAGIC, executableLike, ociLayoutFiles, tempDir, writeTar, type TestImage } from '../../support/image-builder.js';

const TAG = 'probe';
const jarLike = (name: string) => Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.from(name)]);
const isJar = (path: string) => path.endsWith('.jar');

/** Jars wanted by name, executables by their magic number (tagged `probe`) and anything under usr/bin by name. */
function selectionFor(): Selection {
  return new Selection()
    .addPattern('**/*.jar', 1 << 20, true)
    .addPattern('usr/bin/*', 1 << 20, true)
    .addMagic(ELF_MAGIC, 1 << 20, true, TAG);
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function scan(name: string, image: TestImage): Promise<ScannedSource> {
  const archive = await writeTar(join(dir, `${name}.tar`), await ociLayoutFiles([image]));
  return openSource(`oci-archive:${archive}`, { platform: 'linux/amd64', selectionFor });
}

/** Paths handed to a cataloger and the first bytes each leads to. */
function handed(view: TreeView, selector: Parameters<TreeView['files']>[0]): Array<[string, string]> {
  return view.files(selector).map((file) => [file.path, (file.reader?.read(0, 64) ?? file.content).toString('latin1')]);
}

describe('a symlink and the file it leads to are handed to a cataloger once', () => {
  it('hands over only the real file when the links and the file are all chosen by name', async () => {
    const scanned = await scan('jars', {
      layers: [
        {
          entries: [
            { path: 'usr/share/java/lib-1.2.jar', content: jarLike('lib') },
            { path: 'usr/share/java/lib.jar', symlink: 'lib-1.2.jar' },
            { path: 'usr/share/maven-repo/org/lib/debian/lib-debian.jar', symlink: '/usr/share/java/lib.jar' },
            { path: 'usr/share/maven-repo/org/lib/1.2/lib-1.2.jar', symlink: '../../../../java/lib-1.2.jar' },
          ],
        },
      ],
    });
    try {
      const view = new TreeView(scanned.tree, 0);
      expect(handed(view, { matches: isJar, randomAccess: true })).toEqual([['/usr/share/java/lib-1.2.jar', 'PK\u0003\u0004lib']]);
      // a byte-reading cataloger sees the same single file
      expect(view.files(isJar).map((file) => file.path)).toEqual(['/usr/share/java/lib-1.2.jar']);
      // the resolver still reads through every link
      expect(view.read('/usr/share/maven-repo/org/lib/debian/lib-debian.jar')?.toString('latin1')).toBe('PK\u0003\u0004lib');
    } finally {
      await scanned.close();
    }
  });

  it('reads a target whose own name is not chosen once, through the first link by path', async () => {
    const scanned = await scan('unchosen-target', {
      layers: [
        {
          entries: [
            { path: 'opt/dist/app-build-17', content: jarLike('app') },
            { path: 'opt/app/app.jar', symlink: '../dist/app-build-17' },
            { path: 'opt/app/current.jar', symlink: '/opt/app/app.jar' },
            { path: 'srv/other.jar', symlink: '/opt/dist/app-build-17' },
          ],
        },
      ],
    });
    try {
      // The target was not captured (nothing asked for its name): a second pass fetches it.
      expect(handed(new TreeView(scanned.tree, 0), isJar)).toEqual([]);
      expect(await scanned.fetchMissing()).toBe(true);
      expect(handed(new TreeView(scanned.tree, 0), { matches: isJar, randomAccess: true })).toEqual([['/opt/app/app.jar', 'PK\u0003\u0004app']]);
    } finally {
      await scanned.close();
    }
  });

  it('hands over only the real executable when a link to it is chosen by name and it is chosen by content', async () => {
    const tool = executableLike(800, 'tool@1.0');
    const scanned = await scan('executables', {
      layers: [
        {
          entries: [
            { path: 'usr/lib/tool/tool', content: tool },
            { path: 'usr/bin/tool', symlink: '../lib/tool/tool' },
            { path: 'usr/lib/tool/tool-hard', hardlink: 'usr/lib/tool/tool' },
            { path: 'usr/share/helper.sh', content: '#!/bin/sh\necho helper\n' },
            { path: 'usr/bin/helper', symlink: '/usr/share/helper.sh' },
          ],
        },
      ],
    });
    try {
      const selector = { matches: (path: string) => path.startsWith('usr/bin/'), tag: TAG, randomAccess: true };
      // the script is captured by nobody: the first look finds it missing, a second pass fetches it
      new TreeView(scanned.tree, 0).files(selector);
      expect(await scanned.fetchMissing()).toBe(true);
      const view = new TreeView(scanned.tree, 0);
      expect(view.files(selector).map((file) => file.path)).toEqual(['/usr/bin/helper', '/usr/lib/tool/tool', '/usr/lib/tool/tool-hard']);
      // a cataloger without the content rule reads the executable through its link, once
      expect(view.files({ matches: (path) => path.startsWith('usr/bin/'), randomAccess: true }).map((file) => file.path)).toEqual([
        '/usr/bin/helper',
        '/usr/bin/tool',
      ]);
    } finally {
      await scanned.close();
    }
  });

  it('follows a link into a later layer: the version of the target it sees, and a fingerprint that changes with it', async () => {
    const scanned = await scan('layers', {
      layers: [
        { entries: [{ path: 'opt/lib/core-1', content: jarLike('core one') }, { path: 'opt/core.jar', symlink: 'lib/core-1' }] },
        { entries: [{ path: 'etc/unrelated', content: 'x' }] },
        { entries: [{ path: 'opt/lib/core-1', content: jarLike('core two') }] },
      ],
    });
    try {
      new TreeView(scanned.tree, 2).files(isJar);
      expect(await scanned.fetchMissing()).toBe(true);
      const [first, second, third] = [0, 1, 2].map((index) => new TreeView(scanned.tree, index));
      expect(handed(first!, isJar)).toEqual([['/opt/core.jar', 'PK\u0003\u0004core one']]);
      expect(handed(third!, isJar)).toEqual([['/opt/core.jar', 'PK\u0003\u0004core two']]);
      expect(third!.files(isJar)[0]?.layer).toBe(scanned.description.layers[2]?.diffID);
      // only the link matches, yet a new version of its target is a new input for the parser
      expect(second!.fingerprint(isJar)).toBe(first!.fingerprint(isJar));
      expect(third!.fingerprint(isJar)).not.toBe(second!.fingerprint(isJar));
    } finally {
      await scanned.close();
    }
  });
});

describe('Debian jar links through generateSbom', () => {
  it('reports a Debian jar and its links as one package at the real jar', async () => {
    // A jar without Maven metadata: its file name is part of its identity, so each link would name another package.
    const jar = await readFile('fixtures/catalog/java/root/usr/share/java/atinject-jsr330-api-1.0.jar');
    const image: TestImage = {
      layers: [
        {
          entries: [
            { path: 'usr/share/java/atinject-jsr330-api-1.0.jar', content: jar },
            { path: 'usr/share/java/atinject-jsr330-api.jar', symlink: 'atinject-jsr330-api-1.0.jar' },
            { path: 'usr/share/maven-repo/javax/inject/javax.inject/1/javax.inject-1.jar', symlink: '../../../../../java/atinject-jsr330-api.jar' },
            { path: 'usr/share/maven-repo/javax/inject/javax.inject/debian/javax.inject-debian.jar', symlink: '../../../../../java/atinject-jsr330-api.jar' },
          ],
        },
      ],
    };
    const archive = await writeTar(join(dir, 'debian-jar.tar'), await ociLayoutFiles([image]));
    const sbom = await generateSbom(`oci-archive:${archive}`, { catalogers: ['java-archive'], timestamp: 0 });
    expect(sbom.packages.map((pkg) => [pkg.purl, pkg.locations.map((location) => location.path)])).toEqual([
      ['pkg:maven/atinject-jsr330-api/atinject-jsr330-api@1.0', ['/usr/share/java/atinject-jsr330-api-1.0.jar']],
    ]);
    expect(sbom.warnings).toEqual([]);
  });

  it('reads the jar of a directory and its links once too', async () => {
    const root = join(dir, 'root');
    await mkdir(join(root, 'usr/share/java'), { recursive: true });
    await copyFile('fixtures/catalog/java/root/usr/share/java/atinject-jsr330-api-1.0.jar', join(root, 'usr/share/java/atinject-jsr330-api-1.0.jar'));
    await symlink('atinject-jsr330-api-1.0.jar', join(root, 'usr/share/java/atinject-jsr330-api.jar'));
    await symlink('/usr/share/java/atinject-jsr330-api.jar', join(root, 'usr/share/java/javax.inject.jar'));
    const sbom = await generateSbom(`dir:${root}`, { catalogers: ['java-archive'], timestamp: 0 });
    expect(sbom.packages.map((pkg) => [pkg.purl, pkg.locations.map((location) => location.path)])).toEqual([
      ['pkg:maven/atinject-jsr330-api/atinject-jsr330-api@1.0', ['/usr/share/java/atinject-jsr330-api-1.0.jar']],
    ]);
  });
});
