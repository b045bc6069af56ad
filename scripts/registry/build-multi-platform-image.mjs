#!/usr/bin/env node
/**
 * Builds, or reuses from the cache, a real multi-platform image: an OCI image index over two
 * images, in an OCI layout folder that registry tests push with `skopeo copy --all`.
 *
 * - the host's platform: the real bookworm image of scripts/image/build-real-image.mjs, copied
 *   with its manifest digest unchanged, so that a platform chosen from the index is that image;
 * - the other platform (arm64 on an amd64 host, amd64 otherwise): Debian's busybox-static for
 *   that architecture installed by `mmdebstrap --mode=chrootless` (dpkg writes its database; no
 *   emulator runs), made into a one-layer image by umoci;
 * - the index lists both with their platforms, and is tagged `multi` in the layout;
 * - oracle: dpkg-query over the other platform's root filesystem.
 *
 * Output: `${SEALKIT_CACHE:-~/.cache/sealkit}/images/<key>/`, described by its `image.json`.
 * The key hashes this script and the real image's description, so a rebuilt real image makes a
 * new index. Needs root and Debian's archive. Prints the folder's path and nothing else; on
 * failure prints the end of the build log.
 *
 * Usage: node scripts/registry/build-multi-platform-image.mjs
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureRealImage } from '../image/build-real-image.mjs';
import { ensureTools, toolVersion } from '../image/lib/host-tools.mjs';
import { ensureCachedImage, runAsScript } from '../image/lib/image-cache.mjs';
import { blobPath, describeLayoutImage } from '../image/lib/oci-layout.mjs';
import { dpkgOracle } from '../image/lib/oracles.mjs';
import { BuildStepError } from '../image/lib/quiet-run.mjs';
import { APT_SOURCES, SUITE } from '../image/lib/real-image-layers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
/** The tag of the index in the layout. */
export const INDEX_REF = 'multi';
const LAYOUT = 'oci-dir';
const OTHER_PACKAGE = 'busybox-static';
const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';
const REF_ANNOTATION = 'org.opencontainers.image.ref.name';

/**
 * Returns the folder of the multi-platform image and its parsed `image.json`, building the real
 * image and then the index first when the cache does not hold them yet.
 * @returns {Promise<{ dir: string, description: any }>}
 */
export async function ensureMultiPlatformImage() {
  const real = await ensureRealImage();
  const spec = {
    name: `${SUITE}-multiplatform`,
    repo: REPO,
    inputFiles: [fileURLToPath(import.meta.url), path.join(real.dir, 'image.json')],
    build: (work, runner) => buildInto(work, runner, real),
  };
  return ensureCachedImage(spec);
}

/**
 * @param {string} work
 * @param {import('../image/lib/quiet-run.mjs').QuietRunner} runner
 * @param {{ dir: string, description: any }} real
 */
async function buildInto(work, runner, real) {
  ensureTools(runner);
  if (process.getuid?.() !== 0) throw new BuildStepError('building the multi-platform image needs root (mmdebstrap)');
  const layout = path.join(work, LAYOUT);
  const hostArch = runner.run('dpkg', ['--print-architecture'], { capture: true }).trim();
  const otherArch = hostArch === 'arm64' ? 'amd64' : 'arm64';

  runner.note(`host platform: the real image (${real.description.manifestDigest}), digest preserved`);
  runner.run('skopeo', ['--insecure-policy', 'copy', '--quiet', '--preserve-digests',
    `oci:${path.join(real.dir, real.description.archives['oci-dir'])}:${real.description.ref}`, `oci:${layout}:${hostArch}`]);
  const host = describeLayoutImage(layout, hostArch);
  if (host.manifestDigest !== real.description.manifestDigest) {
    throw new BuildStepError(`skopeo changed the real image's digest: ${host.manifestDigest}, not ${real.description.manifestDigest}`);
  }

  runner.note(`other platform: ${OTHER_PACKAGE} for ${otherArch}, installed by dpkg without emulation`);
  const rootTar = path.join(work, 'other.tar');
  runner.run('mmdebstrap', [
    '--variant=custom', '--mode=chrootless', '--format=tar', `--architectures=${otherArch}`,
    `--include=${OTHER_PACKAGE}`, '--aptopt=Acquire::Retries "3"', SUITE, rootTar, ...APT_SOURCES,
  ]);
  const other = `${layout}:${otherArch}`;
  runner.run('umoci', ['new', '--image', other]);
  runner.run('umoci', ['config', '--image', other, '--no-history', '--os', 'linux', '--architecture', otherArch,
    '--config.entrypoint', '/bin/busybox', '--config.cmd', 'sh']);
  runner.run('umoci', ['raw', 'add-layer', '--image', other,
    '--history.created_by', `mmdebstrap --variant=custom --mode=chrootless --include=${OTHER_PACKAGE} ${SUITE}`, rootTar]);
  const otherRoot = path.join(work, 'other-root');
  mkdirSync(otherRoot);
  runner.run('tar', ['-xf', rootTar, '-C', otherRoot, './var/lib/dpkg']);
  const otherDpkg = dpkgOracle(runner, otherRoot);
  rmSync(otherRoot, { recursive: true, force: true });
  rmSync(rootTar);
  const otherImage = describeLayoutImage(layout, otherArch);

  runner.note(`the index over both, tagged ${INDEX_REF}`);
  const images = [
    { role: 'real', image: host, arch: hostArch },
    { role: OTHER_PACKAGE, image: otherImage, arch: otherArch },
  ];
  const manifests = images.map(({ image, arch }) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: image.manifestDigest,
    size: statSync(blobPath(layout, image.manifestDigest)).size,
    platform: { architecture: arch, os: 'linux' },
  }));
  const indexBytes = Buffer.from(`${JSON.stringify({ schemaVersion: 2, mediaType: INDEX_MEDIA_TYPE, manifests }, null, 2)}\n`);
  const indexDigest = `sha256:${createHash('sha256').update(indexBytes).digest('hex')}`;
  writeFileSync(blobPath(layout, indexDigest), indexBytes);
  const layoutIndexFile = path.join(layout, 'index.json');
  const layoutIndex = JSON.parse(readFileSync(layoutIndexFile, 'utf8'));
  layoutIndex.manifests.push({ mediaType: INDEX_MEDIA_TYPE, digest: indexDigest, size: indexBytes.length, annotations: { [REF_ANNOTATION]: INDEX_REF } });
  writeFileSync(layoutIndexFile, `${JSON.stringify(layoutIndex)}\n`);
  // skopeo reading the index back proves the layout is well formed before anything relies on it.
  const inspected = runner.run('skopeo', ['inspect', '--raw', `oci:${layout}:${INDEX_REF}`], { capture: true });
  if (inspected !== indexBytes.toString()) throw new BuildStepError(`skopeo reads another index at ${layout}:${INDEX_REF}`);

  mkdirSync(path.join(work, 'oracle'));
  writeFileSync(path.join(work, 'oracle/other-dpkg.json'), `${JSON.stringify(otherDpkg, null, 2)}\n`);
  return {
    schema: 1,
    builtAt: new Date().toISOString(),
    suite: SUITE,
    layout: LAYOUT,
    ref: INDEX_REF,
    indexDigest,
    indexMediaType: INDEX_MEDIA_TYPE,
    indexSize: indexBytes.length,
    realImageDir: real.dir,
    manifests: images.map(({ role, image, arch }, i) => ({
      role,
      ref: arch,
      platform: `linux/${arch}`,
      digest: image.manifestDigest,
      size: manifests[i]?.size,
      imageId: image.imageId,
      layers: image.layers,
    })),
    oracles: { otherDpkg: 'oracle/other-dpkg.json' },
    tools: { mmdebstrap: toolVersion('mmdebstrap'), umoci: toolVersion('umoci'), skopeo: toolVersion('skopeo') },
  };
}

await runAsScript(import.meta.url, ensureMultiPlatformImage);
