#!/usr/bin/env node
/**
 * Lockfile benchmark: sealkit and cdxgen on the same large, real `package-lock.json`, in one run.
 *
 * The lockfile is made by npm itself (`npm install --package-lock-only --ignore-scripts`) from a
 * fixed list of popular packages at pinned versions, the first time it is needed, and cached
 * under `~/.cache/sealkit-bench/` (outside the repository; `SEALKIT_BENCH_CACHE` moves it). It
 * holds a few thousand entries; registries move, so a cached one is reused as long as the list
 * below is unchanged.
 *
 * - sealkit: the CLI as a real process (`node bin/sealkit.js sbom lockfile:…/package-lock.json`),
 *   from dist/ (built first unless --no-build);
 * - cdxgen: `-t js` on the lockfile's folder, offline (no install, no license look-ups, no
 *   usage analysis, no recursion).
 *
 * Measured with GNU time (wall seconds, peak RSS), best of N runs. Package counts (distinct npm
 * name@version) of each tool are printed beside the oracle: the lockfile's `packages` entries
 * with a version, minus the root, workspace folders and links, read with JSON.parse (entries, and distinct
 * name@version, which is what an SBOM lists).
 *
 * Usage: node bench/lockfile.mjs [--runs N] [--cdxgen-runs N] [--skip-cdxgen] [--no-build] [--json FILE]
 * @module
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
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
    json: { type: 'string' },
  },
});
const runs = Number(flags.runs);
const cdxgenRuns = Number(flags['cdxgen-runs'] ?? flags.runs);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(cdxgenRuns) || cdxgenRuns < 1) {
  console.error('--runs and --cdxgen-runs take a whole number of at least 1');
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
  const lockfile = ensureLockfile();
  const oracle = lockfileOracle(lockfile);
  if (!flags['no-build']) {
    progress('npm run build…');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  progress(`sealkit on ${lockfile}`);
  const sealkitOut = path.join(scratch, 'sealkit.cdx.json');
  const sealkit = measureBest(runs, process.execPath, [path.join(REPO, 'bin/sealkit.js'), 'sbom', `lockfile:${lockfile}`, '--output', sealkitOut], {
    env: { ...process.env, SOURCE_DATE_EPOCH: '1735689600' },
  });
  sealkit.packages = countPackages(sealkitOut).npm;
  let cdxgen;
  if (!flags['skip-cdxgen']) {
    const bin = ensureCdxgen(toolCache);
    progress(`cdxgen ${CDXGEN_VERSION} on the same lockfile`);
    const cdxgenOut = path.join(scratch, 'cdxgen.cdx.json');
    const args = ['-t', 'js', '--no-install-deps', '--no-babel', '--no-recurse', path.dirname(lockfile), '-o', cdxgenOut];
    cdxgen = measureBest(cdxgenRuns, bin, args, { env: cdxgenEnv(), cwd: scratch });
    cdxgen.packages = countPackages(cdxgenOut).npm;
  }
  report(lockfile, oracle, sealkit, cdxgen);
  if (flags.json) writeFileSync(flags.json, `${JSON.stringify({ lockfile, oracle, sealkit, cdxgen }, null, 2)}\n`);
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
  return { lockfileVersion: lock.lockfileVersion, entries, dev, distinct: distinct.size, bytes: readFileSync(lockfile).length };
}

function report(lockfile, oracle, sealkit, cdxgen) {
  const pad = (text, width) => String(text).padEnd(width);
  const lines = [''];
  lines.push(`Lockfile: ${lockfile} (lockfileVersion ${oracle.lockfileVersion}, ${(oracle.bytes / 1024).toFixed(0)} KiB); best of ${runs} runs (cdxgen: ${cdxgenRuns})`);
  lines.push(`Oracle: ${oracle.entries} entries with a version (${oracle.dev} dev), ${oracle.distinct} distinct name@version`);
  lines.push('');
  lines.push(`${pad('tool', 20)}${pad('wall s', 10)}${pad('peak RSS MiB', 14)}npm packages`);
  const row = (tool, m) => lines.push(`${pad(tool, 20)}${pad(m.seconds.toFixed(2), 10)}${pad(m.peakMiB.toFixed(1), 14)}${m.packages}${m.packages === oracle.distinct ? ' (= oracle)' : ` (oracle ${oracle.distinct})`}`);
  row('sealkit', sealkit);
  if (cdxgen) {
    row(`cdxgen ${CDXGEN_VERSION}`, cdxgen);
    lines.push('');
    lines.push(`sealkit is ${(cdxgen.seconds / sealkit.seconds).toFixed(1)}x faster than cdxgen, with ${(sealkit.peakMiB / cdxgen.peakMiB).toFixed(2)}x its peak RSS`);
  }
  console.log(lines.join('\n'));
}
