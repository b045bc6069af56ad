/**
 * What every CLI command is: a name, its help text and a `run` that only parses arguments,
 * calls the public API and prints. Commands never hold logic the library lacks.
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

/** The streams and environment a command may touch; tests pass their own. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** One `sealkit <name>` command. */
export interface Command {
  name: string;
  /** One line for `sealkit --help`. */
  summary: string;
  /** The whole `sealkit <name> --help` text. */
  help: string;
  /** Returns the exit code: 0 success, 1 failure, 2 wrong usage (throw UsageError for that). */
  run(args: string[], io: CliIO): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `node:util` parseArgs with strict checking, turning its errors into {@link UsageError}
 * so that the dispatcher exits with code 2.
 */
export function parseCommandArgs<T extends Options>(args: string[], options: T, maxPositionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError('INVALID_ARGUMENT', (error as Error).message);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError('INVALID_ARGUMENT', `unexpected argument: ${parsed.positionals[maxPositionals]}`);
  }
  return parsed;
}
