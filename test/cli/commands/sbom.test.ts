import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { captureIo } from '../../support/capture-io.js';
import { tempDir } from '../../support/image-builder.js';

const EXAMPLE = 'fixtures/images/example.tar';
const ENV = { SOURCE_DATE_EPOCH: '1735689600' };

/** `sealkit` as a real process running from the TypeScript sources, so that its standard input is a real pipe. */
const CHILD = `import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
registerHooks({
  resolve(specifier, context, next) {
    try { return next(specifier, context); } catch (error) {
      if (specifier.endsWith('.js')) return next(specifier.slice(0, -3) + '.ts', context);
      throw error;
    }
  },
});
const [root, ...args] = process.argv.slice(2);
const { main } = await import(pathToFileURL(root + '/src/cli/main.ts').href);
process.exitCode = await main(args);
`;

let dir: string;
let child: string;
beforeAll(async () => {
  dir = await tempDir();
  child = join(dir, 'sealkit.mjs');
  await writeFile(child, CHILD);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sealkit(args: string[], stdin: Buffer): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', child, resolve('.'), ...args], {
    env: { ...process.env, ...ENV },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  run.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  run.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  // A child that stops reading early closes the pipe under the writer: not a failure of the test.
  run.stdin.on('error', () => undefined);
  run.stdin.end(stdin);
  return new Promise((done) =>
    run.on('close', (code) => done({ code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() })),
  );
}

async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // the command reads SOURCE_DATE_EPOCH from its own environment, whatever the process's says
  vi.stubEnv('SOURCE_DATE_EPOCH', '');
  try {
    const io = captureIo(process.cwd(), ENV);
    const code = await main(args, io);
    return { code, stdout: io.out(), stderr: io.err() };
  } finally {
    vi.unstubAllEnvs();
  }
}

describe('sealkit sbom with standard input', () => {
  it('docker save | gzip | sealkit sbom docker-archive:- writes the SBOM the archive file gives', { timeout: 60_000 }, async () => {
    const tar = await readFile(EXAMPLE);
    for (const format of ['cyclonedx-json', 'spdx-json']) {
      const expected = await inProcess(['sbom', EXAMPLE, '--format', format]);
      expect(expected.code).toBe(0);
      const piped = await sealkit(['sbom', 'docker-archive:-', '--format', format], zlib.gzipSync(tar));
      expect(piped).toEqual({ code: 0, stdout: expected.stdout, stderr: '' });
    }
    // and a compressed file named on the command line
    const gz = join(dir, 'example.tar.gz');
    await writeFile(gz, zlib.gzipSync(tar));
    expect((await inProcess(['sbom', gz])).stdout).toBe((await inProcess(['sbom', EXAMPLE])).stdout);
  });

  it('exits 1 with the error code for a pipe that holds no image archive, 2 for a source that cannot be read from a pipe', { timeout: 60_000 }, async () => {
    const garbage = await sealkit(['sbom', 'docker-archive:-'], Buffer.from('not an archive\n'));
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toMatch(/^sealkit: ARCHIVE_CORRUPT: standard input is not a valid tar archive/);
    expect(garbage.stdout).toBe('');
    const directory = await inProcess(['sbom', 'dir:-']);
    expect(directory.code).toBe(2);
    expect(directory.stderr).toContain('only image archives (docker-archive:-, oci-archive:-) are read from standard input');
  });

  it('documents standard input and compressed archives in its help', async () => {
    const { stdout } = await inProcess(['sbom', '--help']);
    expect(stdout).toContain('docker-archive:-');
    expect(stdout).toContain('docker save app:1.0 | sealkit sbom docker-archive:-');
    expect(stdout).toContain('gzip- or zstd-compressed');
  });
});
