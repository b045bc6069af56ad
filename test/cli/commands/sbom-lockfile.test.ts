import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { captureIo } from '../../support/capture-io.js';

const PIPFILE = 'fixtures/catalog/python-lockfiles/pipfile/pipenv-examples/Pipfile.lock';

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo(process.cwd(), env);
  const code = await main(args, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

/** PEP 503 names, as the purl specification writes PyPI names. */
const normalize = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('sealkit sbom on a lockfile', () => {
  it('takes SOURCE_DATE_EPOCH from the command\'s environment, not the process\'s', async () => {
    vi.stubEnv('SOURCE_DATE_EPOCH', '86400');
    const { code, stdout } = await run(['sbom', `lockfile:${PIPFILE}`], { SOURCE_DATE_EPOCH: '1735689600' });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).metadata.timestamp).toBe('2025-01-01T00:00:00.000Z');
    const bad = await run(['sbom', `lockfile:${PIPFILE}`], { SOURCE_DATE_EPOCH: 'yesterday' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('SOURCE_DATE_EPOCH must be whole seconds');
  });

  it('--exclude-dev leaves out the packages only the develop section locks, silently', async () => {
    const lock = JSON.parse(await readFile(PIPFILE, 'utf8')) as { default: Record<string, unknown>; develop: Record<string, unknown> };
    const runtime = Object.keys(lock.default).map(normalize).sort();
    const everything = [...new Set([...runtime, ...Object.keys(lock.develop).map(normalize)])].sort();
    expect(everything.length).toBeGreaterThan(runtime.length);
    const names = (stdout: string) => (JSON.parse(stdout).components as Array<{ name: string }>).map((c) => normalize(c.name)).sort();
    const env = { SOURCE_DATE_EPOCH: '0' };
    const all = await run(['sbom', `lockfile:${PIPFILE}`], env);
    expect(all.code).toBe(0);
    expect(names(all.stdout)).toEqual(everything);
    const kept = await run(['sbom', `lockfile:${PIPFILE}`, '--exclude-dev'], env);
    expect(kept).toMatchObject({ code: 0, stderr: all.stderr });
    expect(names(kept.stdout)).toEqual(runtime);
    const refs = new Set((JSON.parse(kept.stdout).components as Array<{ 'bom-ref': string }>).map((c) => c['bom-ref']));
    for (const dependency of JSON.parse(kept.stdout).dependencies as Array<{ ref: string; dependsOn?: string[] }>) {
      for (const on of dependency.dependsOn ?? []) expect(refs.has(on)).toBe(true);
    }
  });

  it('documents --exclude-dev in its help', async () => {
    expect((await run(['sbom', '--help'])).stdout).toContain('--exclude-dev');
  });
});
