/**
 * Which files a piece of code makes Node load, observed in a real child process that runs the
 * TypeScript sources: a module hook records every file loaded (ES modules and CommonJS alike,
 * `createRequire` included), so a test can tell what a step loads and what it leaves unloaded.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const PRELUDE = `import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
const loaded = [];
registerHooks({
  resolve(specifier, context, next) {
    try { return next(specifier, context); } catch (error) {
      if (specifier.endsWith('.js')) return next(specifier.slice(0, -3) + '.ts', context);
      throw error;
    }
  },
  load(url, context, next) { loaded.push(url); return next(url, context); },
});
const source = (path) => import(pathToFileURL(${JSON.stringify(resolve('.'))} + '/' + path).href);
const steps = [];
/** Runs fn and records what it loaded, under name. */
async function step(name, fn) {
  const start = loaded.length;
  const value = await fn();
  steps.push({ name, value, loaded: loaded.slice(start) });
}
`;

/** One step of {@link modulesLoadedBy}: its value and the URLs of the files loaded while it ran. */
export interface LoadStep {
  name: string;
  value: unknown;
  loaded: string[];
}

/**
 * Runs `body` in a child process, after a prelude that defines `source(path)` (imports a file of
 * the repository, `src/...ts`) and `step(name, fn)` (runs `fn`, records its JSON-able value and
 * the files loaded meanwhile). Returns the steps in order.
 */
export async function modulesLoadedBy(body: string): Promise<LoadStep[]> {
  const dir = await mkdtemp(join(tmpdir(), 'sealkit-loads-'));
  try {
    const script = join(dir, 'child.mjs');
    await writeFile(script, `${PRELUDE}\n${body}\nprocess.stdout.write(JSON.stringify(steps));\n`);
    const { stdout } = await promisify(execFile)(process.execPath, ['--experimental-transform-types', '--no-warnings', script], { maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(stdout) as LoadStep[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The URLs among `urls` of files of the npm package `name`. */
export function ofPackage(urls: readonly string[], name: string): string[] {
  return urls.filter((url) => url.includes(`/node_modules/${name}/`));
}
