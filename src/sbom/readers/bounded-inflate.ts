/**
 * Raw deflate (zip method 8) inflated with a hard bound on the output, so that a few kilobytes
 * claiming to be a small file cannot expand into gigabytes (a zip bomb) before anyone notices.
 * @module
 */
import { inflateRawSync } from 'node:zlib';

/** Why an inflation failed. */
export type InflateFailure = 'too-large' | 'corrupt';

/** Thrown by {@link inflateRawBounded}. */
export class InflateError extends Error {
  constructor(
    readonly failure: InflateFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InflateError';
  }
}

/**
 * Inflates raw deflate data into at most `maxOutput` bytes. zlib stops allocating as soon as
 * the bound is passed, so memory never exceeds it whatever the input claims.
 * @throws {@link InflateError} `too-large` past the bound, `corrupt` for invalid or truncated data
 */
export function inflateRawBounded(input: Buffer, maxOutput: number): Buffer {
  // zlib refuses a zero bound; an empty result needs no room but must still be valid deflate
  const bound = Math.max(1, Math.floor(maxOutput));
  let output: Buffer;
  try {
    output = inflateRawSync(input, { maxOutputLength: bound });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new InflateError('too-large', `inflates to more than ${maxOutput} bytes`, { cause: error });
    }
    throw new InflateError('corrupt', `invalid deflate data: ${(error as Error).message}`, { cause: error });
  }
  if (output.length > maxOutput) throw new InflateError('too-large', `inflates to more than ${maxOutput} bytes`);
  return output;
}
