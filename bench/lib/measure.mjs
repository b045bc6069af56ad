/**
 * Wall time and peak resident memory of a command, read from GNU time (`/usr/bin/time -f
 * '%e %M'`): elapsed seconds, and the largest resident set of the command or of any child
 * it waited for, in KiB.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const GNU_TIME = '/usr/bin/time';

/**
 * Runs `command` once under GNU time.
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string }} [options]
 * @returns {{ seconds: number, peakMiB: number }}
 */
export function measureOnce(command, args, options = {}) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'sealkit-bench-time-'));
  const report = path.join(scratch, 'time');
  try {
    const result = spawnSync(GNU_TIME, ['-f', '%e %M', '-o', report, command, ...args], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.error) throw new Error(`cannot run ${GNU_TIME}: ${result.error.message}`);
    if (result.status !== 0) {
      const tail = (result.stderr ?? '').split('\n').slice(-20).join('\n');
      throw new Error(`${command} ${args.join(' ')} exited with ${result.status}\n${tail}`);
    }
    const [seconds, kib] = readFileSync(report, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
    if (!Number.isFinite(seconds) || !Number.isFinite(kib)) throw new Error(`unexpected GNU time output in ${report}`);
    return { seconds, peakMiB: kib / 1024 };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Runs `command` `runs` times: the best (lowest) wall time, and the highest peak memory seen,
 * so that neither number flatters.
 * @returns {{ seconds: number, peakMiB: number, runs: number, all: number[] }}
 */
export function measureBest(runs, command, args, options = {}) {
  const all = [];
  let peakMiB = 0;
  for (let i = 0; i < runs; i++) {
    const once = measureOnce(command, args, options);
    all.push(once.seconds);
    peakMiB = Math.max(peakMiB, once.peakMiB);
  }
  return { seconds: Math.min(...all), peakMiB, runs, all };
}
