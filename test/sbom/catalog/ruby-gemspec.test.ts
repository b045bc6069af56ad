import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeLicense } from '../../../src/sbom/license.js';
import { rubyGemspecCataloger } from '../../../src/sbom/catalog/ruby-gemspec.js';
import { MemoryResolver, runCataloger, type CatalogRun } from './memory-resolver.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/catalog/ruby');

/** One gemspec as RubyGems itself loaded it (fixtures/catalog/ruby/oracle.rb). */
interface OracleGem {
  path: string;
  name: string;
  version: string;
  platform: string;
  licenses: string[];
  authors: string[];
  homepage: string | null;
  summary: string | null;
  depends_on: string[];
}

const hasRuby = (() => {
  try {
    execFileSync('ruby', ['-e', 'require "rubygems"; require "json"'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function recorded(tree: string): OracleGem[] {
  return JSON.parse(readFileSync(join(FIXTURES, `${tree}.gems.json`), 'utf8')) as OracleGem[];
}

function live(tree: string): OracleGem[] {
  return JSON.parse(execFileSync('ruby', [join(FIXTURES, 'oracle.rb'), join(FIXTURES, tree)], { encoding: 'utf8' })) as OracleGem[];
}

const edgesOf = (run: CatalogRun) => run.relationships.map((r) => `${r.from} -> ${r.to} ${r.type}`).sort();
const oracleEdges = (gems: OracleGem[]) => gems.flatMap((g) => g.depends_on.map((to) => `${g.path} -> ${to} depends-on`)).sort();

describe.each(['bookworm', 'trixie'])('ruby-installed on Debian %s gem dirs', (tree) => {
  let run: CatalogRun;
  let oracle: OracleGem[];
  beforeAll(async () => {
    run = runCataloger(rubyGemspecCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, tree)));
    oracle = recorded(tree);
  });

  it('finds every gem RubyGems loads, with its name and version, and nothing else', () => {
    expect(oracle.length).toBeGreaterThanOrEqual(10);
    expect(run.packages.map((p) => `${p.locations[0]?.path} ${p.name}@${p.version}`).sort()).toEqual(
      oracle.map((g) => `${g.path} ${g.name}@${g.version}`).sort(),
    );
    expect(run.warnings).toEqual([]);
  });

  it.runIf(hasRuby)('agrees with RubyGems run live on the fixture', () => {
    expect(live(tree)).toEqual(oracle);
  });

  it('reads licenses, authors, homepage and summary as RubyGems does', () => {
    for (const gem of oracle) {
      const found = run.packages.find((p) => p.ref === gem.path);
      expect(found?.licenses, gem.name).toEqual(gem.licenses.map(normalizeLicense));
      expect(found?.metadata.authors, gem.name).toBe(gem.authors.length > 0 ? gem.authors.join(', ') : undefined);
      expect(found?.homepage ?? null, gem.name).toBe(gem.homepage);
      expect(found?.description ?? null, gem.name).toBe(gem.summary);
      expect(gem.platform).toBe('ruby');
      expect(found?.purl).toBe(`pkg:gem/${gem.name}@${gem.version}`);
    }
  });

  it('links runtime dependencies to the version RubyGems activates from the same gem dir', () => {
    expect(edgesOf(run)).toEqual(oracleEdges(oracle));
    expect(run.relationships.length).toBeGreaterThanOrEqual(6);
  });

  it('marks the gems that ship with Ruby', () => {
    const defaults = run.packages.filter((p) => p.metadata.defaultGem === 'true').map((p) => p.locations[0]?.path);
    expect(defaults.length).toBeGreaterThanOrEqual(5);
    expect(defaults).toEqual(oracle.filter((g) => g.path.includes('/specifications/default/')).map((g) => g.path));
  });
});

describe('ruby-installed on the Debian 12 layout in detail', () => {
  it('keeps the gem of two gem dirs apart, decodes escapes and skips the else branch', async () => {
    const run = runCataloger(rubyGemspecCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, 'bookworm')));
    const json = run.packages.filter((p) => p.name === 'json').map((p) => p.purl);
    expect(json.sort()).toEqual(['pkg:gem/json@2.6.1', 'pkg:gem/json@2.6.3']);
    const bundler = run.packages.find((p) => p.name === 'bundler');
    expect(bundler?.supplier).toContain('André Arko');
    expect(bundler?.supplier).toContain('David Rodríguez');
    // sinatra's else branch repeats rack-test (a development dependency) as add_dependency
    const names = new Map(run.packages.map((p) => [p.ref, p.name]));
    const sinatra = run.packages.find((p) => p.name === 'sinatra');
    const targets = run.relationships.filter((r) => r.from === sinatra?.ref).map((r) => names.get(r.to));
    expect(targets.sort()).toEqual(['mustermann', 'rack', 'rack-protection', 'tilt']);
    // test-unit declares licenses RubyGems knows as ids and names it does not
    expect(run.packages.find((p) => p.name === 'test-unit')?.licenses).toEqual([{ expression: 'Ruby' }, { name: 'BSDL' }, { name: 'PSFL' }]);
    expect(run.packages.find((p) => p.name === 'bacon')?.licenses).toEqual([]);
  });
});

describe('ruby-installed on inline gemspecs', () => {
  const dir = '/usr/local/bundle/specifications';
  const gemspec = (lines: string[]) => `# -*- encoding: utf-8 -*-\nGem::Specification.new do |s|\n${lines.map((l) => `  ${l}`).join('\n')}\nend\n`;

  it('activates the highest version that meets every requirement, as RubyGems does', () => {
    const files: Record<string, string> = {
      [`${dir}/app-1.0.gemspec`]: gemspec([
        's.name = "app".freeze',
        's.version = "1.0"',
        's.add_runtime_dependency(%q<lib>.freeze, ["~> 1.2".freeze, ">= 1.2.3"])',
        's.add_dependency "other", ">= 2.0", "< 3"',
        's.add_development_dependency(%q<lib>.freeze, ["= 2.0.0"])',
      ]),
      [`${dir}/lib-1.2.2.gemspec`]: gemspec(['s.name = "lib"', 's.version = "1.2.2"']),
      [`${dir}/lib-1.9.0.gemspec`]: gemspec(['s.name = "lib"', 's.version = "1.9.0"']),
      [`${dir}/lib-1.10.0.pre.1.gemspec`]: gemspec(['s.name = "lib"', 's.version = "1.10.0.pre.1"']),
      [`${dir}/lib-2.0.0.gemspec`]: gemspec(['s.name = "lib"', 's.version = "2.0.0"']),
      [`${dir}/other-2.5.gemspec`]: gemspec(['s.name = "other"', 's.version = "2.5"']),
      [`${dir}/other-3.0.gemspec`]: gemspec(['s.name = "other"', 's.version = "3.0"']),
      ['/opt/elsewhere/specifications/other-2.9.gemspec']: gemspec(['s.name = "other"', 's.version = "2.9"']),
      [`${dir}/pre-1.0.gemspec`]: gemspec(['s.name = "pre"', 's.version = "1.0"', 's.add_dependency "lib", ">= 1.10.0.a"']),
    };
    const run = runCataloger(rubyGemspecCataloger, new MemoryResolver(files));
    const expected = [
      `${dir}/app-1.0.gemspec -> ${dir}/lib-1.9.0.gemspec depends-on`,
      `${dir}/app-1.0.gemspec -> ${dir}/other-2.5.gemspec depends-on`,
      `${dir}/pre-1.0.gemspec -> ${dir}/lib-2.0.0.gemspec depends-on`,
    ];
    expect(edgesOf(run)).toEqual(expected);
    if (!hasRuby) return;
    const root = mkdtempSync(join(tmpdir(), 'sealkit-gems-'));
    try {
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), content);
      }
      expect(oracleEdges(JSON.parse(execFileSync('ruby', [join(FIXTURES, 'oracle.rb'), root], { encoding: 'utf8' })) as OracleGem[])).toEqual(expected);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads hand-written forms: single license, %q delimiters, interpolated name, platform', () => {
    const resolver = new MemoryResolver({
      [`${dir}/nokogiri-1.16.0-x86_64-linux.gemspec`]: gemspec([
        's.name = %q{nokogiri}',
        "s.version = '1.16.0'",
        's.platform = "x86_64-linux".freeze',
        's.license = "MIT"',
        's.homepage = "https://example.org/#{s.name}/v#{s.version}"',
        's.summary = %q(Nested (parentheses) and \\"quotes\\")',
        's.authors = ["A", "B"] # a comment with "quotes"',
      ]),
      [`${dir}/dyn-1.gemspec`]: gemspec(['s.name = "dyn"', 's.version = "1"', 's.homepage = "https://#{ENV["HOST"]}/"']),
    });
    const run = runCataloger(rubyGemspecCataloger, resolver);
    expect(run.packages.find((p) => p.name === 'nokogiri')).toMatchObject({
      purl: 'pkg:gem/nokogiri@1.16.0?platform=x86_64-linux',
      licenses: [{ expression: 'MIT' }],
      homepage: 'https://example.org/nokogiri/v1.16.0',
      description: 'Nested (parentheses) and \\"quotes\\"',
      supplier: 'A, B',
      metadata: { platform: 'x86_64-linux', authors: 'A, B' },
    });
    // a homepage Ruby would compute from the environment is not guessed
    expect(run.packages.find((p) => p.name === 'dyn')?.homepage).toBeUndefined();
    expect(run.warnings).toEqual([]);
  });

  it('warns for gemspecs without a literal name or version, and for garbage', () => {
    const resolver = new MemoryResolver({
      [`${dir}/a-1.gemspec`]: gemspec(['s.version = "1"']),
      [`${dir}/b-1.gemspec`]: gemspec(['s.name = "b"', 's.version = Gem::Version.new("1")']),
      [`${dir}/c-1.gemspec`]: gemspec(['s.name = "#{prefix}-c"', 's.version = "1"']),
      [`${dir}/d-1.gemspec`]: Buffer.from([0, 1, 2, 0xff, 0x22, 0x25, 0x71]),
      [`${dir}/e-1.gemspec`]: 'Gem::Specification.new do |s|\n  s.name = "e\n  s.version = "1"\n',
    });
    const run = runCataloger(rubyGemspecCataloger, resolver);
    expect(run.packages).toEqual([]);
    expect(run.warnings.map((w) => `${w.code} ${w.path}`)).toEqual([
      `METADATA_UNPARSABLE ${dir}/a-1.gemspec`,
      `METADATA_UNPARSABLE ${dir}/b-1.gemspec`,
      `METADATA_UNPARSABLE ${dir}/c-1.gemspec`,
      `METADATA_UNPARSABLE ${dir}/d-1.gemspec`,
      `METADATA_UNPARSABLE ${dir}/e-1.gemspec`,
    ]);
  });

  it('wants specifications and default specifications only', () => {
    const resolver = new MemoryResolver({
      [`${dir}/a-1.gemspec`]: gemspec(['s.name = "a"', 's.version = "1"']),
      [`${dir}/default/b-1.gemspec`]: gemspec(['s.name = "b"', 's.version = "1"']),
      ['/usr/local/bundle/gems/a-1/a.gemspec']: gemspec(['s.name = "a"', 's.version = "1"']),
      [`${dir}/nested/c-1.gemspec`]: gemspec(['s.name = "c"', 's.version = "1"']),
    });
    expect(runCataloger(rubyGemspecCataloger, resolver).files).toEqual([`${dir}/a-1.gemspec`, `${dir}/default/b-1.gemspec`]);
  });
});
