/**
 * A lock between processes on one machine, made of a directory holding the owner's pid, so
 * that a test and a benchmark started together build a cached image once, not twice.
 * @module
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function ownerAlive(lockDir) {
  let pid;
  try {
    pid = Number(readFileSync(path.join(lockDir, 'pid'), 'utf8'));
  } catch {
    // Being created right now, or left without a pid by a crash: treat as alive once.
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
  }
}

/**
 * Runs `fn` while holding the lock `lockDir`, waiting for another live holder to finish and
 * taking over a lock whose holder died.
 * @template T
 * @param {string} lockDir
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withDirLock(lockDir, fn) {
  let unknownOwnerSeen = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
    }
    const alive = ownerAlive(lockDir);
    if (alive === false || (alive === undefined && unknownOwnerSeen)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    unknownOwnerSeen = alive === undefined;
    await sleep(1000);
  }
  writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
