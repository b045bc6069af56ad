#!/usr/bin/env node
/**
 * `npm run bench`: the SBOM benchmark (bench/sbom.mjs), the lockfile benchmark
 * (bench/lockfile.mjs), the hashing benchmark (bench/hash.mjs), the verification benchmark
 * (bench/verify.mjs), the promotion benchmark (bench/promote.mjs) and the registry SBOM
 * benchmark (bench/registry-sbom.mjs). Arguments go to the SBOM benchmark; the exit code is the
 * first non-zero one.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
let exitCode = 0;
for (const name of ['sbom.mjs', 'lockfile.mjs', 'hash.mjs', 'verify.mjs', 'promote.mjs', 'registry-sbom.mjs']) {
  const script = path.join(here, name);
  if (!existsSync(script)) continue;
  const args = name === 'sbom.mjs' ? process.argv.slice(2) : [];
  const result = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit' });
  const code = result.status ?? 1;
  if (code !== 0) process.stderr.write(`bench: ${name} exited with ${result.status ?? result.signal}\n`);
  if (exitCode === 0) exitCode = code;
}
process.exitCode = exitCode;
