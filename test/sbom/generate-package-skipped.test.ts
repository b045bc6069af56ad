/**
 * An entry of a readable lockfile that is left out (PACKAGE_SKIPPED) costs only that entry: a
 * `lockfile:` source still gives the rest of the file, where an unreadable lockfile fails the
 * scan; `strict` fails on it as on any warning. The requirements file is read by the real
 * cataloger, through the real source.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSbom } from '../../src/sbom/generate.js';

const REQUIREMENTS = [
  'certifi==2022.12.7 \\',
  '    --hash=sha256:35824b4c3a97115964b408844d64aa14db1cc518f6562e8d7261699d1350a9e3',
  'tool @ git+https://example.org/tool.git@main',
  'six==1.16.0',
  '',
].join('\n');

describe('a lockfile source with an entry left out', () => {
  let folder: string;
  let lockfile: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sealkit-skipped-'));
    lockfile = join(folder, 'requirements.txt');
    await writeFile(lockfile, REQUIREMENTS);
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('gives the other packages and a PACKAGE_SKIPPED warning naming the entry', async () => {
    const sbom = await generateSbom(`lockfile:${lockfile}`, { timestamp: 0 });
    expect(sbom.packages.map((p) => p.purl)).toEqual(['pkg:pypi/certifi@2022.12.7', 'pkg:pypi/six@1.16.0']);
    expect(sbom.warnings).toEqual([
      { code: 'PACKAGE_SKIPPED', message: 'URL requirements that pin no version were skipped: tool @ git+https://example.org/tool.git@main', path: expect.stringMatching(/requirements\.txt$/) },
    ]);
  });

  it('fails under strict, with the warning’s code', async () => {
    await expect(generateSbom(`lockfile:${lockfile}`, { timestamp: 0, strict: true })).rejects.toMatchObject({
      code: 'PACKAGE_SKIPPED',
      message: expect.stringContaining('tool @ git+https://example.org/tool.git@main'),
    });
  });

  it('still fails the scan when the lockfile itself cannot be read', async () => {
    const pdm = join(folder, 'pdm.lock');
    await writeFile(pdm, '[metadata]\nlock_version = "3.0"\n');
    await expect(generateSbom(`lockfile:${pdm}`, { timestamp: 0 })).rejects.toMatchObject({ code: 'LOCKFILE_INVALID' });
  });
});
