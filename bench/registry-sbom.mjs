#!/usr/bin/env node
/**
 * SBOM from a registry: `sealkit sbom registry:REF` (a real process, dist/) against the floor of
 * pulling the same layers (bench/lib/pull-layers-node.mjs: every layer blob fetched over plain
 * HTTP with node:http and inflated with the decoder settings sealkit uses, nothing else; the
 * fetch-based bench/lib/pull-layers.mjs, slower, is shown beside it), for the real bookworm image
 * and the polyglot image pushed
 * with their digests to Debian's docker-registry on 127.0.0.1; and the peak memory of the
 * registry scan beside the scan of the same image's OCI archive. Best of N wall time, highest
 * peak memory (GNU time). Targets: within 1.5x of the floor; peak RSS under 120 MiB.
 *
 * Usage: node bench/registry-sbom.mjs [--runs N] [--check]
 *   --check exits with 1 when a target is missed.
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePolyglotImage } from '../scripts/image/build-polyglot-image.mjs';
import { ensureRealImage } from '../scripts/image/build-real-image.mjs';
import { registryUnavailable, startRegistry } from '../scripts/registry/registry-server.mjs';
import { measureBestAsync } from './lib/measure-async.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SEALKIT = path.join(ROOT, 'bin', 'sealkit.js');
const PULL = path.join(ROOT, 'bench', 'lib', 'pull-layers-node.mjs');
const PULL_FETCH = path.join(ROOT, 'bench', 'lib', 'pull-layers.mjs');
const TARGETS = { ratioVsFloor: 1.5, peakMiB: 120 };
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const CHECK = process.argv.includes('--check');

if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) {
  console.error('bench/registry-sbom: dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const missing = registryUnavailable();
if (missing !== undefined) {
  console.error(`bench/registry-sbom: ${missing}`);
  process.exit(1);
}

// Commands run asynchronously: the registry is this process's child, and its access log, read
// here, would fill its pipe and stall it while a synchronous child runs.

/** Runs a command to its end; throws with its stderr when it fails. */
function run(command, args) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed (${error.code ?? error.signal}):\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'sealkit-bench-registry-sbom-'));
const registry = await startRegistry();
const verdicts = [];
try {
  const images = [
    { key: 'real', title: 'Debian bookworm with an npm project', image: await ensureRealImage() },
    { key: 'polyglot', title: 'bookworm with rpm, Java, Go, Ruby, Python and npm', image: await ensurePolyglotImage() },
  ];
  console.log(`registry SBOM benchmark: best of ${RUNS}, docker-registry ${registry.host} (anonymous, plain HTTP on loopback)`);
  for (const { key, title, image } of images) {
    const archive = path.join(image.dir, image.description.archives['oci-archive']);
    const digestFile = path.join(scratch, `${key}.digest`);
    await run('skopeo', ['--insecure-policy', 'copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false', '--digestfile', digestFile,
      `oci-archive:${archive}`, `docker://${registry.host}/bench/${key}:1`]);
    const digest = readFileSync(digestFile, 'utf8').trim();
    const bytes = image.description.layers.reduce((n, layer) => n + layer.size, 0);
    const output = path.join(scratch, `${key}.cdx.json`);
    const env = { ...process.env, SOURCE_DATE_EPOCH: '1735689600' };

    const floor = await measureBestAsync(RUNS, process.execPath, [PULL, `${registry.url}/v2/bench/${key}`, digest]);
    const fetchFloor = await measureBestAsync(RUNS, process.execPath, [PULL_FETCH, `${registry.url}/v2/bench/${key}`, digest]);
    const pulled = await measureBestAsync(RUNS, process.execPath, [SEALKIT, 'sbom', `registry:${registry.host}/bench/${key}@${digest}`, '--output', output], { env });
    const named = JSON.parse(readFileSync(output, 'utf8')).metadata.component.version;
    if (named !== digest) throw new Error(`the SBOM of ${key} names ${named}, not ${digest}`);
    const scanned = await measureBestAsync(RUNS, process.execPath, [SEALKIT, 'sbom', `oci-archive:${archive}`, '--output', output], { env });

    const ratio = pulled.seconds / floor.seconds;
    console.log(`\n${title} (${key}): ${image.description.layers.length} layers, ${(bytes / 1048576).toFixed(1)} MiB compressed`);
    console.log(`  pull the layers (floor)     ${floor.seconds.toFixed(2)} s   ${floor.peakMiB.toFixed(1)} MiB   (node:http, 128 KiB inflate chunks)`);
    console.log(`  pull them with fetch        ${fetchFloor.seconds.toFixed(2)} s   ${fetchFloor.peakMiB.toFixed(1)} MiB`);
    console.log(`  sealkit sbom registry:      ${pulled.seconds.toFixed(2)} s   ${pulled.peakMiB.toFixed(1)} MiB   ${ratio.toFixed(2)}x the floor`);
    console.log(`  sealkit sbom oci-archive:   ${scanned.seconds.toFixed(2)} s   ${scanned.peakMiB.toFixed(1)} MiB`);
    verdicts.push({ ok: ratio <= TARGETS.ratioVsFloor, text: `${key}: registry scan takes ${ratio.toFixed(2)}x pulling the layers (target <= ${TARGETS.ratioVsFloor}x)` });
    verdicts.push({ ok: pulled.peakMiB < TARGETS.peakMiB, text: `${key}: registry scan peak RSS ${pulled.peakMiB.toFixed(1)} MiB, archive scan ${scanned.peakMiB.toFixed(1)} MiB (target < ${TARGETS.peakMiB} MiB)` });
  }
  console.log('');
  for (const { ok, text } of verdicts) console.log(`${ok ? 'met   ' : 'MISSED'} ${text}`);
  if (CHECK && verdicts.some(({ ok }) => !ok)) process.exitCode = 1;
} finally {
  await registry.stop();
  rmSync(scratch, { recursive: true, force: true });
}
