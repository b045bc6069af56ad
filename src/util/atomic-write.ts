import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OutputError } from '../errors.js';

/**
 * Writes `data` to `path` so that readers see either the old file or the whole new one:
 * the bytes go to a temporary file beside the target, are flushed, then renamed over it.
 * A failure leaves no partial file behind.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new OutputError('OUTPUT_WRITE_FAILED', `cannot write ${path}: ${(error as Error).message}`, {
      cause: error,
      details: { path },
    });
  }
}
