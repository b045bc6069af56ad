// Fixtures: Rails' own Gemfile.lock, from 2024 cut to 27 gems (GIT sources, PATH gems, platform variants) and
// from 2026 cut to four gems (Bundler 4, CHECKSUMS); see fixtures/catalog/README.md,
// "lockfiles/gemfile". The
// oracle beside each, <tree>.bundler.json, is what Bundler's own LockfileParser read from it
// (oracle.rb, Debian's Bundler 2.3.7).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gemfileLockCataloger } from '../../../../src/sbom/catalog/ruby/gemfile-lock.js';
import { readGemLockfile } from '../../../../src/sbom/catalog/ruby/gemfile-lock-reader.js';
import { MemoryResolver, runCataloger, type CatalogRun } from '../memory-resolver.js';

const LOCKFILES = join(import.meta.dirname, '../../../../fixtures/catalog/lockfiles/gemfile');
const TREES = ['rails-2024-cut', 'rails-2026-cut'] as const;

/** [name, version, platform, source, dependency names] */
type OracleSpec = [string, string, string, string, string[]];
interface Oracle {
  specs: OracleSpec[];
  platforms: string[];
  dependencies: string[];
  bundler: string;
}

function run(content: string | Buffer, path = '/Gemfile.lock'): CatalogRun {
  return runCataloger(gemfileLockCataloger, new MemoryResolver({ [path]: content }));
}

function labelsOf(result: CatalogRun): Map<string, string> {
  const labels = new Map<string, string>();
  for (const p of result.packages) labels.set(p.ref, `${p.name}@${p.version}`);
  for (const p of result.projects ?? []) labels.set(p.ref, p.version === undefined ? `(${p.name})` : `${p.name}@${p.version}`);
  return labels;
}

describe.each(TREES)('ruby-gemfile-lock on a real Gemfile.lock (%s)', (tree) => {
  const result = run(readFileSync(join(LOCKFILES, tree, 'Gemfile.lock')));
  const oracle = JSON.parse(readFileSync(join(LOCKFILES, `${tree}.bundler.json`), 'utf8')) as Oracle;
  const isPath = (spec: OracleSpec) => spec[3].startsWith('path ');
  const label = (spec: OracleSpec) => `${spec[0]}@${spec[1]}`;
  const labels = labelsOf(result);

  it('reports one package per gem name and version, platform variants collapsed', () => {
    const expected = [...new Set(oracle.specs.filter((s) => !isPath(s)).map(label))].sort();
    expect(result.packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual(expected);
    expect(expected.length).toBeLessThan(oracle.specs.filter((s) => !isPath(s)).length);
    expect(result.warnings).toEqual([]);
  });

  it('keeps the platforms of a native gem in metadata, with one purl for all', () => {
    for (const pkg of result.packages) {
      const platforms = [...new Set(oracle.specs.filter((s) => label(s) === `${pkg.name}@${pkg.version}`).map((s) => s[2]))].sort();
      // the oracle's RubyGems 3.3 reads `x86_64-linux-gnu` as `x86_64-linux`; the file's string is kept
      const platform = pkg.metadata.platform?.split(',').map((p) => p.replace(/-linux-gnu$/, '-linux'));
      expect(platform === undefined ? undefined : [...new Set(platform)].sort().join(','), pkg.name).toBe(platforms.some((p) => p !== 'ruby') ? platforms.join(',') : undefined);
      expect(pkg.purl).toBe(`pkg:gem/${pkg.name}@${pkg.version}`);
      expect(pkg.dev).toBeUndefined();
    }
    expect(result.packages.find((p) => p.name === 'nokogiri')?.metadata.platform?.split(',')).toEqual(expect.arrayContaining(['ruby', expect.stringMatching(/^x86_64-linux/)]));
  });

  it('makes the PATH gems and the Gemfile the projects, not packages', () => {
    const expected = oracle.specs.filter(isPath).map(label);
    expect(expected.length).toBe(tree === 'rails-2024-cut' ? 2 : 0);
    expect((result.projects ?? []).map((p) => labels.get(p.ref)).sort()).toEqual([...expected, '(Gemfile)'].sort());
  });

  it('links every gem to the locked gems it depends on, as Bundler reads them', () => {
    const byName = new Map<string, OracleSpec>(oracle.specs.map((s) => [s[0], s]));
    const expected = new Set<string>();
    for (const spec of oracle.specs) {
      for (const name of spec[4]) {
        const target = byName.get(name);
        if (target !== undefined && !isPath(target)) expected.add(`${label(spec)} -> ${label(target)}`);
      }
    }
    for (const name of oracle.dependencies) {
      const target = byName.get(name);
      if (target !== undefined && !isPath(target)) expected.add(`(Gemfile) -> ${label(target)}`);
    }
    const got = result.relationships.map((r) => `${labels.get(r.from)} -> ${labels.get(r.to)}`);
    expect(got.sort()).toEqual([...expected].sort());
    expect(new Set(got).size).toBe(got.length);
  });

  it('gives a git gem its locked version, repository and revision', () => {
    for (const spec of oracle.specs.filter((s) => s[3].startsWith('git '))) {
      const [, uri, revision, reference] = spec[3].split(' ');
      expect(result.packages.find((p) => p.name === spec[0])).toMatchObject({ version: spec[1], metadata: { gitUrl: uri, gitCommit: revision, gitReference: reference } });
    }
  });
});

describe('ruby-gemfile-lock: details', () => {
  it('has git gems in the 2024 lockfile, and keeps rubygems.org as the source of the others', () => {
    const result = run(readFileSync(join(LOCKFILES, 'rails-2024-cut/Gemfile.lock')));
    expect(result.packages.find((p) => p.name === 'sdoc')).toMatchObject({ version: '3.0.0.alpha', metadata: { gitUrl: 'https://github.com/rails/sdoc.git' } });
    expect(result.packages.find((p) => p.name === 'rack')?.metadata.source).toBe('https://rubygems.org/');
  });

  it('keeps CHECKSUMS: bare for a gem of one variant, by platform for several', () => {
    const text = readFileSync(join(LOCKFILES, 'rails-2026-cut/Gemfile.lock'), 'utf8');
    const result = run(text);
    expect(result.packages.find((p) => p.name === 'xpath')?.metadata.checksum).toBe('sha256=6dfda79d91bb3b949b947ecc5919f042ef2f399b904013eb3ef6d20dd3a4082e');
    expect(result.packages.find((p) => p.name === 'nokogiri')?.metadata.checksum).toBe(
      [
        'aarch64-linux-gnu sha256=cfdb0eafd9a554a88f12ebcc688d2b9005f9fce42b00b970e3dc199587b27f32',
        'arm64-darwin sha256=dfe2d337e6700eac47290407c289d56bcf85805d128c1b5a6434ddb79731cb9e',
        'ruby sha256=598b327f36df0b172abd57b68b18979a6e14219353bca87180c31a51a00d5ad3',
        'x86_64-darwin sha256=7093896778cc03efb74b85f915a775862730e887f2e58d6921e3fa3d981e68bf',
        'x86_64-linux-gnu sha256=1a4902842a186b4f901078e692d12257678e6133858d0566152fe29cdb98456a',
      ].join(', '),
    );
    expect(readGemLockfile(text).bundledWith).toBe('4.0.12');
  });

  it('reports no bundler package and names the Gemfile project after its folder', () => {
    const result = run(readFileSync(join(LOCKFILES, 'rails-2024-cut/Gemfile.lock')), '/src/app/Gemfile.lock');
    expect(result.packages.some((p) => p.name === 'bundler')).toBe(false);
    expect(result.projects?.find((p) => p.ref.endsWith('#Gemfile'))?.name).toBe('app');
  });

  it('reads CRLF line endings the same', () => {
    const text = readFileSync(join(LOCKFILES, 'rails-2024-cut/Gemfile.lock'), 'utf8');
    const crlf = run(text.replace(/\n/g, '\r\n'));
    expect(crlf.packages).toEqual(run(text).packages);
    expect(crlf.relationships).toEqual(run(text).relationships);
  });
});

describe('ruby-gemfile-lock: bad input', () => {
  it('warns for a file that is not a lockfile', () => {
    for (const text of ['', '{"not": "a lockfile"}', 'GEM\n  remote: https://rubygems.org/\n  specs:\n']) {
      const result = run(text);
      expect(result.packages, text).toEqual([]);
      expect(result.warnings, text).toEqual([expect.objectContaining({ code: 'METADATA_UNPARSABLE', path: '/Gemfile.lock' })]);
    }
  });

  it('reads what it can of a damaged file and says how many lines it skipped', () => {
    const text = ['GEM', '  remote: https://rubygems.org/', '  specs:', '    rack (3.1.7)', '    broken line here', '<<<<<<< HEAD', '    json (2.7.1)', '', 'DEPENDENCIES', '  rack', '  json'].join('\n');
    const result = run(text);
    expect(result.packages.map((p) => p.name)).toEqual(['rack', 'json']);
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'PACKAGE_SKIPPED', message: expect.stringMatching(/^2 lines/) })]);
  });

  it('reads a pinned dependency and a megabyte-long line without backtracking over it', () => {
    const text = `GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (3.1.7)\n\nDEPENDENCIES\n  rack!\n  ${'x'.repeat(1 << 20)} (\n`;
    const result = run(text);
    expect(result.relationships).toHaveLength(1);
    expect(result.warnings).toEqual([expect.objectContaining({ message: expect.stringMatching(/^1 lines/) })]);
  });

  it('reads nothing under vendor/bundle or an installed gem', () => {
    const resolver = new MemoryResolver({
      '/app/vendor/bundle/ruby/3.3.0/gems/rack-3.1.7/Gemfile.lock': 'x',
      '/usr/lib/ruby/3.3.0/gems/x-1/Gemfile.lock': 'x',
      '/app/Gemfile.lock': 'x',
      '/app/gems.locked': 'x',
    });
    expect(runCataloger(gemfileLockCataloger, resolver).files).toEqual(['/app/Gemfile.lock', '/app/gems.locked']);
  });
});
