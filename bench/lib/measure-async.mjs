/**
 * Wall time and peak resident memory of a command (GNU time), run without blocking this
 * process: benchmarks that start registries as their own children read the registries' logs,
 * and a synchronous child would leave those pipes unread until a registry stalls on a full one.
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GNU_TIME } from './measure.mjs';

/**
 * Runs `command` once under GNU time.
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<{ seconds: number, peakMiB: number }>}
 */
export async function measureOnceAsync(command, args, options = {}) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'sealkit-bench-time-'));
  const report = path.join(scratch, 'time');
  try {
    await new Promise((resolve, reject) => {
      execFile(GNU_TIME, ['-f', '%e %M', '-o', report, command, ...args], { env: options.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, _stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(' ')} failed (${error.code ?? error.signal})\n${String(stderr).split('\n').slice(-20).join('\n')}`));
        else resolve(undefined);
      });
    });
    const [seconds, kib] = readFileSync(report, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
    if (!Number.isFinite(seconds) || !Number.isFinite(kib)) throw new Error(`unexpected GNU time output in ${report}`);
    return { seconds, peakMiB: kib / 1024 };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Runs `command` `runs` times: the best (lowest) wall time and the highest peak memory seen.
 * @returns {Promise<{ seconds: number, peakMiB: number, runs: number, all: number[] }>}
 */
export async function measureBestAsync(runs, command, args, options = {}) {
  const all = [];
  let peakMiB = 0;
  for (let i = 0; i < runs; i++) {
    const once = await measureOnceAsync(command, args, options);
    all.push(once.seconds);
    peakMiB = Math.max(peakMiB, once.peakMiB);
  }
  return { seconds: Math.min(...all), peakMiB, runs, all };
}
