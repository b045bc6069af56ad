#!/usr/bin/env node
/**
 * SBOM generation benchmark on the two real test images (built or reused from the cache): the
 * Debian bookworm image with an npm project of scripts/image/build-real-image.mjs, and the larger
 * polyglot image of scripts/image/build-polyglot-image.mjs (rpm, Java, Go, Ruby, Python, npm):
 *
 * - sealkit's CLI (`node bin/sealkit.js sbom <archive>`), from dist/ (built first);
 * - cdxgen on the same tarball, offline (FETCH_LICENSE=false), installed into the cache;
 * - the floor: streaming each layer's byte range out of the archive and decompressing it, with
 *   nothing extracted to disk, once with `dd | gzip -dc` (the floor the target is set against)
 *   and once with Node's zlib (faster here; its ratio is shown, with no target: sealkit
 *   catalogs on the thread that inflates, so its time is the inflating plus the cataloging).
 *
 * Measured with GNU time (wall seconds, peak RSS), best of N runs, on the gzip OCI archive
 * and the docker-archive of each image, and sealkit's memory again on each image grown to about
 * twice its size (the first by a layer of incompressible data as large as the rest, the polyglot
 * one by a copy of /usr, which doubles what sealkit reads). Prints a table per image and the ratios
 * against the targets, and the package counts of each tool beside the image's oracles.
 *
 * Usage: node bench/sbom.mjs [--image real|polyglot|all] [--runs N] [--cdxgen-runs N] [--skip-cdxgen]
 *          [--no-build] [--check] [--json FILE]
 *   --check exits with 1 when a target is missed; --json also writes the results to FILE.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensurePolyglotImage } from '../scripts/image/build-polyglot-image.mjs';
import { ensureRealImage } from '../scripts/image/build-real-image.mjs';
import { ensureTools } from '../scripts/image/lib/host-tools.mjs';
import { QuietRunner } from '../scripts/image/lib/quiet-run.mjs';
import { cdxgenEnv, CDXGEN_VERSION, ensureCdxgen } from './lib/cdxgen.mjs';
import { layerRanges } from './lib/image-layers.mjs';
import { GNU_TIME, measureBest } from './lib/measure.mjs';
import { oracleCounts } from './lib/oracle-counts.mjs';
import { countPackages } from './lib/sbom-counts.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STREAM_LAYERS = path.join(REPO, 'bench/lib/stream-layers.mjs');
const TARGETS = { speedupVsCdxgen: 20, ratioVsFloor: 1.5, peakMiB: 120 };
// Peak memory on the doubled image may differ by allocator noise, never by the added size.
const RSS_GROWTH_TOLERANCE_MIB = 8;

const { values: flags } = parseArgs({
  options: {
    image: { type: 'string', default: 'all' },
    runs: { type: 'string', default: '3' },
    'cdxgen-runs': { type: 'string' },
    'skip-cdxgen': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const runs = Number(flags.runs);
const cdxgenRuns = Number(flags['cdxgen-runs'] ?? flags.runs);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(cdxgenRuns) || cdxgenRuns < 1) {
  console.error('--runs and --cdxgen-runs take a whole number of at least 1');
  process.exit(2);
}

const IMAGES = [
  { key: 'real', title: 'Debian bookworm + npm project', ensure: ensureRealImage, grownBy: 'a layer of incompressible data' },
  { key: 'polyglot', title: 'Debian bookworm with rpm, Java, Go, Ruby, Python and npm', ensure: ensurePolyglotImage, grownBy: 'a copy of /usr' },
];
const selected = IMAGES.filter((image) => flags.image === 'all' || flags.image === image.key);
if (selected.length === 0) {
  console.error(`--image takes ${IMAGES.map((image) => image.key).join(', ')} or all`);
  process.exit(2);
}
const cacheRoot = process.env.SEALKIT_CACHE || path.join(os.homedir(), '.cache', 'sealkit');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'sealkit-bench-'));
const progress = (text) => process.stderr.write(`bench: ${text}\n`);

try {
  await main();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

async function main() {
  ensureTools(new QuietRunner(path.join(scratch, 'tools.log')), { [GNU_TIME]: 'time', dd: 'coreutils', gzip: 'gzip', zstd: 'zstd' });
  const built = [];
  for (const image of selected) {
    progress(`${image.key} image (built on first use)…`);
    const started = performance.now();
    built.push({ ...image, ...(await image.ensure()) });
    progress(`${image.key} image ready in ${((performance.now() - started) / 1000).toFixed(1)}s: ${built.at(-1).dir}`);
  }
  if (!flags['no-build']) {
    progress('npm run build…');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const cdxgen = flags['skip-cdxgen'] ? undefined : ensureCdxgen(cacheRoot);
  const all = [];
  for (const image of built) all.push(benchImage(image, cdxgen));
  if (flags.json) writeFileSync(flags.json, `${JSON.stringify({ images: all }, null, 2)}\n`);
  if (flags.check && all.some(({ verdicts }) => verdicts.some((verdict) => verdict.ok === false))) process.exitCode = 1;
}

/** Measures one image: floors, sealkit and cdxgen on its archives, sealkit on its grown variant. */
function benchImage({ key, title, grownBy, dir, description }, cdxgen) {
  const images = [
    { label: 'gzip OCI archive', scheme: 'oci-archive', file: path.join(dir, description.archives['oci-archive']) },
    { label: 'docker-archive', scheme: 'docker-archive', file: path.join(dir, description.archives['docker-archive']) },
  ];
  const large = [
    { label: '2x gzip OCI archive', scheme: 'oci-archive', file: path.join(dir, description.large.archives['oci-archive']) },
    { label: '2x docker-archive', scheme: 'docker-archive', file: path.join(dir, description.large.archives['docker-archive']) },
  ];
  const results = [];
  for (const image of images) {
    const row = { ...image, sizeMiB: fileMiB(image.file) };
    progress(`${key} ${image.label}: floors`);
    row.floorGzip = measureBest(runs, 'sh', ['-c', floorScript(image.scheme, image.file)]);
    row.floorNode = measureBest(runs, process.execPath, [STREAM_LAYERS, image.scheme, image.file]);
    row.floor = row.floorNode.seconds < row.floorGzip.seconds ? row.floorNode : row.floorGzip;
    progress(`${key} ${image.label}: sealkit`);
    row.sealkit = measureSealkit(image);
    if (cdxgen) {
      progress(`${key} ${image.label}: cdxgen ${CDXGEN_VERSION} (slow)`);
      const output = path.join(scratch, `cdxgen-${key}-${image.scheme}.json`);
      const tarball = tarballPath(image.file);
      row.cdxgen = measureBest(cdxgenRuns, cdxgen, [tarball, '-o', output], { env: cdxgenEnv(), cwd: scratch });
      row.cdxgen.packages = countPackages(output);
    }
    results.push(row);
  }
  const largeResults = [];
  for (const image of large) {
    progress(`${key} ${image.label}: sealkit`);
    largeResults.push({ ...image, sizeMiB: fileMiB(image.file), sealkit: measureSealkit(image) });
  }
  const oracle = oracleCounts(dir, description);
  const verdicts = report({ key, title, grownBy, description }, results, largeResults, oracle);
  return { key, image: dir, oracle, results, large: largeResults, verdicts };
}

function measureSealkit(image) {
  const output = path.join(scratch, `sealkit-${path.basename(path.dirname(image.file))}-${path.basename(image.file)}.json`);
  const args = [path.join(REPO, 'bin/sealkit.js'), 'sbom', `${image.scheme}:${image.file}`, '--format', 'cyclonedx-json', '--output', output];
  const result = measureBest(runs, process.execPath, args, { env: { ...process.env, SOURCE_DATE_EPOCH: '1735689600' } });
  result.packages = countPackages(output);
  return result;
}

/**
 * cdxgen only recognises image archives by a `.tar` or `.tar.gz` name; our archive names end
 * in `.tar` already, this keeps that explicit.
 */
function tarballPath(file) {
  if (!file.endsWith('.tar')) throw new Error(`cdxgen needs a .tar name: ${file}`);
  return file;
}

/** A shell script that streams every layer's bytes out of the archive and decompresses them. */
function floorScript(scheme, file) {
  const quote = (text) => `'${text.replaceAll("'", "'\\''")}'`;
  return layerRanges(scheme, file)
    .map(({ file: blobFile, offset, size, compression }) => {
      const read = `dd if=${quote(blobFile)} iflag=skip_bytes,count_bytes skip=${offset} count=${size} bs=1M status=none`;
      const decompress = compression === 'gzip' ? ' | gzip -dc' : compression === 'zstd' ? ' | zstd -dcq' : '';
      return `${read}${decompress} > /dev/null`;
    })
    .join(' && ');
}

function fileMiB(file) {
  return statSync(file).size / 1024 / 1024;
}

function report({ key, title, grownBy, description }, results, largeResults, oracle) {
  const pad = (text, width) => String(text).padEnd(width);
  const num = (value, digits = 2) => (value === undefined ? '-' : value.toFixed(digits));
  const ecosystems = Object.keys(oracle);
  const counts = (packages) => (packages ? ecosystems.map((ecosystem) => packages[ecosystem] ?? 0).join('/') : '');
  const lines = [];
  lines.push('');
  lines.push(`Image ${key}: ${title} (${description.layers.length} layers, ${description.platform}); best of ${runs} runs (cdxgen: ${cdxgenRuns})`);
  lines.push(`Oracle packages ${ecosystems.join('/')}: ${counts(oracle)}`);
  lines.push('');
  const line = (archive, tool, measured, packages) =>
    lines.push(`${pad(archive, 30)}${pad(tool, 32)}${pad(num(measured.seconds), 10)}${pad(num(measured.peakMiB, 1), 14)}${counts(packages)}`);
  lines.push(`${pad('archive', 30)}${pad('tool', 32)}${pad('wall s', 10)}${pad('peak RSS MiB', 14)}packages ${ecosystems.join('/')}`);
  for (const row of results) {
    const plain = row.scheme === 'docker-archive';
    line(`${row.label} (${row.sizeMiB.toFixed(0)} MiB)`, plain ? 'floor: dd (layers uncompressed)' : 'floor: dd | gzip -dc', row.floorGzip);
    line('', plain ? 'floor: Node read (uncompressed)' : 'floor: Node zlib', row.floorNode);
    line('', 'sealkit', row.sealkit, row.sealkit.packages);
    if (row.cdxgen) line('', `cdxgen ${CDXGEN_VERSION}`, row.cdxgen, row.cdxgen.packages);
  }
  for (const row of largeResults) line(`${row.label} (${row.sizeMiB.toFixed(0)} MiB)`, 'sealkit', row.sealkit, row.sealkit.packages);
  const verdicts = [];
  const verdict = (ok, text) => verdicts.push({ ok, text: `${key} ${text}` });
  for (const row of results) {
    if (row.cdxgen) {
      const speedup = row.cdxgen.seconds / row.sealkit.seconds;
      verdict(speedup >= TARGETS.speedupVsCdxgen, `${row.label}: sealkit is ${speedup.toFixed(1)}x faster than cdxgen (target >= ${TARGETS.speedupVsCdxgen}x)`);
      const found = row.cdxgen.packages;
      verdict(found.deb >= oracle.deb * 0.9 && found.npm >= oracle.npm * 0.9, `${row.label}: cdxgen found the packages (${ecosystems.map((e) => `${e} ${found[e]}/${oracle[e]}`).join(', ')}), so its time is comparable`);
    }
    if (row.scheme === 'oci-archive') {
      const vsGzip = row.sealkit.seconds / row.floorGzip.seconds;
      verdict(vsGzip <= TARGETS.ratioVsFloor, `${row.label}: sealkit takes ${vsGzip.toFixed(2)}x dd | gzip -dc (target <= ${TARGETS.ratioVsFloor}x)`);
      const vsNode = row.sealkit.seconds / row.floorNode.seconds;
      verdict('info', `${row.label}: sealkit takes ${vsNode.toFixed(2)}x Node's zlib alone (no target)`);
    } else {
      const vsFloor = row.sealkit.seconds / row.floor.seconds;
      verdict('info', `${row.label}: sealkit takes ${vsFloor.toFixed(2)}x reading the layers (uncompressed layers: the floor only reads them; no target)`);
    }
    verdict(row.sealkit.peakMiB < TARGETS.peakMiB, `${row.label}: sealkit peak RSS ${row.sealkit.peakMiB.toFixed(1)} MiB (target < ${TARGETS.peakMiB} MiB)`);
    const differ = ecosystems.filter((e) => row.sealkit.packages[e] !== oracle[e]);
    verdict(differ.length === 0, `${row.label}: sealkit's package counts ${counts(row.sealkit.packages)} match the oracle ${counts(oracle)}${differ.length ? ` (differ: ${differ.join(', ')})` : ''}`);
  }
  for (const [index, row] of largeResults.entries()) {
    const base = results[index];
    const growth = row.sealkit.peakMiB - base.sealkit.peakMiB;
    verdict(growth <= RSS_GROWTH_TOLERANCE_MIB, `${row.label} (grown by ${grownBy}): sealkit peak RSS ${row.sealkit.peakMiB.toFixed(1)} MiB vs ${base.sealkit.peakMiB.toFixed(1)} MiB on the image (${row.sizeMiB.toFixed(0)} vs ${base.sizeMiB.toFixed(0)} MiB): must not grow (tolerance ${RSS_GROWTH_TOLERANCE_MIB} MiB)`);
    verdict(row.sealkit.peakMiB < TARGETS.peakMiB, `${row.label}: sealkit peak RSS ${row.sealkit.peakMiB.toFixed(1)} MiB (target < ${TARGETS.peakMiB} MiB)`);
  }
  lines.push('');
  for (const { ok, text } of verdicts) lines.push(`${ok === 'info' ? 'INFO' : ok ? 'PASS' : 'MISS'}  ${text}`);
  console.log(lines.join('\n'));
  return verdicts;
}
