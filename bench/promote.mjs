#!/usr/bin/env node
/**
 * Promotion speed: `sealkit promote` (a real process, dist/) against `skopeo copy --all
 * --preserve-digests` between two of Debian's docker-registry on 127.0.0.1 (the source behind
 * htpasswd, the destination anonymous), for the real bookworm image and the larger polyglot
 * image, each with a key-signed SBOM attestation attached so that promote verifies something
 * (and copies it too). Every run of each tool writes to a fresh destination registry. Best of N wall
 * time and peak memory (GNU time); target: promote no slower than skopeo.
 *
 * Usage: node bench/promote.mjs [--runs N]
 * @module
 */
import { generateKeyPairSync } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePolyglotImage } from '../scripts/image/build-polyglot-image.mjs';
import { ensureRealImage } from '../scripts/image/build-real-image.mjs';
import { registryUnavailable, startRegistry } from '../scripts/registry/registry-server.mjs';
import { GNU_TIME } from './lib/measure.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SEALKIT = path.join(ROOT, 'bin', 'sealkit.js');
const USER = { username: 'bench', password: 'bench-password-not-secret' };
const TARGET_RATIO = 1.0;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;

if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) {
  console.error('bench/promote: dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const missing = registryUnavailable({ auth: true });
if (missing !== undefined) {
  console.error(`bench/promote: ${missing}`);
  process.exit(1);
}

// Commands run asynchronously: the registries are this process's children, and their access
// logs, read here, would fill their pipes and stall them while a synchronous child runs.

/** Runs a command to its end; throws with its stderr when it fails. */
function run(command, args, env = process.env) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed (${error.code ?? error.signal}):\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Wall seconds and peak resident MiB of a command, from GNU time. */
async function measure(command, args, env = process.env) {
  const report = path.join(scratch, 'time');
  await run(GNU_TIME, ['-f', '%e %M', '-o', report, command, ...args], env);
  const [seconds, kib] = readFileSync(report, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
  return { seconds, peakMiB: kib / 1024 };
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'sealkit-bench-promote-'));
const source = await startRegistry({ auth: USER });
try {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateKey = path.join(scratch, 'release.key');
  const publicKey = path.join(scratch, 'release.pub');
  writeFileSync(privateKey, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(publicKey, keys.publicKey.export({ type: 'spki', format: 'pem' }));
  // skopeo reads the source's credentials from an auth file, never from its command line.
  const authFile = path.join(scratch, 'auth.json');
  const basic = Buffer.from(`${USER.username}:${USER.password}`).toString('base64');
  writeFileSync(authFile, JSON.stringify({ auths: { [source.host]: { auth: basic } } }), { mode: 0o600 });
  const sealkitEnv = { ...process.env, SEALKIT_REGISTRY_PASSWORD: USER.password };
  const sbom = path.join(scratch, 'sbom.cdx.json');
  writeFileSync(sbom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] }));

  const images = [
    { key: 'real', title: 'Debian bookworm with an npm project', image: await ensureRealImage() },
    { key: 'polyglot', title: 'bookworm with rpm, Java, Go, Ruby, Python and npm', image: await ensurePolyglotImage() },
  ];
  console.log(`promote benchmark: best of ${RUNS}, docker-registry ${source.host} (htpasswd) -> a fresh anonymous docker-registry per run`);
  let worst = 0;
  for (const { key, title, image } of images) {
    const archive = path.join(image.dir, image.description.archives['oci-archive']);
    const digestFile = path.join(scratch, `${key}.digest`);
    await run('skopeo', ['--insecure-policy', 'copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false', '--dest-authfile', authFile,
      '--digestfile', digestFile, `oci-archive:${archive}`, `docker://${source.host}/staging/${key}:rc`]);
    const digest = readFileSync(digestFile, 'utf8').trim();
    await run(process.execPath, [SEALKIT, 'attest-sbom', sbom, '--subject', `registry:${source.host}/staging/${key}@${digest}`, '--key', privateKey,
      '--registry-username', USER.username], sealkitEnv);
    const bytes = image.description.layers.reduce((n, layer) => n + layer.size, 0);

    const sealkit = [];
    const skopeo = [];
    let peak = 0;
    for (let i = 0; i < RUNS; i++) {
      // A fresh destination registry for each run of each tool: no blob is there to skip or mount.
      const [forSealkit, forSkopeo] = await Promise.all([startRegistry(), startRegistry()]);
      try {
        const promoted = await measure(process.execPath, [SEALKIT, 'promote', `registry:${source.host}/staging/${key}@${digest}`,
          `registry:${forSealkit.host}/prod/${key}:1`, '--key', publicKey, '--require-predicate-type', 'https://cyclonedx.org/bom',
          '--registry-username', USER.username], sealkitEnv);
        sealkit.push(promoted.seconds);
        peak = Math.max(peak, promoted.peakMiB);
        const copied = await measure('skopeo', ['--insecure-policy', 'copy', '--quiet', '--all', '--preserve-digests', '--src-tls-verify=false',
          '--src-authfile', authFile, '--dest-tls-verify=false', `docker://${source.host}/staging/${key}@${digest}`,
          `docker://${forSkopeo.host}/prod/${key}:1`]);
        skopeo.push(copied.seconds);
        const promotedDigest = (await run('skopeo', ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${forSealkit.host}/prod/${key}:1`])).trim();
        if (promotedDigest !== digest) throw new Error(`the promoted ${key} image is ${promotedDigest}, not ${digest}`);
      } finally {
        await Promise.all([forSealkit.stop(), forSkopeo.stop()]);
      }
    }
    const best = (list) => Math.min(...list);
    const ratio = best(sealkit) / best(skopeo);
    worst = Math.max(worst, ratio);
    console.log(`\n${key}: ${title}, ${image.description.layers.length} layers, ${(bytes / 1024 / 1024).toFixed(1)} MiB, ${digest}`);
    console.log(`  sealkit promote (verify, copy, referrers, tag, prove)  ${best(sealkit).toFixed(2)} s  peak ${peak.toFixed(0)} MiB  (runs: ${sealkit.map((s) => s.toFixed(2)).join(', ')})`);
    console.log(`  skopeo copy --all --preserve-digests                 ${best(skopeo).toFixed(2)} s  (runs: ${skopeo.map((s) => s.toFixed(2)).join(', ')})`);
    console.log(`  ratio sealkit/skopeo                                 ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO.toFixed(1)}x)`);
  }
  if (worst > TARGET_RATIO) {
    console.error(`\nbench/promote: promote is ${worst.toFixed(2)}x skopeo's time, over the ${TARGET_RATIO}x target`);
    process.exitCode = 1;
  }
} finally {
  await source.stop();
  rmSync(scratch, { recursive: true, force: true });
}
