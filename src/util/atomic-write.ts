import { randomBytes } from 'node:crypto';
import { lstat, open, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OutputError } from '../errors.js';

/**
 * Writes `data` to `path` so that readers see either the old file or the whole new one:
 * the bytes go to a temporary file beside the target, are flushed, then renamed over it.
 * A failure leaves no partial file behind. A target that exists and is not a regular file
 * (`/dev/null`, a FIFO) is written in place: renaming over it would replace the device.
 * A symlinked target is followed, so the link survives.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  let target = path;
  try {
    const info = await lstat(path).catch(() => undefined);
    if (info?.isSymbolicLink()) target = await realpath(path);
    const real = info?.isSymbolicLink() ? await lstat(target) : info;
    if (real !== undefined && !real.isFile()) {
      await writeFile(target, data);
      return;
    }
  } catch (error) {
    throw writeError(path, error);
  }
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw writeError(path, error);
  }
}

function writeError(path: string, error: unknown): OutputError {
  return new OutputError('OUTPUT_WRITE_FAILED', `cannot write ${path}: ${(error as Error).message}`, {
    cause: error,
    details: { path },
  });
}
