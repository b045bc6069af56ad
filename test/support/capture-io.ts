/**
 * The streams a CLI command writes to, captured: what a test reads back of stdout and stderr.
 * @module
 */
import { PassThrough } from 'node:stream';
import type { CliIO } from '../../src/cli/command.js';

/** A {@link CliIO} in `cwd` with `env`, whose output is read back with `out()` and `err()`. */
export function captureIo(cwd: string, env: NodeJS.ProcessEnv = {}): CliIO & { out: () => string; err: () => string } {
  const capture = () => {
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    return { stream, text: () => Buffer.concat(chunks).toString() };
  };
  const stdout = capture();
  const stderr = capture();
  return { stdout: stdout.stream, stderr: stderr.stream, env, cwd, out: stdout.text, err: stderr.text };
}
