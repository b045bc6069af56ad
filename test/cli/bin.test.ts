/**
 * bin/sealkit.js sets five V8 flags for `sealkit sbom` only, before anything is loaded, and leaves
 * them to the user when a node option already says otherwise; one of them exposes `gc`, for the
 * collections between catalogers. Checked on real processes: a
 * preloaded probe records every `v8.setFlagsFromString` call the bin makes and prints them at exit.
 * It also keeps compiled code in Node's compile cache, seen as the folder a run leaves in its TMPDIR.
 * The unit run does not require a build; .ci/run builds before testing, so there it runs.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/image-builder.js';

const PROBE = `
import { createRequire, syncBuiltinESMExports } from 'node:module';
const v8 = createRequire(import.meta.url)('node:v8');
const calls = [];
const original = v8.setFlagsFromString;
v8.setFlagsFromString = (flags) => { calls.push(flags); original(flags); };
syncBuiltinESMExports();
process.on('exit', () => process.stderr.write('FLAGS ' + JSON.stringify(calls) + '\\n'));
`;

describe.skipIf(!existsSync('dist/cli/main.js'))('bin/sealkit.js', () => {
  let dir: string;
  let probe: string;
  beforeAll(async () => {
    dir = await tempDir();
    probe = join(dir, 'probe.mjs');
    await writeFile(probe, PROBE);
    await writeFile(join(dir, 'package-lock.json'), JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, packages: { '': { name: 'app', version: '1.0.0' } } }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function flagsOf(args: string[], node: { options?: string; args?: string[] } = {}): Promise<string[]> {
    const env = { ...process.env, NODE_OPTIONS: node.options ?? '' };
    const { stderr } = await promisify(execFile)(process.execPath, [...(node.args ?? []), '--import', probe, 'bin/sealkit.js', ...args], { env });
    const line = stderr.split('\n').find((text) => text.startsWith('FLAGS '));
    return JSON.parse((line ?? 'FLAGS null').slice('FLAGS '.length)) as string[];
  }

  it('exposes gc, optimizes on the main thread without the mid tier, keeps the young generation at its size and WebAssembly on its baseline compiler for sbom', async () => {
    expect(await flagsOf(['sbom', `lockfile:${join(dir, 'package-lock.json')}`])).toEqual([
      '--expose-gc',
      '--no-concurrent-recompilation',
      '--no-maglev',
      '--semi-space-growth-factor=1',
      '--wasm-tiering-budget=1000000000',
    ]);
  });

  it('keeps compiled code in a compile cache under TMPDIR, unless NODE_DISABLE_COMPILE_CACHE says not to', async () => {
    const run = async (tmp: string, extra: Record<string, string>) => {
      await mkdir(tmp, { recursive: true });
      const env: Record<string, string | undefined> = { ...process.env, TMPDIR: tmp, NODE_OPTIONS: '', ...extra };
      delete env.NODE_COMPILE_CACHE;
      if (!('NODE_DISABLE_COMPILE_CACHE' in extra)) delete env.NODE_DISABLE_COMPILE_CACHE;
      await promisify(execFile)(process.execPath, ['bin/sealkit.js', 'sbom', `lockfile:${join(dir, 'package-lock.json')}`, '--output', join(tmp, 'sbom.json')], { env });
      return readdir(tmp, { recursive: true });
    };
    const cached = await run(join(dir, 'tmp-cached'), {});
    // one entry per compiled file, sealkit's own modules among them
    expect(cached.filter((entry) => entry.startsWith('node-compile-cache/')).length).toBeGreaterThan(20);
    const disabled = await run(join(dir, 'tmp-disabled'), { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(disabled).toEqual(['sbom.json']);
  });

  it('sets nothing for other commands', async () => {
    expect(await flagsOf(['--version'])).toEqual([]);
    expect(await flagsOf(['sign', '--help'])).toEqual([]);
  });

  it('keeps the young generation at its size for promote, unless the user sized it', async () => {
    expect(await flagsOf(['promote', '--help'])).toEqual(['--semi-space-growth-factor=1']);
    expect(await flagsOf(['promote', '--help'], { options: '--max-semi-space-size=8' })).toEqual([]);
  });

  it("leaves each setting to the user's own node options", async () => {
    const lockfile = `lockfile:${join(dir, 'package-lock.json')}`;
    expect(await flagsOf(['sbom', lockfile], { options: '--max-semi-space-size=8' })).toEqual(['--expose-gc', '--no-concurrent-recompilation', '--no-maglev', '--wasm-tiering-budget=1000000000']);
    expect(await flagsOf(['sbom', lockfile], { args: ['--wasm-tiering-budget=5000'] })).toEqual(['--expose-gc', '--no-concurrent-recompilation', '--no-maglev', '--semi-space-growth-factor=1']);
    expect(await flagsOf(['sbom', lockfile], { args: ['--concurrent-recompilation'] })).toEqual(['--expose-gc', '--no-maglev', '--semi-space-growth-factor=1', '--wasm-tiering-budget=1000000000']);
    expect(await flagsOf(['sbom', lockfile], { args: ['--maglev'] })).toEqual(['--expose-gc', '--no-concurrent-recompilation', '--semi-space-growth-factor=1', '--wasm-tiering-budget=1000000000']);
    // gc already exposed: used as it is
    expect(await flagsOf(['sbom', lockfile], { args: ['--expose-gc'] })).toEqual(['--no-concurrent-recompilation', '--no-maglev', '--semi-space-growth-factor=1', '--wasm-tiering-budget=1000000000']);
  });
});
