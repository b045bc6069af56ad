import { describe, expect, it } from 'vitest';
import { DISTRO_PATTERNS, catalogers, detectDistro } from '../../../src/sbom/catalog/index.js';
import { compileGlob } from '../../../src/sbom/glob.js';

const byName = (name: string) => {
  const cataloger = catalogers.find((c) => c.name === name);
  if (cataloger === undefined) throw new Error(`no cataloger ${name}`);
  return cataloger;
};

/** Whether a file starting with `head` is chosen by the cataloger's magic numbers. */
const chosenByContent = (name: string, head: Buffer) => (byName(name).magic ?? []).some((magic) => head.subarray(0, magic.length).equals(magic));

const matches = (name: string, path: string) => {
  const cataloger = byName(name);
  const included = cataloger.patterns.some((glob) => compileGlob(glob).test(path));
  return included && !(cataloger.exclude ?? []).some((glob) => compileGlob(glob).test(path));
};

describe('catalog registry', () => {
  it('registers each cataloger once under a stable name, in a fixed order', () => {
    expect(catalogers.map((c) => c.name)).toEqual([
      'dpkg-db',
      'apk-db',
      'rpm-db',
      'python-installed',
      'python-poetry-lock',
      'python-uv-lock',
      'python-pipfile-lock',
      'python-pdm-lock',
      'python-requirements',
      'npm-installed',
      'npm-lockfile',
      'yarn-lock',
      'pnpm-lock',
      'bun-lock',
      'java-archive',
      'ruby-installed',
      'ruby-gemfile-lock',
      'php-composer-installed',
      'php-composer-lock',
      'dotnet-deps',
      'dotnet-packages-lock',
      'go-binary',
      'go-mod',
      'rust-cargo-auditable',
      'rust-cargo-lock',
    ]);
    expect(new Set(catalogers.map((c) => c.name)).size).toBe(catalogers.length);
    expect(DISTRO_PATTERNS).toContain('etc/os-release');
    expect(typeof detectDistro).toBe('function');
  });

  it.each(catalogers.map((c) => [c.name, c] as const))('%s wants some files, by path or by content, from some kind of source', (_name, cataloger) => {
    expect(cataloger.patterns.length + (cataloger.magic?.length ?? 0)).toBeGreaterThan(0);
    for (const magic of cataloger.magic ?? []) expect(magic.length).toBeGreaterThan(0);
    expect(cataloger.sources.length).toBeGreaterThan(0);
    expect(cataloger.maxFileSize).toBeGreaterThan(1024 * 1024);
  });

  it('gives the catalogers that read archives and executables random access, and only them', () => {
    expect(catalogers.filter((c) => c.randomAccess === true).map((c) => c.name)).toEqual(['java-archive', 'go-binary', 'rust-cargo-auditable']);
  });

  it.each([
    ['go-binary', 'ELF', '7f454c4602010100', true],
    ['go-binary', 'Mach-O 64-bit little-endian', 'cffaedfe07000001', true],
    ['go-binary', 'universal Mach-O with two slices', 'cafebabe00000002', true],
    ['go-binary', 'PE (MZ)', '4d5a900003000000', true],
    ['go-binary', 'a Java class file (also 0xcafebabe, then a version)', 'cafebabe00000041', false],
    ['go-binary', 'a shell script', '23212f62696e2f73', false],
    ['rust-cargo-auditable', 'ELF', '7f454c4602010100', true],
    ['rust-cargo-auditable', 'PE (MZ)', '4d5a900003000000', true],
    ['rust-cargo-auditable', 'a zip archive', '504b030414000000', false],
  ])('%s chooses %s by content: %s', (name, _what, head, chosen) => {
    expect(byName(name).patterns).toEqual([]);
    expect(chosenByContent(name, Buffer.from(head, 'hex'))).toBe(chosen);
  });

  it.each([
    ['dpkg-db', 'var/lib/dpkg/status', true],
    ['dpkg-db', 'var/lib/dpkg/status.d/libc6', true],
    ['dpkg-db', 'var/lib/dpkg/status.d/libc6.md5sums', false],
    ['dpkg-db', 'var/lib/dpkg/status-old', false],
    ['apk-db', 'lib/apk/db/installed', true],
    ['python-installed', 'usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO', true],
    ['python-installed', 'usr/local/lib/python3.12/site-packages/pip-24.0.dist-info/METADATA', true],
    ['python-installed', 'usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info', true],
    ['python-installed', 'usr/lib/python3/dist-packages/pip-24.0.dist-info/RECORD', false],
    ['npm-installed', 'usr/lib/node_modules/npm/package.json', true],
    ['npm-installed', 'app/node_modules/@scope/pkg/package.json', true],
    ['npm-installed', 'app/node_modules/a/node_modules/b/package.json', true],
    ['npm-installed', 'app/node_modules/a/test/package.json', false],
    ['npm-installed', 'app/package.json', false],
    ['npm-lockfile', 'app/package-lock.json', true],
    ['npm-lockfile', 'package-lock.json', true],
    ['npm-lockfile', 'app/npm-shrinkwrap.json', true],
    ['npm-lockfile', 'app/node_modules/x/package-lock.json', false],
    ['npm-lockfile', 'app/node_modules/.package-lock.json', false],
    ['rpm-db', 'var/lib/rpm/rpmdb.sqlite', true],
    ['rpm-db', 'var/lib/rpm/rpmdb.sqlite-wal', true],
    ['rpm-db', 'usr/lib/sysimage/rpm/Packages.db', true],
    ['rpm-db', 'usr/share/rpm/Packages', true],
    ['rpm-db', 'var/lib/rpm/rpmdb.sqlite-shm', false],
    ['rpm-db', 'var/lib/rpm/Providename', false],
    ['java-archive', 'usr/share/java/guava.jar', true],
    ['java-archive', 'opt/app/app.war', true],
    ['java-archive', 'var/lib/jenkins/plugins/git.hpi', true],
    ['java-archive', 'usr/share/java/README.txt', false],
    ['ruby-installed', 'usr/share/rubygems-integration/all/specifications/rack-2.2.4.gemspec', true],
    ['ruby-installed', 'usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec', true],
    ['ruby-installed', 'usr/lib/ruby/gems/3.1.0/gems/rack-2.2.4/rack.gemspec', false],
    ['php-composer-installed', 'var/www/app/vendor/composer/installed.json', true],
    ['php-composer-installed', 'var/www/app/composer.json', false],
    ['dotnet-deps', 'app/MyApp.deps.json', true],
    ['dotnet-deps', 'app/MyApp.runtimeconfig.json', false],
  ])('%s wants %s: %s', (name, path, wanted) => {
    expect(matches(name, path)).toBe(wanted);
  });
});
