/**
 * The two layers of the real test image, made by real tools in an OCI layout:
 * 1. `mmdebstrap --variant=minbase` of Debian bookworm with ca-certificates and a few Python
 *    packages, added verbatim by `umoci raw add-layer`;
 * 2. an npm project installed by `npm ci` into /app, plus the removal of one Python
 *    distribution's metadata directory of layer 1, which `umoci repack` records as a whiteout.
 * @module
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describeLayoutImage } from './oci-layout.mjs';
import { pythonOracleInRoot } from './oracles.mjs';
import { BuildStepError } from './quiet-run.mjs';

export const SUITE = 'bookworm';
const INCLUDE = ['ca-certificates', 'python3-requests', 'python3-yaml', 'python3-jinja2'];
export const APT_SOURCES = [
  'deb http://deb.debian.org/debian bookworm main',
  'deb http://deb.debian.org/debian bookworm-updates main',
  'deb http://deb.debian.org/debian-security bookworm-security main',
];
const DIST_PACKAGES = '/usr/lib/python3/dist-packages';
/** The distribution layer 2 deletes; python3-requests depends on it, so dpkg still lists its package. */
const WHITED_OUT = { name: 'idna', directory: /^idna-([^-]+)\.(?:egg|dist)-info$/ };

/**
 * Builds both layers into a new OCI layout `<work>/oci`, tagged `ref`.
 * @param {import('./quiet-run.mjs').QuietRunner} runner
 * @param {{ work: string, ref: string, project: string }} input `project` holds package.json and package-lock.json
 * @returns {{ layout: string, image: ReturnType<typeof describeLayoutImage>,
 *   whiteout: { path: string, whiteoutEntry: string, name: string, version: string, layer: string },
 *   pythonBase: [string, string][] }} `pythonBase`: the distributions layer 1 alone holds
 */
export function buildLayers(runner, { work, ref, project }) {
  const arch = runner.run('dpkg', ['--print-architecture'], { capture: true }).trim();
  const layout = path.join(work, 'oci');
  const oci = `${layout}:${ref}`;

  runner.note('layer 1: mmdebstrap');
  const rootTar = path.join(work, 'layer1.tar');
  runner.run('mmdebstrap', [
    '--variant=minbase', '--mode=root', '--format=tar', `--architectures=${arch}`,
    `--include=${INCLUDE.join(',')}`, '--aptopt=Acquire::Retries "3"',
    SUITE, rootTar, ...APT_SOURCES,
  ]);
  runner.run('umoci', ['init', '--layout', layout]);
  runner.run('umoci', ['new', '--image', oci]);
  runner.run('umoci', [
    'config', '--image', oci, '--no-history', '--os', 'linux', '--architecture', arch,
    '--config.env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    '--config.workingdir', '/app', '--config.cmd', '/bin/bash',
  ]);
  runner.run('umoci', ['raw', 'add-layer', '--image', oci,
    '--history.created_by', `mmdebstrap --variant=minbase --include=${INCLUDE.join(',')} ${SUITE}`, rootTar]);
  rmSync(rootTar);

  runner.note('layer 2: npm ci into /app, and a whiteout');
  const bundle = path.join(work, 'bundle');
  runner.run('umoci', ['unpack', '--image', oci, bundle]);
  const root = path.join(bundle, 'rootfs');
  const pythonBase = pythonOracleInRoot(runner, root);
  const found = readdirSync(path.join(root, DIST_PACKAGES)).filter((name) => WHITED_OUT.directory.test(name));
  if (found.length !== 1) throw new BuildStepError(`expected one ${WHITED_OUT.name} metadata directory in ${DIST_PACKAGES}, found: ${found.join(', ') || 'none'}`);
  const directory = /** @type {string} */ (found[0]);
  const removedPath = `${DIST_PACKAGES}/${directory}`;
  rmSync(path.join(root, removedPath), { recursive: true });
  const app = path.join(root, 'app');
  mkdirSync(app, { mode: 0o755 });
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(path.join(project, file), path.join(app, file));
  runner.run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=warn'], { cwd: app });
  runner.run('umoci', ['repack', '--image', oci, '--history.created_by', `npm ci (in /app); rm -r ${removedPath}`, bundle]);
  rmSync(bundle, { recursive: true, force: true });
  runner.run('umoci', ['gc', '--layout', layout]);

  const image = describeLayoutImage(layout, ref);
  if (image.layers.length !== 2) throw new BuildStepError(`expected 2 layers, got ${image.layers.length}`);
  const whiteoutEntry = `${DIST_PACKAGES}/.wh.${directory}`;
  const layer2 = runner.run('tar', ['-tzf', path.join(layout, 'blobs', 'sha256', image.layers[1].digest.slice(7))], { capture: true });
  if (!layer2.split('\n').some((entry) => `/${entry.replace(/^\.?\//, '')}` === whiteoutEntry)) {
    throw new BuildStepError(`layer 2 holds no whiteout ${whiteoutEntry}`);
  }
  const version = /** @type {string} */ (WHITED_OUT.directory.exec(directory)?.[1]);
  return {
    layout,
    image,
    whiteout: { path: removedPath, whiteoutEntry, name: WHITED_OUT.name, version, layer: image.layers[1].diffID },
    pythonBase,
  };
}
