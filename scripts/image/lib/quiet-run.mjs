/**
 * Runs build commands with all their output sent to one log file, so that a build prints
 * nothing when it works and the end of that log when it does not.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync } from 'node:fs';

/** A command that failed; its message names the command and ends with the log's last lines. */
export class BuildStepError extends Error {
  /**
   * @param {string} message
   * @param {{ cause?: unknown }} [options]
   */
  constructor(message, options) {
    super(message, options);
    this.name = 'BuildStepError';
  }
}

/** Returns the last `lines` lines of a log file, or '' when it does not exist. */
export function logTail(file, lines = 60) {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/** Runs commands quietly, appending their stdout and stderr to `logFile`. */
export class QuietRunner {
  /** @param {string} logFile */
  constructor(logFile) {
    this.logFile = logFile;
  }

  /** Appends a line of the build's own to the log. */
  note(text) {
    appendFileSync(this.logFile, `\n# ${text}\n`);
  }

  /**
   * Runs `command` and throws {@link BuildStepError} unless it exits with 0.
   * @param {string} command
   * @param {string[]} args
   * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, capture?: boolean, allowExit?: number[] }} [options]
   *   `capture` returns stdout (as text) instead of logging it; `allowExit` lists exit codes that also count as success.
   * @returns {string} stdout when captured, otherwise ''
   */
  run(command, args, options = {}) {
    appendFileSync(this.logFile, `\n$ ${[command, ...args].map(quoteForLog).join(' ')}\n`);
    const fd = openSync(this.logFile, 'a');
    let result;
    try {
      result = spawnSync(command, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', options.capture ? 'pipe' : fd, fd],
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      });
    } finally {
      closeSync(fd);
    }
    if (result.error) {
      throw new BuildStepError(`could not run ${command}: ${result.error.message}`, { cause: result.error });
    }
    const allowed = [0, ...(options.allowExit ?? [])];
    if (result.status === null || !allowed.includes(result.status)) {
      const how = result.status === null ? `was killed by ${result.signal}` : `exited with ${result.status}`;
      throw new BuildStepError(`${command} ${args.join(' ')} ${how}`);
    }
    return options.capture ? result.stdout : '';
  }
}

function quoteForLog(word) {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
