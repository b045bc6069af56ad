import { describe, expect, it } from 'vitest';
import { DISTRO_PATTERNS, catalogers, detectDistro } from '../../../src/sbom/catalog/index.js';
import { compileGlob } from '../../../src/sbom/glob.js';

const matches = (name: string, path: string) => {
  const cataloger = catalogers.find((c) => c.name === name);
  if (cataloger === undefined) throw new Error(`no cataloger ${name}`);
  const included = cataloger.patterns.some((glob) => compileGlob(glob).test(path));
  return included && !(cataloger.exclude ?? []).some((glob) => compileGlob(glob).test(path));
};

describe('catalog registry', () => {
  it('registers each cataloger once under a stable name', () => {
    expect(catalogers.map((c) => c.name)).toEqual(['dpkg-db', 'apk-db', 'python-installed', 'npm-installed', 'npm-lockfile']);
    for (const cataloger of catalogers) {
      expect(cataloger.patterns.length).toBeGreaterThan(0);
      expect(cataloger.sources.length).toBeGreaterThan(0);
      expect(cataloger.maxFileSize).toBeGreaterThan(1024 * 1024);
    }
    expect(DISTRO_PATTERNS).toContain('etc/os-release');
    expect(typeof detectDistro).toBe('function');
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
  ])('%s wants %s: %s', (name, path, wanted) => {
    expect(matches(name, path)).toBe(wanted);
  });
});
