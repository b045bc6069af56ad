import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/command.js';
import { ociLayoutFiles, tempDir, writeTar } from '../support/image-builder.js';

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new Capture();
  const stderr = new Capture();
  const io: CliIO = { stdout, stderr, env, cwd: process.cwd() };
  const code = await main(args, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('sealkit CLI', () => {
  let dir: string;
  let archive: string;
  beforeAll(async () => {
    dir = await tempDir();
    archive = await writeTar(
      join(dir, 'image.tar'),
      await ociLayoutFiles([
        {
          layers: [
            {
              entries: [
                { path: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
                { path: 'var/lib/dpkg/status', content: 'Package: tzdata\nStatus: install ok installed\nArchitecture: all\nVersion: 2024a-0\n' },
              ],
            },
          ],
        },
      ]),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints CycloneDX 1.6 to stdout by default', async () => {
    const { code, stdout, stderr } = await run(['sbom', archive]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const bom = JSON.parse(stdout) as { specVersion: string; components: Array<{ name: string }> };
    expect(bom.specVersion).toBe('1.6');
    expect(bom.components.map((c) => c.name)).toContain('tzdata');
  });

  it('writes SPDX to --output', async () => {
    const out = join(dir, 'sbom.spdx.json');
    const { code, stdout } = await run(['sbom', `oci-archive:${archive}`, '--format', 'spdx-json', '--output', out]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(JSON.parse(await readFile(out, 'utf8'))).toMatchObject({ spdxVersion: 'SPDX-2.3' });
  });

  it('exits 1 with one line naming the error code on failure', async () => {
    const { code, stderr } = await run(['sbom', join(dir, 'missing.tar')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^sealkit: SOURCE_NOT_FOUND: .*missing\.tar.*\n$/);
  });

  it('exits 2 on wrong usage', async () => {
    expect((await run(['sbom'])).code).toBe(2);
    expect((await run(['sbom', archive, '--format', 'xml'])).stderr).toMatch(/cyclonedx-json/);
    expect((await run(['sbom', archive, '--bogus'])).code).toBe(2);
    expect((await run(['sbom', archive, '--scope', 'some'])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
  });

  it('has --help for every command and --version', async () => {
    for (const command of ['sbom', 'sign', 'attest-sbom', 'attest', 'verify', 'verify-bundle']) {
      const { code, stdout } = await run([command, '--help']);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`Usage: sealkit ${command}`));
    }
    expect((await run(['--help'])).stdout).toMatch(/Commands:/);
    expect((await run(['--version'])).stdout).toMatch(/^sealkit \d+\.\d+\.\d+/);
  });

  // The unit run does not require a build; .ci/run builds before testing, so there it runs.
  it.skipIf(!existsSync('dist/cli/main.js'))('runs as a real process through bin/sealkit.js', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/sealkit.js', 'sbom', archive, '-f', 'cyclonedx-json@1.4']);
    expect(JSON.parse(stdout)).toMatchObject({ specVersion: '1.4' });
  });
});
