#!/usr/bin/env node
/**
 * Builds, or reuses from the cache, the second real test image: Debian bookworm made by real tools
 * with the software of several ecosystems in one image (see polyglot/layers.mjs):
 *
 * - deb and Python: Debian packages, python3-requests and friends;
 * - Java: Debian's library jars (commons-lang3, slf4j, guava, jackson) with their maven-repo poms,
 *   and a Spring Boot jar nesting some of them, shipped in an rpm;
 * - Go: Debian's skopeo, umoci, docker-registry and CNI plugins, and esbuild's and lefthook's
 *   executables from npm (module mode, with their dependencies' h1: hashes);
 * - Ruby: Debian's ruby, ruby-sinatra and ruby-json gems, and Ruby's default and bundled gems;
 * - rpm: Debian's rpm and an rpm database at /var/lib/rpm written by it;
 * - npm: two projects installed by `npm ci`.
 *
 * Oracles, computed on the final root filesystem by each ecosystem's own tool: dpkg-query,
 * `npm ls --all --json`, importlib.metadata (the image's python3), `rpm -qa` (this machine's rpm),
 * `go version -m` (this machine's Go), `Gem::Specification` (the image's ruby), and the poms of
 * /usr/share/maven-repo (Python's ElementTree). Archives: docker-archive, docker-archive with gzip
 * layers and OCI archive, and a grown variant (polyglot/grown-variant.mjs) for memory measurements.
 *
 * Output: `${SEALKIT_CACHE:-~/.cache/sealkit}/images/bookworm-polyglot-<arch>-<key>/`, described
 * by its `image.json`; the key hashes the files that decide what is built. Needs root, Debian's
 * archive and the npm registry; installs its tools with apt-get when they are missing.
 * Prints the folder's path and nothing else; on failure prints the end of the build log.
 *
 * Usage: node scripts/image/build-polyglot-image.mjs
 * @module
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IMAGE_TOOLS, ensureTools, toolVersion } from './lib/host-tools.mjs';
import { cachedImageDir, ensureCachedImage, runAsScript } from './lib/image-cache.mjs';
import { dpkgOracle, npmOracle, pythonOracleInRoot } from './lib/oracles.mjs';
import { BuildStepError } from './lib/quiet-run.mjs';
import { ARCHIVES, writeArchives } from './lib/real-image-archives.mjs';
import { SUITE } from './lib/real-image-layers.mjs';
import { GROWN_ARCHIVES, MIRROR, writeGrownVariant } from './polyglot/grown-variant.mjs';
import { APP_SPEC, DEBIAN_PACKAGES, FAT_JAR, RPM_DBPATH, buildLayers, justdbSpecs, npmProjects } from './polyglot/layers.mjs';
import { gemOracleInRoot, goOracle, mavenRepoOracle, rpmOracle } from './polyglot/oracles.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const REF = 'polyglot';
const GROWN_REF = 'polyglot-2x';
const DOCKER_TAG = 'sealkit-e2e/bookworm-polyglot';
/** The archive forms written; the others are the first real image's to prove. */
const KINDS = /** @type {const} */ (['docker-archive', 'docker-archive-gzip', 'oci-archive']);

/** What the build runs besides the first image's tools. */
export const POLYGLOT_TOOLS = { ...IMAGE_TOOLS, rpm: 'rpm', rpmbuild: 'rpm', go: 'golang-go', python3: 'python3', npm: 'npm' };

/** Files whose content decides what is built; any change makes a new cache key. */
function inputFiles() {
  const dirs = [path.join(HERE, 'lib'), path.join(HERE, 'polyglot'), path.join(HERE, 'polyglot', 'rpm')];
  return [
    fileURLToPath(import.meta.url),
    ...dirs.flatMap((dir) => readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => path.join(dir, entry.name)).sort()),
    ...npmProjects(REPO).flatMap(({ source }) => [path.join(source, 'package.json'), path.join(source, 'package-lock.json')]),
    ...justdbSpecs(REPO),
  ];
}

const SPEC = { name: `${SUITE}-polyglot`, repo: REPO, inputFiles: inputFiles(), build: (work, runner) => buildInto(work, runner) };

/** The cache folder of the polyglot image this version of the scripts builds on this architecture. */
export function polyglotImageDir() {
  return cachedImageDir(SPEC);
}

/**
 * Returns the folder of the polyglot image and its parsed `image.json`, building it first when
 * the cache does not hold it yet.
 * @returns {Promise<{ dir: string, description: any }>}
 */
export function ensurePolyglotImage() {
  return ensureCachedImage(SPEC);
}

/** @param {import('./lib/quiet-run.mjs').QuietRunner} runner */
async function buildInto(work, runner) {
  ensureTools(runner, POLYGLOT_TOOLS);
  if (process.getuid?.() !== 0) throw new BuildStepError('building the polyglot image needs root (mmdebstrap --mode=root, umoci unpack, chroot)');
  const { layout, image, fatJar } = buildLayers(runner, { work, ref: REF, repo: REPO });

  runner.note('oracles, on the final root filesystem');
  const final = path.join(work, 'final');
  runner.run('umoci', ['unpack', '--image', `${layout}:${REF}`, final]);
  const root = path.join(final, 'rootfs');
  const projects = npmProjects(REPO);
  const oracles = {
    dpkg: ['oracle/dpkg.json', dpkgOracle(runner, root)],
    npm: ['oracle/npm-ls.json', Object.fromEntries(projects.map(({ dir }) => [dir, npmOracle(runner, path.join(root, dir))]))],
    python: ['oracle/python.json', pythonOracleInRoot(runner, root)],
    rpm: ['oracle/rpm-qa.tsv', rpmOracle(runner, root, RPM_DBPATH)],
    go: ['oracle/go-version-m.txt', goOracle(runner, root)],
    gems: ['oracle/gems.json', gemOracleInRoot(runner, root)],
    maven: ['oracle/maven-repo.json', mavenRepoOracle(runner, root)],
  };
  mkdirSync(path.join(work, 'oracle'));
  for (const [file, value] of Object.values(oracles)) {
    writeFileSync(path.join(work, file), typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
  }
  rmSync(final, { recursive: true, force: true });

  runner.note('archives');
  await writeArchives(runner, { work, layout, ref: REF, dockerTag: DOCKER_TAG, kinds: [...KINDS] });
  runner.note('grown variant: a copy of /usr in one more layer');
  const grown = writeGrownVariant(runner, { work, layout, ref: REF, grownRef: GROWN_REF, dockerTag: DOCKER_TAG });
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
    layers: image.layers.map((layer, index) => ({ ...layer, role: index === 0 ? 'debian-base' : 'applications' })),
    debianPackages: DEBIAN_PACKAGES,
    npmProjects: projects.map(({ dir }) => dir),
    rpmDbpath: RPM_DBPATH,
    rpmInstalledForReal: path.basename(APP_SPEC, '.spec'),
    fatJar: { ...FAT_JAR, nested: fatJar },
    archives: Object.fromEntries(KINDS.map((kind) => [kind, ARCHIVES[kind]])),
    oracles: Object.fromEntries(Object.entries(oracles).map(([name, [file]]) => [name, file])),
    large: {
      ref: GROWN_REF,
      mirror: MIRROR,
      imageId: grown.imageId,
      layers: grown.layers,
      archives: GROWN_ARCHIVES,
    },
    tools: {
      mmdebstrap: toolVersion('mmdebstrap'),
      umoci: toolVersion('umoci'),
      skopeo: toolVersion('skopeo'),
      npm: toolVersion('npm'),
      rpm: toolVersion('rpm'),
      go: toolVersion('go', ['version']),
    },
  };
}

await runAsScript(import.meta.url, ensurePolyglotImage);
