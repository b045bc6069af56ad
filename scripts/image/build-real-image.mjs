#!/usr/bin/env node
/**
 * Builds, or reuses from the cache, a real Debian bookworm image made by real tools, with the
 * oracles the end-to-end tests and the benchmarks compare sealkit with:
 *
 * - layer 1: `mmdebstrap --variant=minbase` of bookworm with ca-certificates and a few Python
 *   packages (python3-requests and its dependencies, python3-yaml, python3-jinja2);
 * - layer 2: the npm project of fixtures/projects/web-service installed by `npm ci` into /app,
 *   and the removal of one Python distribution's metadata directory of layer 1, which umoci
 *   records as a whiteout;
 * - the image as docker-archive (uncompressed layers, as skopeo and docker save write it),
 *   docker-archive with gzip layers, OCI archive (gzip), OCI archive (zstd) and OCI layout dir;
 * - oracles computed on the final root filesystem: dpkg-query, `npm ls --all --json`, and the
 *   distributions the image's own python3 finds with importlib.metadata (run with chroot);
 * - a large variant: the same image plus a layer of incompressible data as large as the
 *   uncompressed rest, for memory measurements.
 *
 * Output: `${SEALKIT_CACHE:-~/.cache/sealkit}/images/<key>/`, described by its `image.json`.
 * The key hashes this script, its helpers and the npm project, so any change rebuilds (and
 * removes the images earlier versions built). Needs root and Debian's archive and the npm
 * registry; installs mmdebstrap, umoci and skopeo with apt-get when they are missing.
 * Prints the folder's path and nothing else; on failure prints the end of the build log.
 *
 * Usage: node scripts/image/build-real-image.mjs
 * @module
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTools, toolVersion } from './lib/host-tools.mjs';
import { cachedImageDir, ensureCachedImage, runAsScript } from './lib/image-cache.mjs';
import { dpkgOracle, npmOracle, pythonOracleInRoot } from './lib/oracles.mjs';
import { BuildStepError } from './lib/quiet-run.mjs';
import { ARCHIVES, LARGE_ARCHIVES, writeArchives, writeLargeVariant } from './lib/real-image-archives.mjs';
import { SUITE, buildLayers } from './lib/real-image-layers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const PROJECT = path.join(REPO, 'fixtures/projects/web-service');
const REF = 'real';
const LARGE_REF = 'real-2x';
const DOCKER_TAG = 'sealkit-e2e/bookworm-web-service';

/** Files whose content decides what is built; any change makes a new cache key. */
function inputFiles() {
  const lib = path.join(HERE, 'lib');
  return [
    fileURLToPath(import.meta.url),
    ...readdirSync(lib).sort().map((name) => path.join(lib, name)),
    path.join(PROJECT, 'package.json'),
    path.join(PROJECT, 'package-lock.json'),
  ];
}

const SPEC = { name: SUITE, repo: REPO, inputFiles: inputFiles(), build: (work, runner) => buildInto(work, runner) };

/** The cache folder of the image this version of the script builds on this architecture. */
export function realImageDir() {
  return cachedImageDir(SPEC);
}

/**
 * Returns the folder of the real image and its parsed `image.json`, building it first when
 * the cache does not hold it yet.
 * @returns {Promise<{ dir: string, description: any }>}
 */
export function ensureRealImage() {
  return ensureCachedImage(SPEC);
}

/** @param {import('./lib/quiet-run.mjs').QuietRunner} runner */
async function buildInto(work, runner) {
  ensureTools(runner);
  if (process.getuid?.() !== 0) throw new BuildStepError('building the real image needs root (mmdebstrap --mode=root, umoci unpack, chroot)');
  const { layout, image, whiteout, pythonBase } = buildLayers(runner, { work, ref: REF, project: PROJECT });

  runner.note('oracles, on the final root filesystem');
  const final = path.join(work, 'final');
  runner.run('umoci', ['unpack', '--image', `${layout}:${REF}`, final]);
  const root = path.join(final, 'rootfs');
  if (existsSync(path.join(root, whiteout.path))) throw new BuildStepError(`${whiteout.path} survived its whiteout`);
  const oracles = {
    dpkg: ['oracle/dpkg.json', dpkgOracle(runner, root)],
    npm: ['oracle/npm-ls.json', npmOracle(runner, path.join(root, 'app'))],
    python: ['oracle/python.json', pythonOracleInRoot(runner, root)],
    pythonBase: ['oracle/python-base.json', pythonBase],
  };
  mkdirSync(path.join(work, 'oracle'));
  for (const [file, value] of Object.values(oracles)) writeFileSync(path.join(work, file), `${JSON.stringify(value, null, 2)}\n`);
  rmSync(final, { recursive: true, force: true });

  runner.note('archives');
  await writeArchives(runner, { work, layout, ref: REF, dockerTag: DOCKER_TAG });
  runner.note('large variant: one more layer of incompressible data');
  const large = writeLargeVariant(runner, { work, layout, ref: REF, largeRef: LARGE_REF, dockerTag: DOCKER_TAG });
  rmSync(layout, { recursive: true, force: true });

  return {
    schema: 1,
    builtAt: new Date().toISOString(),
    suite: SUITE,
    ref: REF,
    dockerTag: `${DOCKER_TAG}:${REF}`,
    platform: image.platform,
    manifestDigest: image.manifestDigest,
    imageId: image.imageId,
    layers: image.layers.map((layer, index) => ({ ...layer, role: index === 0 ? 'debian-base' : 'npm-app' })),
    app: '/app',
    archives: ARCHIVES,
    whiteout,
    oracles: Object.fromEntries(Object.entries(oracles).map(([name, [file]]) => [name, file])),
    large: {
      ref: LARGE_REF,
      payloadBytes: large.payloadBytes,
      imageId: large.image.imageId,
      layers: large.image.layers,
      archives: LARGE_ARCHIVES,
    },
    tools: {
      mmdebstrap: toolVersion('mmdebstrap'),
      umoci: toolVersion('umoci'),
      skopeo: toolVersion('skopeo'),
      npm: toolVersion('npm'),
    },
  };
}

await runAsScript(import.meta.url, ensureRealImage);
