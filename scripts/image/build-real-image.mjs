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
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDirLock } from './lib/dir-lock.mjs';
import { ensureTools, toolVersion } from './lib/host-tools.mjs';
import { dpkgOracle, npmOracle, pythonOracleInRoot } from './lib/oracles.mjs';
import { BuildStepError, QuietRunner, logTail } from './lib/quiet-run.mjs';
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

/** The cache folder of the image this version of the script builds on this architecture. */
export function realImageDir() {
  const hash = createHash('sha256');
  for (const file of inputFiles()) hash.update(path.relative(REPO, file)).update('\0').update(readFileSync(file)).update('\0');
  const cache = process.env.SEALKIT_CACHE || path.join(os.homedir(), '.cache', 'sealkit');
  return path.join(cache, 'images', `${SUITE}-${process.arch}-${hash.digest('hex').slice(0, 16)}`);
}

/**
 * Returns the folder of the real image and its parsed `image.json`, building it first when
 * the cache does not hold it yet.
 * @returns {Promise<{ dir: string, description: any }>}
 */
export async function ensureRealImage() {
  const dir = realImageDir();
  const descriptionFile = path.join(dir, 'image.json');
  if (!existsSync(descriptionFile)) {
    mkdirSync(path.dirname(dir), { recursive: true });
    await withDirLock(`${dir}.lock`, async () => {
      if (!existsSync(descriptionFile)) await build(dir);
    });
  }
  return { dir, description: JSON.parse(readFileSync(descriptionFile, 'utf8')) };
}

async function build(dir) {
  const started = Date.now();
  const work = `${dir}.partial`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const logFile = path.join(work, 'build.log');
  const runner = new QuietRunner(logFile);
  try {
    const description = await buildInto(work, runner);
    description.buildSeconds = Math.round((Date.now() - started) / 100) / 10;
    writeFileSync(path.join(work, 'image.json'), `${JSON.stringify(description, null, 2)}\n`);
    renameSync(work, dir);
    pruneOtherVersions(dir);
  } catch (error) {
    const failedLog = `${dir}.failed.log`;
    try {
      copyFileSync(logFile, failedLog);
    } catch {
      // The log is only a help; the error below is what matters.
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new BuildStepError(`real image build failed: ${message}\n--- end of ${failedLog} ---\n${logTail(logFile)}`, { cause: error });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Removes the images earlier versions of this script built: each takes over a GiB and a
 * changed script never uses them again. One whose build is under way (locked) is kept.
 */
function pruneOtherVersions(dir) {
  const parent = path.dirname(dir);
  const pattern = new RegExp(`^${SUITE}-${process.arch}-[0-9a-f]{16}$`);
  for (const name of readdirSync(parent)) {
    const other = path.join(parent, name);
    if (other === dir || !pattern.test(name) || existsSync(`${other}.lock`)) continue;
    rmSync(other, { recursive: true, force: true });
    rmSync(`${other}.failed.log`, { force: true });
  }
}

/** @param {QuietRunner} runner */
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

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { dir } = await ensureRealImage();
    process.stdout.write(`${dir}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
