import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSyml } from '@yarnpkg/parsers';
import { describe, expect, it } from 'vitest';
import { yarnLockCataloger } from '../../../../src/sbom/catalog/javascript/yarn-lock.js';
import { MemoryResolver, runCataloger } from '../memory-resolver.js';
import { FIXTURES, describe as describeResult, pnpmV6DevPackages } from './oracle.js';

/**
 * The `name@version` set yarn's own parser gives: every entry but `__metadata`, workspaces and
 * links; the name behind an `npm:` alias (Yarn 1) or in `resolution` (Berry); `version` as locked.
 */
function expectedPackages(text: string): string[] {
  const lock = parseSyml(text) as Record<string, Record<string, unknown>>;
  const ids = new Set<string>();
  for (const [key, entry] of Object.entries(lock)) {
    if (key === '__metadata') continue;
    let name: string;
    if (typeof entry.resolution === 'string') {
      const resolution = entry.resolution;
      const at = resolution.indexOf('@', 1);
      if (/^(workspace|link|portal):/.test(resolution.slice(at + 1))) continue;
      name = resolution.slice(0, at);
    } else {
      const first = (key.split(',')[0] as string).trim();
      const range = first.slice(first.indexOf('@', 1) + 1);
      const aliased = range.startsWith('npm:') ? range.slice(4) : first;
      name = aliased.slice(0, aliased.indexOf('@', 1));
    }
    ids.add(`${name}@${String(entry.version)}`);
  }
  return [...ids].sort();
}

async function runFixture(folder: string) {
  const resolver = await MemoryResolver.fromDirectory(join(FIXTURES, folder));
  return runCataloger(yarnLockCataloger, resolver);
}

describe.each(['yarn-v1', 'yarn-berry-v8'])('yarn-lock on %s', (folder) => {
  const text = readFileSync(join(FIXTURES, folder, 'yarn.lock'), 'utf8');

  it('lists exactly the packages yarn parses, without warnings', async () => {
    const run = await runFixture(folder);
    expect(run.warnings).toEqual([]);
    expect(describeResult(run).packages).toEqual(expectedPackages(text));
  });
});

describe.each(['yarn-v1', 'yarn-berry-v8'])('yarn-lock on the workspace project, %s', (folder) => {
  it('marks dev the packages pnpm marks dev for the same project', async () => {
    expect(describeResult(await runFixture(folder)).dev).toEqual(pnpmV6DevPackages());
  });

  it('has the root and the workspace member as projects, linked to their direct dependencies', async () => {
    const run = await runFixture(folder);
    expect(run.projects?.map((p) => [p.name, p.version, p.purl])).toEqual([
      ['lockfile-fixture', '1.0.0', undefined],
      ['@fixture/util', '0.1.0', 'pkg:npm/%40fixture/util@0.1.0'],
    ]);
    const { edges, packages } = describeResult(run);
    expect(packages.some((id) => id.startsWith('lockfile-fixture@') || id.startsWith('@fixture/util@'))).toBe(false);
    for (const edge of [
      'project:lockfile-fixture -> debug@2.6.9 depends-on',
      'project:lockfile-fixture -> ms@2.1.3 depends-on',
      'project:lockfile-fixture -> string-width@4.2.3 depends-on',
      'project:lockfile-fixture -> wrappy@1.0.2 depends-on',
      'project:lockfile-fixture -> fsevents@2.3.3 optional-depends-on',
      'project:lockfile-fixture -> readable-stream@1.0.34 dev-depends-on',
      'project:@fixture/util -> kind-of@6.0.3 dev-depends-on',
      'project:@fixture/util -> ms@2.1.3 depends-on',
      'debug@2.6.9 -> ms@2.0.0 depends-on',
      'once@1.4.0 -> wrappy@1.0.2 depends-on',
      'string-width@4.2.3 -> strip-ansi@6.0.1 depends-on',
    ]) {
      expect(edges, edge).toContain(edge);
    }
  });

  it('reports the alias under the real name, two versions of ms, the tarball with its URL and the darwin-only package', async () => {
    const run = await runFixture(folder);
    const byId = new Map(run.packages.map((p) => [`${p.name}@${p.version}`, p]));
    expect(byId.has('string-width-cjs@4.2.3')).toBe(false);
    expect(byId.get('string-width@4.2.3')?.purl).toBe('pkg:npm/string-width@4.2.3');
    expect(byId.has('ms@2.0.0') && byId.has('ms@2.1.3')).toBe(true);
    expect(byId.get('fsevents@2.3.3')?.metadata.optional).toBe('true');
    expect(byId.get('ms@2.1.3')?.metadata.optional).toBeUndefined();
    expect(run.packages.filter((p) => p.name === 'wrappy')).toHaveLength(1);
  });
});

describe('yarn-lock on inline lockfiles', () => {
  it('reads a Yarn 3 lockfile (__metadata version 6), whose dependency ranges have no npm: protocol', () => {
    // __metadata and five entries of the lockfile Yarn 3.8.7 wrote for the workspace project of
    // the yarn-berry-v8 fixture; checksums shortened, the root's dependencies cut to two
    const text = [
      '__metadata:\n  version: 6\n  cacheKey: 8\n',
      '"@isaacs/fs-minipass@npm:^4.0.0":\n  version: 4.0.1\n  resolution: "@isaacs/fs-minipass@npm:4.0.1"\n  dependencies:\n    minipass: ^7.0.4\n  checksum: 5d36\n  languageName: node\n  linkType: hard\n',
      '"fsevents@npm:^2.3.3":\n  version: 2.3.3\n  resolution: "fsevents@npm:2.3.3"\n  dependencies:\n    node-gyp: latest\n  checksum: 11e6\n  conditions: os=darwin\n  languageName: node\n  linkType: hard\n',
      '"fsevents@patch:fsevents@^2.3.3#~builtin<compat/fsevents>":\n  version: 2.3.3\n  resolution: "fsevents@patch:fsevents@npm%3A2.3.3#~builtin<compat/fsevents>::version=2.3.3&hash=df0bf1"\n  dependencies:\n    node-gyp: latest\n  conditions: os=darwin\n  languageName: node\n  linkType: hard\n',
      '"lockfile-fixture@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "lockfile-fixture@workspace:."\n  dependencies:\n    "@isaacs/fs-minipass": ^4.0.0\n    fsevents: ^2.3.3\n  languageName: unknown\n  linkType: soft\n',
      '"minipass@npm:^7.0.4, minipass@npm:^7.1.2":\n  version: 7.1.3\n  resolution: "minipass@npm:7.1.3"\n  checksum: 2ede\n  languageName: node\n  linkType: hard\n',
    ].join('\n');
    const run = runCataloger(yarnLockCataloger, new MemoryResolver({ '/yarn.lock': text }));
    expect(run.warnings).toEqual([]);
    const { edges, packages } = describeResult(run);
    expect(packages).toEqual(expectedPackages(text));
    expect(packages).toEqual(['@isaacs/fs-minipass@4.0.1', 'fsevents@2.3.3', 'minipass@7.1.3']);
    expect(edges).toContain('@isaacs/fs-minipass@4.0.1 -> minipass@7.1.3 depends-on');
    expect(edges).toContain('project:lockfile-fixture -> @isaacs/fs-minipass@4.0.1 depends-on');
    expect(run.packages.find((p) => p.name === 'fsevents')?.metadata.platform).toBe('os=darwin');
  });

  it('warns on a lockfile it cannot read and keeps reading the others', () => {
    const run = runCataloger(
      yarnLockCataloger,
      new MemoryResolver({
        '/a/yarn.lock': 'a@^1:\n   version "1.0.0"\n',
        '/b/yarn.lock': 'b@^1:\n  version "1.0.0"\n',
        '/c/node_modules/x/yarn.lock': 'c@^1:\n  version "1.0.0"\n',
      }),
    );
    expect(run.files).toEqual(['/a/yarn.lock', '/b/yarn.lock']);
    expect(run.packages.map((p) => p.purl)).toEqual(['pkg:npm/b@1.0.0']);
    expect(run.warnings).toEqual([{ code: 'METADATA_UNPARSABLE', message: expect.stringContaining('line 2'), path: '/a/yarn.lock' }]);
  });

  it.each([
    ['invalid Berry YAML', '__metadata:\n  version: 8\n"a@npm:1": [\n'],
    ['a Berry lockfile that is a list', '__metadata:\n- a\n'],
    ['a Berry lockfile with an alias', '__metadata:\n  version: 8\n"a@npm:1": &x\n  version: 1.0.0\n"b@npm:1": *x\n'],
    ['an unterminated string', '"a@^1:\n  version "1.0.0"\n'],
    ['text after a value', 'a@^1:\n  version "1.0.0" extra\n'],
  ])('warns for %s', (_label, text) => {
    const run = runCataloger(yarnLockCataloger, new MemoryResolver({ '/yarn.lock': text }));
    expect(run.packages).toEqual([]);
    expect(run.warnings).toEqual([{ code: 'METADATA_UNPARSABLE', message: expect.any(String), path: '/yarn.lock' }]);
  });

  it('warns for an entry without a version and keeps the others, reading keys as data', () => {
    const run = runCataloger(
      yarnLockCataloger,
      new MemoryResolver({ '/yarn.lock': 'a@^1:\n  resolved "x"\n\n__proto__@^1:\n  version "1.0.0"\n\n"git-dep@git+https://h/o/g.git#abc":\n  version "2.0.0"\n  resolved "git+https://h/o/g.git#abc"\n' }),
    );
    expect(run.packages.map((p) => [p.name, p.version, p.metadata.resolved])).toEqual([
      ['__proto__', '1.0.0', undefined],
      ['git-dep', '2.0.0', 'git+https://h/o/g.git#abc'],
    ]);
    expect(run.warnings).toEqual([{ code: 'PACKAGE_SKIPPED', message: expect.stringContaining('a@^1'), path: '/yarn.lock' }]);
  });
});
