/**
 * The cache the real test images live in: one folder per image and version of the scripts that
 * build it, keyed by a hash of those scripts' files, built once under a lock between processes
 * (a test run and a benchmark started together build it once) and pruned of older versions.
 * @module
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDirLock } from './dir-lock.mjs';
import { BuildStepError, QuietRunner, logTail } from './quiet-run.mjs';

/**
 * @typedef {object} CachedImageSpec
 * @property {string} name the folder name's prefix, e.g. `bookworm`; versions are `<name>-<arch>-<hash>`
 * @property {string} repo the repository root; input files are hashed by their path relative to it
 * @property {string[]} inputFiles files whose content decides what is built
 * @property {(work: string, runner: QuietRunner) => Promise<Record<string, unknown>>} build
 *   builds into `work` and returns the description written as `image.json`
 */

/** The cache root: `$SEALKIT_CACHE` or `~/.cache/sealkit`. */
export function cacheRoot() {
  return process.env.SEALKIT_CACHE || path.join(os.homedir(), '.cache', 'sealkit');
}

/**
 * The folder the image of `spec` has (or will have) on this architecture.
 * @param {Pick<CachedImageSpec, 'name' | 'repo' | 'inputFiles'>} spec
 */
export function cachedImageDir({ name, repo, inputFiles }) {
  const hash = createHash('sha256');
  for (const file of inputFiles) hash.update(path.relative(repo, file)).update('\0').update(readFileSync(file)).update('\0');
  return path.join(cacheRoot(), 'images', `${name}-${process.arch}-${hash.digest('hex').slice(0, 16)}`);
}

/**
 * Returns the image's folder and its parsed `image.json`, building it first when the cache does
 * not hold this version yet.
 * @param {CachedImageSpec} spec
 * @returns {Promise<{ dir: string, description: any }>}
 */
export async function ensureCachedImage(spec) {
  const dir = cachedImageDir(spec);
  const descriptionFile = path.join(dir, 'image.json');
  if (!existsSync(descriptionFile)) {
    mkdirSync(path.dirname(dir), { recursive: true });
    await withDirLock(`${dir}.lock`, async () => {
      if (!existsSync(descriptionFile)) await build(spec, dir);
    });
  }
  return { dir, description: JSON.parse(readFileSync(descriptionFile, 'utf8')) };
}

/** @param {CachedImageSpec} spec */
async function build(spec, dir) {
  const started = Date.now();
  const work = `${dir}.partial`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const logFile = path.join(work, 'build.log');
  const runner = new QuietRunner(logFile);
  try {
    const description = await spec.build(work, runner);
    description.buildSeconds = Math.round((Date.now() - started) / 100) / 10;
    writeFileSync(path.join(work, 'image.json'), `${JSON.stringify(description, null, 2)}\n`);
    renameSync(work, dir);
    pruneOtherVersions(spec.name, dir);
  } catch (error) {
    const failedLog = `${dir}.failed.log`;
    try {
      copyFileSync(logFile, failedLog);
    } catch {
      // The log is only a help; the error below is what matters.
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new BuildStepError(`${spec.name} image build failed: ${message}\n--- end of ${failedLog} ---\n${logTail(logFile)}`, { cause: error });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Removes the images earlier versions of the same scripts built: each takes a GiB or more and a
 * changed script never uses them again. One whose build is under way (locked) is kept.
 */
function pruneOtherVersions(name, dir) {
  const parent = path.dirname(dir);
  const pattern = new RegExp(`^${name}-${process.arch}-[0-9a-f]{16}(\\.failed\\.log)?$`);
  for (const entry of readdirSync(parent)) {
    const other = path.join(parent, entry);
    const version = other.replace(/\.failed\.log$/, '');
    if (version === dir || !pattern.test(entry) || existsSync(`${version}.lock`)) continue;
    rmSync(other, { recursive: true, force: true });
  }
}

/**
 * Runs `main` when `moduleUrl` is the script node was started with: the image builders print
 * their folder and nothing else, or the error on failure.
 * @param {string} moduleUrl `import.meta.url` of the builder
 * @param {() => Promise<{ dir: string }>} ensure
 */
export async function runAsScript(moduleUrl, ensure) {
  if (!process.argv[1] || path.resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  try {
    const { dir } = await ensure();
    process.stdout.write(`${dir}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
