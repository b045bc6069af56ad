#!/usr/bin/env node
// Streaming SHA-256 of a large file: sealkit's digest (the one signArtifact uses) against
// `sha256sum` on the same file in the same run. sealkit must reach at least 90 % of
// sha256sum's speed, in constant memory (its peak RSS is measured in a process of its own).
//
// Usage: node bench/hash.mjs            (needs `npm run build` first)
// Env:   SEALKIT_BENCH_HASH_MIB=2048    size of the generated file
//        SEALKIT_BENCH_DIR=<dir>        where the file is kept (default ~/.cache/sealkit-bench)

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIGEST_MODULE = join(ROOT, 'dist', 'util', 'artifact-digest.js');
const SIGN_MODULE = join(ROOT, 'dist', 'sign', 'index.js');
const MIB = 1024 * 1024;
const SIZE_MIB = Number(process.env.SEALKIT_BENCH_HASH_MIB ?? 2048);
const CACHE = process.env.SEALKIT_BENCH_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'sealkit-bench');
const RUNS = 2;
const REQUIRED_RATIO = 0.9;

if (!existsSync(DIGEST_MODULE) || !existsSync(SIGN_MODULE)) {
  console.error(`bench/hash: ${DIGEST_MODULE} is missing: run \`npm run build\` first`);
  process.exit(2);
}
if (spawnSync('sha256sum', ['--version']).status !== 0) {
  console.error('bench/hash: sha256sum (GNU coreutils) is not installed');
  process.exit(2);
}

const file = await ensureFile(join(CACHE, `hash-${SIZE_MIB}MiB.bin`), SIZE_MIB);
const bytes = statSync(file).size;
execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'] }); // warm the page cache for both

const expected = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
const coreutils = [];
const sealkit = [];
for (let run = 0; run < RUNS; run++) {
  coreutils.push(timeSha256sum(file));
  sealkit.push(runSealkit('digest', file));
}
const sealkitBest = sealkit.reduce((a, b) => (a.ms <= b.ms ? a : b));
if (sealkitBest.sha256 !== expected) {
  console.error(`bench/hash: digests differ: sealkit ${sealkitBest.sha256}, sha256sum ${expected}`);
  process.exit(1);
}
const coreutilsMs = Math.min(...coreutils);
const ratio = coreutilsMs / sealkitBest.ms;
const signing = runSealkit('sign', file);

const rate = (ms) => `${((bytes / MIB / ms) * 1000).toFixed(0)} MiB/s`;
const mib = (kib) => `${(kib / 1024).toFixed(0)} MiB`;
console.log(`hash ${(bytes / MIB).toFixed(0)} MiB (${file})`);
console.log(`  sha256sum            ${coreutilsMs.toFixed(0)} ms  ${rate(coreutilsMs)}`);
console.log(`  sealkit digest       ${sealkitBest.ms.toFixed(0)} ms  ${rate(sealkitBest.ms)}  peak RSS ${mib(sealkitBest.maxRssKiB)}`);
console.log(`  speed vs sha256sum   ${(ratio * 100).toFixed(0)} % (required >= ${REQUIRED_RATIO * 100} %)`);
console.log(`  signArtifact (P-256 key, offline)  ${signing.ms.toFixed(0)} ms  peak RSS ${mib(signing.maxRssKiB)}`);
if (ratio < REQUIRED_RATIO) {
  console.log('FAIL: sealkit hashes slower than 90 % of sha256sum');
  process.exit(1);
}
console.log('PASS');

function timeSha256sum(path) {
  const start = process.hrtime.bigint();
  execFileSync('sha256sum', [path], { stdio: ['ignore', 'ignore', 'inherit'] });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// Each measurement runs in a fresh Node process, so its peak RSS is sealkit's alone.
function runSealkit(mode, path) {
  const script = `
    const mode = ${JSON.stringify(mode)};
    const path = ${JSON.stringify(path)};
    const { generateKeyPairSync } = await import('node:crypto');
    const { digestArtifact } = await import(${JSON.stringify(pathToFileURL(DIGEST_MODULE).href)});
    const { signArtifact } = await import(${JSON.stringify(pathToFileURL(SIGN_MODULE).href)});
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const start = process.hrtime.bigint();
    const sha256 = mode === 'digest'
      ? (await digestArtifact(path)).sha256.toString('hex')
      : (await signArtifact(path, { key })).sha256;
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(JSON.stringify({ ms, sha256, maxRssKiB: process.resourceUsage().maxRSS }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1));
}

async function ensureFile(path, sizeMiB) {
  if (existsSync(path) && statSync(path).size === sizeMiB * MIB) return path;
  await mkdir(dirname(path), { recursive: true });
  console.log(`creating ${sizeMiB} MiB test file ${path}`);
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  const block = randomBytes(4 * MIB);
  try {
    for (let written = 0; written < sizeMiB * MIB; written += block.length) {
      block.writeUInt32LE(written / block.length, 0); // no two blocks alike
      await handle.write(block, 0, Math.min(block.length, sizeMiB * MIB - written));
    }
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  return path;
}
