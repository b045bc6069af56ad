import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pnpmLockCataloger } from '../../../../src/sbom/catalog/javascript/pnpm-lock.js';
import { MemoryResolver, runCataloger } from '../memory-resolver.js';
import { FIXTURES, describe as describeResult, pnpmV6DevPackages } from './oracle.js';

/** The `name@version` set of the raw YAML: `packages` keys without `/` and peer suffixes. */
function expectedPackages(text: string): string[] {
  const lock = parse(text) as { packages: Record<string, unknown> };
  return [...new Set(Object.keys(lock.packages).map((key) => key.replace(/^\//, '').replace(/\(.*$/, '')))].sort();
}

async function runFixture(folder: string) {
  return runCataloger(pnpmLockCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, folder)));
}

describe.each([
  ['pnpm-v6', '6.0'],
  ['pnpm-v9', '9.0'],
])('pnpm-lock on %s', (folder, lockfileVersion) => {
  const text = readFileSync(join(FIXTURES, folder, 'pnpm-lock.yaml'), 'utf8');

  it('is the version it claims', () => {
    expect((parse(text) as { lockfileVersion: string }).lockfileVersion).toBe(lockfileVersion);
  });

  it('lists exactly the locked packages, peer-suffixed keys once', async () => {
    const run = await runFixture(folder);
    expect(run.warnings).toEqual([]);
    expect(describeResult(run).packages).toEqual(expectedPackages(text));
    expect(run.packages.filter((p) => p.name === 'ajv-keywords')).toHaveLength(1);
  });

  it("marks dev exactly what pnpm 6.0's own dev flags mark", async () => {
    expect(describeResult(await runFixture(folder)).dev).toEqual(pnpmV6DevPackages());
  });

  it('has both importers as projects, with their direct dependencies and the peer-resolved graph', async () => {
    const run = await runFixture(folder);
    expect(run.projects?.map((p) => [p.name, p.version, p.locations.map((l) => l.path)])).toEqual([
      ['lockfile-fixture', '1.0.0', ['/package.json', '/pnpm-lock.yaml']],
      ['@fixture/util', '0.1.0', ['/packages/util/package.json', '/pnpm-lock.yaml']],
    ]);
    const { edges } = describeResult(run);
    for (const edge of [
      'project:lockfile-fixture -> string-width@4.2.3 depends-on',
      'project:lockfile-fixture -> ajv-keywords@5.1.0 depends-on',
      'project:lockfile-fixture -> fsevents@2.3.3 optional-depends-on',
      'project:lockfile-fixture -> once@1.4.0 dev-depends-on',
      'project:@fixture/util -> is-number@7.0.0 depends-on',
      'ajv-keywords@5.1.0 -> ajv@8.20.0 depends-on',
      'debug@2.6.9 -> ms@2.0.0 depends-on',
    ]) {
      expect(edges, edge).toContain(edge);
    }
    expect([...edges].some((edge) => edge.includes('-> project:'))).toBe(false);
  });

  it('marks the darwin-only package optional with its platform, and keeps the integrity', async () => {
    const run = await runFixture(folder);
    const fsevents = run.packages.find((p) => p.name === 'fsevents');
    expect(fsevents?.metadata).toMatchObject({ optional: 'true', platform: 'os=darwin', integrity: expect.stringMatching(/^sha512-/) });
    expect(fsevents?.dev).toBeUndefined();
  });
});

describe('pnpm-lock on inline lockfiles', () => {
  const run = (text: string) => runCataloger(pnpmLockCataloger, new MemoryResolver({ '/pnpm-lock.yaml': text }));

  it('reads a git dependency keyed by URL with the version it records', () => {
    const result = run(
      [
        "lockfileVersion: '9.0'",
        'importers:',
        '  .:',
        '    dependencies:',
        '      foo:',
        '        specifier: github:o/foo#abc',
        '        version: https://codeload.github.com/o/foo/tar.gz/abc',
        'packages:',
        '  foo@https://codeload.github.com/o/foo/tar.gz/abc:',
        '    resolution: {tarball: https://codeload.github.com/o/foo/tar.gz/abc}',
        '    version: 1.2.3',
        'snapshots:',
        '  foo@https://codeload.github.com/o/foo/tar.gz/abc: {}',
      ].join('\n'),
    );
    expect(result.packages.map((p) => [p.purl, p.metadata.resolved])).toEqual([['pkg:npm/foo@1.2.3', 'https://codeload.github.com/o/foo/tar.gz/abc']]);
    expect(result.relationships).toHaveLength(1);
  });

  it('leaves out a package entry without a version, with a warning, and reads the others', () => {
    const result = run(["lockfileVersion: '9.0'", 'packages:', '  ok@1.0.0: {}', '  nover@: {}', 'snapshots:', '  ok@1.0.0: {}'].join('\n'));
    expect(result.packages.map((p) => p.purl)).toEqual(['pkg:npm/ok@1.0.0']);
    expect(result.warnings.map((w) => [w.code, w.message])).toEqual([['PACKAGE_SKIPPED', 'pnpm-lock.yaml package "nover@" has no name or version']]);
  });

  it.each([
    ['invalid YAML', 'lockfileVersion: [\n'],
    ['a list', '- a\n'],
    ['lockfileVersion 5.4', "lockfileVersion: 5.4\npackages: {}\n"],
    ['an alias', "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: &x {}\n  b@1.0.0: *x\n"],
  ])('warns for %s', (_label, text) => {
    const result = run(text);
    expect(result.packages).toEqual([]);
    expect(result.warnings).toEqual([{ code: 'METADATA_UNPARSABLE', message: expect.any(String), path: '/pnpm-lock.yaml' }]);
  });
});
