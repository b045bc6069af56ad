#!/usr/bin/env node
/**
 * Lockfile benchmark: sealkit and cdxgen on the same large, real lockfile, in one run, as a
 * `package-lock.json` and (unless --lockfiles says otherwise) as the `pnpm-lock.yaml` and
 * `yarn.lock` that pnpm and Yarn make of it.
 *
 * The lockfile is made by npm itself (`npm install --package-lock-only --ignore-scripts`) from a
 * fixed list of popular packages at pinned versions, the first time it is needed, and cached
 * under `~/.cache/sealkit-bench/` (outside the repository; `SEALKIT_BENCH_CACHE` moves it). It
 * holds a few thousand entries; registries move, so a cached one is reused as long as the list
 * below is unchanged. The other two are converted from it once and cached beside it:
 * `pnpm@9 import` reads the package-lock; `yarn@1 import` reads only lockfileVersion 1, which npm
 * writes of the same tree first (`--lockfile-version=1`). Both ask the npm registry for metadata
 * (a minute or two), and resolve a few packages differently, so each is counted on its own.
 *
 * - sealkit: the CLI as a real process (`node bin/sealkit.js sbom lockfile:…`), from dist/
 *   (built first unless --no-build); with Node's compile cache warm (the first run fills it) and,
 *   once more, without it (`NODE_DISABLE_COMPILE_CACHE`), as on a machine that never ran it; and
 *   on a lockfile of one package, which is start-up alone;
 * - cdxgen: `-t js` on the lockfile's folder, offline (no install, no license look-ups, no
 *   usage analysis, no recursion).
 *
 * Measured with GNU time (wall seconds, peak RSS), best of N runs. Package counts (distinct npm
 * name@version) of each tool are printed beside the oracle, an independent parse of the lockfile:
 * for package-lock.json, its `packages` entries with a version, minus the root, workspace folders
 * and links, read with JSON.parse; for pnpm-lock.yaml, the keys of `packages` read with `yaml`;
 * for yarn.lock, the entries read with `@yarnpkg/parsers`.
 *
 * Usage: node bench/lockfile.mjs [--runs N] [--cdxgen-runs N] [--skip-cdxgen] [--no-build]
 *          [--lockfiles npm,pnpm,yarn] [--json FILE]
 * @module
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseSyml } from '@yarnpkg/parsers';
import { parse as parseYaml } from 'yaml';
import { cdxgenEnv, CDXGEN_VERSION, ensureCdxgen } from './lib/cdxgen.mjs';
import { GNU_TIME, measureBest } from './lib/measure.mjs';
import { countPackages } from './lib/sbom-counts.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The project whose lockfile is measured: popular packages at pinned versions, run-time and
 * development ones, enough for about 2,500 lockfile entries.
 */
const PROJECT = {
  name: 'sealkit-lockfile-bench',
  version: '1.0.0',
  private: true,
  dependencies: {
    next: '14.2.5',
    react: '18.3.1',
    'react-dom': '18.3.1',
    express: '4.19.2',
    lodash: '4.17.21',
    axios: '1.7.4',
    '@aws-sdk/client-s3': '3.637.0',
  },
  devDependencies: {
    webpack: '5.94.0',
    jest: '29.7.0',
    '@angular/cli': '18.2.0',
    eslint: '8.57.0',
    typescript: '5.5.4',
    '@babel/core': '7.25.2',
    'react-scripts': '5.0.1',
    gatsby: '5.13.7',
  },
};

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'cdxgen-runs': { type: 'string' },
    'skip-cdxgen': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    lockfiles: { type: 'string', default: 'npm,pnpm,yarn' },
    json: { type: 'string' },
  },
});
const runs = Number(flags.runs);
const cdxgenRuns = Number(flags['cdxgen-runs'] ?? flags.runs);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(cdxgenRuns) || cdxgenRuns < 1) {
  console.error('--runs and --cdxgen-runs take a whole number of at least 1');
  process.exit(2);
}
const KINDS = ['npm', 'pnpm', 'yarn'];
const kinds = flags.lockfiles.split(',').map((kind) => kind.trim()).filter(Boolean);
if (kinds.length === 0 || kinds.some((kind) => !KINDS.includes(kind))) {
  console.error(`--lockfiles takes a comma-separated list of ${KINDS.join(', ')}`);
  process.exit(2);
}
const benchCache = process.env.SEALKIT_BENCH_CACHE || path.join(os.homedir(), '.cache', 'sealkit-bench');
// cdxgen is shared with the image benchmark's cache
const toolCache = process.env.SEALKIT_CACHE || path.join(os.homedir(), '.cache', 'sealkit');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'sealkit-bench-lockfile-'));
const progress = (text) => process.stderr.write(`bench: ${text}\n`);

try {
  main();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

function main() {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: install the Debian package "time"`);
  const npmLockfile = ensureLockfile();
  const lockfiles = kinds.map((kind) => (kind === 'npm' ? npmLockfile : kind === 'pnpm' ? ensurePnpmLockfile(npmLockfile) : ensureYarnLockfile(npmLockfile)));
  if (!flags['no-build']) {
    progress('npm run build…');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const results = { startup: startup() };
  for (const [i, kind] of kinds.entries()) results[kind] = measureLockfile(kind, lockfiles[i]);
  report(results);
  if (flags.json) writeFileSync(flags.json, `${JSON.stringify(results, null, 2)}\n`);
}

function sealkitEnv(extra = {}) {
  return { ...process.env, SOURCE_DATE_EPOCH: '1735689600', ...extra };
}

function sealkitArgs(lockfile, output) {
  return [path.join(REPO, 'bin/sealkit.js'), 'sbom', `lockfile:${lockfile}`, '--output', output];
}

/** sealkit on a lockfile of one package: the time and memory of start-up alone. */
function startup() {
  const dir = path.join(scratch, 'small');
  mkdirSync(dir);
  const lockfile = path.join(dir, 'package-lock.json');
  const entry = { version: '2.1.3', resolved: 'https://registry.npmjs.org/ms/-/ms-2.1.3.tgz', license: 'MIT' };
  const root = { name: 'small', version: '1.0.0', dependencies: { ms: '2.1.3' } };
  writeFileSync(lockfile, JSON.stringify({ name: 'small', version: '1.0.0', lockfileVersion: 3, packages: { '': root, 'node_modules/ms': entry } }));
  progress('sealkit on a lockfile of one package');
  const output = path.join(scratch, 'small.cdx.json');
  const warm = measureBest(runs, process.execPath, sealkitArgs(lockfile, output), { env: sealkitEnv() });
  const cold = measureBest(runs, process.execPath, sealkitArgs(lockfile, output), { env: sealkitEnv({ NODE_DISABLE_COMPILE_CACHE: '1' }) });
  return { warm, cold };
}

function measureLockfile(kind, lockfile) {
  const oracle = { npm: lockfileOracle, pnpm: pnpmOracle, yarn: yarnOracle }[kind](lockfile);
  progress(`sealkit on ${lockfile}`);
  const sealkitOut = path.join(scratch, `sealkit-${kind}.cdx.json`);
  const sealkit = measureBest(runs, process.execPath, sealkitArgs(lockfile, sealkitOut), { env: sealkitEnv() });
  sealkit.packages = countPackages(sealkitOut).npm;
  const cold = measureBest(runs, process.execPath, sealkitArgs(lockfile, sealkitOut), { env: sealkitEnv({ NODE_DISABLE_COMPILE_CACHE: '1' }) });
  cold.packages = countPackages(sealkitOut).npm;
  let cdxgen;
  if (!flags['skip-cdxgen']) {
    const bin = ensureCdxgen(toolCache);
    progress(`cdxgen ${CDXGEN_VERSION} on the same lockfile`);
    const cdxgenOut = path.join(scratch, `cdxgen-${kind}.cdx.json`);
    const args = ['-t', 'js', '--no-install-deps', '--no-babel', '--no-recurse', path.dirname(lockfile), '-o', cdxgenOut];
    cdxgen = measureBest(cdxgenRuns, bin, args, { env: cdxgenEnv(), cwd: scratch });
    cdxgen.packages = countPackages(cdxgenOut).npm;
  }
  return { lockfile, oracle, sealkit, cold, cdxgen };
}

/** The cached lockfile of {@link PROJECT}, made by npm on first use. */
function ensureLockfile() {
  const manifest = `${JSON.stringify(PROJECT, null, 2)}\n`;
  const key = createHash('sha256').update(manifest).digest('hex').slice(0, 12);
  const dir = path.join(benchCache, `npm-lockfile-${key}`);
  const lockfile = path.join(dir, 'package-lock.json');
  if (existsSync(lockfile)) return lockfile;
  progress(`making the lockfile with npm in ${dir} (once; about a minute)…`);
  const partial = `${dir}.partial-${process.pid}`;
  mkdirSync(partial, { recursive: true });
  writeFileSync(path.join(partial, 'package.json'), manifest);
  // peer ranges of tools pinned side by side disagree; the lockfile stays what npm resolves
  const npm = spawnSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--legacy-peer-deps', '--loglevel=error'], {
    cwd: partial,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (npm.status !== 0) {
    rmSync(partial, { recursive: true, force: true });
    throw new Error(`npm could not make the lockfile:\n${npm.stderr}`);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true });
  // renamed into place whole, so an interrupted run never leaves a half-made cache
  spawnSync('mv', [partial, dir]);
  return lockfile;
}

/**
 * `pnpm-lock.yaml` made by pnpm 9 from the package-lock, cached beside it (in a folder of its own,
 * with the same package.json, so that cdxgen sees that lockfile alone).
 */
function ensurePnpmLockfile(npmLockfile) {
  return convertOnce(npmLockfile, 'pnpm', 'pnpm-lock.yaml', (dir) => {
    copyFileSync(npmLockfile, path.join(dir, 'package-lock.json'));
    run('npx', ['--yes', 'pnpm@9', 'import'], dir);
  });
}

/** `yarn.lock` made by Yarn 1 from a lockfileVersion 1 copy of the package-lock, which npm writes of the same tree. */
function ensureYarnLockfile(npmLockfile) {
  return convertOnce(npmLockfile, 'yarn', 'yarn.lock', (dir) => {
    copyFileSync(npmLockfile, path.join(dir, 'package-lock.json'));
    run('npm', ['install', '--package-lock-only', '--lockfile-version=1', '--ignore-scripts', '--no-audit', '--no-fund', '--legacy-peer-deps', '--loglevel=error'], dir);
    run('npx', ['--yes', 'yarn@1', 'import', '--ignore-engines', '--non-interactive', '--silent'], dir);
  });
}

/**
 * `<lockfile's folder>-<kind>/<name>`, made by `convert(dir)` in a fresh folder holding the
 * package.json the first time; the folder then keeps that lockfile and the package.json only.
 */
function convertOnce(npmLockfile, kind, name, convert) {
  const dir = `${path.dirname(npmLockfile)}-${kind}`;
  const lockfile = path.join(dir, name);
  if (existsSync(lockfile)) return lockfile;
  progress(`making ${name} from the package-lock in ${dir} (once; a minute or two)…`);
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    copyFileSync(path.join(path.dirname(npmLockfile), 'package.json'), path.join(partial, 'package.json'));
    convert(partial);
    if (!existsSync(path.join(partial, name))) throw new Error(`${kind} made no ${name}`);
    mkdirSync(dir, { recursive: true });
    copyFileSync(path.join(partial, 'package.json'), path.join(dir, 'package.json'));
    // written last: its presence says the folder is complete
    copyFileSync(path.join(partial, name), lockfile);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return lockfile;
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${result.stderr}`);
}


/** Entries with a version (not the root, workspace folders or links), and their distinct name@version. */
function lockfileOracle(lockfile) {
  const lock = JSON.parse(readFileSync(lockfile, 'utf8'));
  const distinct = new Set();
  let entries = 0;
  let dev = 0;
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    // the root ("") and workspace folders are projects, not packages
    if (!key.includes('node_modules/') || entry.link === true || typeof entry.version !== 'string') continue;
    entries++;
    if (entry.dev === true) dev++;
    const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    distinct.add(`${name.toLowerCase()}@${entry.version}`);
  }
  return { format: `lockfileVersion ${lock.lockfileVersion}`, entries, dev, distinct: distinct.size, bytes: readFileSync(lockfile).length };
}

/** pnpm 9: `packages` keys are `name@version` (snapshots add peer suffixes; packages do not). */
function pnpmOracle(lockfile) {
  const lock = parseYaml(readFileSync(lockfile, 'utf8'));
  const distinct = new Set();
  let entries = 0;
  for (const key of Object.keys(lock.packages ?? {})) {
    const at = key.lastIndexOf('@');
    if (at <= 0) continue;
    entries++;
    distinct.add(`${key.slice(0, at).toLowerCase()}@${key.slice(at + 1)}`);
  }
  return { format: `pnpm lockfileVersion ${lock.lockfileVersion}`, entries, dev: undefined, distinct: distinct.size, bytes: readFileSync(lockfile).length };
}

/** Yarn 1: one entry per resolved package, keyed by the descriptors that resolve to it; an alias's descriptor names the real package. */
function yarnOracle(lockfile) {
  const lock = parseSyml(readFileSync(lockfile, 'utf8'));
  const distinct = new Set();
  let entries = 0;
  for (const [key, entry] of Object.entries(lock)) {
    if (key === '__metadata' || typeof entry?.version !== 'string') continue;
    entries++;
    const descriptor = key.split(',')[0].trim();
    const at = descriptor.indexOf('@', 1);
    const range = descriptor.slice(at + 1);
    const alias = /^npm:((?:@[^/@]+\/)?[^@]+)@/.exec(range);
    const name = alias?.[1] ?? descriptor.slice(0, at);
    distinct.add(`${name.toLowerCase()}@${entry.version}`);
  }
  return { format: 'yarn v1', entries, dev: undefined, distinct: distinct.size, bytes: readFileSync(lockfile).length };
}

function report(results) {
  const pad = (text, width) => String(text).padEnd(width);
  const lines = [''];
  const row = (tool, m, oracle) =>
    lines.push(`${pad(tool, 34)}${pad(m.seconds.toFixed(2), 10)}${pad(m.peakMiB.toFixed(1), 14)}${m.packages === undefined ? '' : m.packages === oracle ? `${m.packages} (= oracle)` : `${m.packages} (oracle ${oracle})`}`);
  const header = () => lines.push(`${pad('tool', 34)}${pad('wall s', 10)}${pad('peak RSS MiB', 14)}npm packages`);
  lines.push(`Start-up (a lockfile of one package); best of ${runs} runs`);
  header();
  row('sealkit', results.startup.warm);
  row('sealkit, no compile cache', results.startup.cold);
  for (const kind of kinds) {
    const { lockfile, oracle, sealkit, cold, cdxgen } = results[kind];
    lines.push('');
    lines.push(`Lockfile: ${lockfile} (${oracle.format}, ${(oracle.bytes / 1024).toFixed(0)} KiB); best of ${runs} runs (cdxgen: ${cdxgenRuns})`);
    lines.push(`Oracle: ${oracle.entries} entries${oracle.dev === undefined ? '' : ` (${oracle.dev} dev)`}, ${oracle.distinct} distinct name@version`);
    header();
    row('sealkit', sealkit, oracle.distinct);
    row('sealkit, no compile cache', cold, oracle.distinct);
    if (cdxgen) {
      row(`cdxgen ${CDXGEN_VERSION}`, cdxgen, oracle.distinct);
      lines.push(`sealkit is ${(cdxgen.seconds / sealkit.seconds).toFixed(1)}x faster than cdxgen (${(cdxgen.seconds / cold.seconds).toFixed(1)}x without its compile cache), with ${(sealkit.peakMiB / cdxgen.peakMiB).toFixed(2)}x its peak RSS`);
    }
  }
  console.log(lines.join('\n'));
}
