import { PackageURL } from 'packageurl-js';
import { describe, expect, it } from 'vitest';
import { isSealkitError } from '../../src/errors.js';
import type { Distro } from '../../src/sbom/model.js';
import { apkPurl, buildPurl, debPurl, distroQualifier, encodeComponent, normalizePythonName, npmPurl, pypiPurl } from '../../src/sbom/purl.js';

const bookworm: Distro = { id: 'debian', versionId: '12', version: '12.10', codename: 'bookworm' };
const alpine: Distro = { id: 'alpine', versionId: '3.19.1', version: '3.19.1' };

/** packageurl-js parses what we build back into the same components. */
function roundTrip(purl: string) {
  const parsed = PackageURL.fromString(purl);
  return { type: parsed.type, namespace: parsed.namespace, name: parsed.name, version: parsed.version, qualifiers: parsed.qualifiers };
}

describe('debPurl', () => {
  it('encodes + in the version as %2B and sorts qualifiers', () => {
    const purl = debPurl({ name: 'bash', version: '5.2.15-2+b7', architecture: 'amd64', source: 'bash', sourceVersion: '5.2.15-2' }, bookworm);
    expect(purl).toBe('pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64&distro=debian-12.10');
    expect(roundTrip(purl)).toEqual({
      type: 'deb',
      namespace: 'debian',
      name: 'bash',
      version: '5.2.15-2+b7',
      qualifiers: { arch: 'amd64', distro: 'debian-12.10' },
    });
  });

  it('keeps the epoch colon unencoded', () => {
    const purl = debPurl({ name: 'zlib1g', version: '1:1.2.13.dfsg-1', architecture: 'i386', source: 'zlib' }, bookworm);
    expect(purl).toBe('pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=i386&distro=debian-12.10&upstream=zlib');
    expect(roundTrip(purl).version).toBe('1:1.2.13.dfsg-1');
  });

  it('names the source and its version in upstream when both differ', () => {
    const purl = debPurl({ name: 'libblkid1', version: '2.38.1-5+b1', architecture: 'amd64', source: 'util-linux', sourceVersion: '2.38.1-5' }, bookworm);
    expect(purl).toBe('pkg:deb/debian/libblkid1@2.38.1-5%2Bb1?arch=amd64&distro=debian-12.10&upstream=util-linux%402.38.1-5');
    expect(roundTrip(purl).qualifiers).toEqual({ arch: 'amd64', distro: 'debian-12.10', upstream: 'util-linux@2.38.1-5' });
  });

  it('names only the source when the versions agree', () => {
    expect(debPurl({ name: 'libgcc-s1', version: '12.2.0-14', architecture: 'amd64', source: 'gcc-12', sourceVersion: '12.2.0-14' }, bookworm)).toBe(
      'pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64&distro=debian-12.10&upstream=gcc-12',
    );
  });

  it('uses the os-release ID as namespace and falls back to debian without a distro', () => {
    const ubuntu: Distro = { id: 'ubuntu', versionId: '22.04', version: '22.04' };
    expect(debPurl({ name: 'libc6', version: '2.35-0ubuntu3.6', architecture: 'arm64' }, ubuntu)).toBe(
      'pkg:deb/ubuntu/libc6@2.35-0ubuntu3.6?arch=arm64&distro=ubuntu-22.04',
    );
    expect(debPurl({ name: 'libc6', version: '2.36-9' }, undefined)).toBe('pkg:deb/debian/libc6@2.36-9');
  });

  it('lowercases names as the deb type requires', () => {
    expect(debPurl({ name: 'Foo', version: '1' }, bookworm)).toBe('pkg:deb/debian/foo@1?distro=debian-12.10');
  });
});

describe('apkPurl', () => {
  it('builds the Alpine form', () => {
    expect(apkPurl({ name: 'musl', version: '1.2.4-r2', architecture: 'x86_64', origin: 'musl' }, alpine)).toBe(
      'pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1',
    );
  });

  it('adds upstream for a package built from another origin', () => {
    const purl = apkPurl({ name: 'libcrypto3', version: '3.1.4-r5', architecture: 'x86_64', origin: 'openssl' }, alpine);
    expect(purl).toBe('pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19.1&upstream=openssl');
  });

  it('encodes the _ and + of apk versions correctly', () => {
    const purl = apkPurl({ name: 'musl', version: '1.2.4_git20230717-r4', architecture: 'x86_64' }, alpine);
    expect(purl).toBe('pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1');
  });
});

describe('pypiPurl', () => {
  it.each([
    ['PyJWT', 'pyjwt'],
    ['charset_normalizer', 'charset-normalizer'],
    ['Foo.Bar__baz', 'foo-bar-baz'],
    ['zope.interface', 'zope-interface'],
    ['egg_file.example', 'egg-file-example'],
  ])('normalizes %s to %s (PEP 503)', (name, normalized) => {
    expect(normalizePythonName(name)).toBe(normalized);
    expect(pypiPurl(name, '1.0')).toBe(`pkg:pypi/${normalized}@1.0`);
  });

  it('keeps local version labels', () => {
    expect(pypiPurl('torch', '2.1.0+cpu')).toBe('pkg:pypi/torch@2.1.0%2Bcpu');
  });
});

describe('npmPurl', () => {
  it('puts the scope in the namespace, with @ encoded', () => {
    const purl = npmPurl('@hapi/topo', '6.0.2');
    expect(purl).toBe('pkg:npm/%40hapi/topo@6.0.2');
    expect(roundTrip(purl)).toMatchObject({ namespace: '@hapi', name: 'topo', version: '6.0.2' });
  });

  it('does not split a scope without a name', () => {
    expect(npmPurl('@scope/', '1.0.0')).toBe('pkg:npm/%40scope%2F@1.0.0');
  });

  it('builds unscoped names and keeps semver build metadata', () => {
    expect(npmPurl('ms', '2.1.3')).toBe('pkg:npm/ms@2.1.3');
    expect(npmPurl('pkg', '1.0.0-rc.1+build.5')).toBe('pkg:npm/pkg@1.0.0-rc.1%2Bbuild.5');
  });
});

describe('buildPurl', () => {
  it('drops empty qualifiers and sorts the others by key', () => {
    expect(buildPurl({ type: 'generic', name: 'x', version: '1', qualifiers: { z: '1', a: '2', m: '', k: undefined } })).toBe('pkg:generic/x@1?a=2&z=1');
  });

  it('encodes what the specification does not allow and keeps the colon', () => {
    expect(encodeComponent("a b!'()*+@/:~._-")).toBe('a%20b%21%27%28%29%2A%2B%40%2F:~._-');
    expect(buildPurl({ type: 'generic', namespace: 'a b/c', name: 'n', subpath: 'x y/z' })).toBe('pkg:generic/a%20b/c/n#x%20y/z');
  });

  it('throws a UsageError for an empty name', () => {
    let caught: unknown;
    try {
      buildPurl({ type: 'npm', name: '' });
    } catch (error) {
      caught = error;
    }
    expect(isSealkitError(caught, 'INVALID_ARGUMENT')).toBe(true);
  });
});

describe('distroQualifier', () => {
  it('prefers the most precise version, then VERSION_ID, then the codename', () => {
    expect(distroQualifier(bookworm)).toBe('debian-12.10');
    expect(distroQualifier({ id: 'debian', versionId: '12' })).toBe('debian-12');
    expect(distroQualifier({ id: 'debian', codename: 'trixie' })).toBe('debian-trixie');
    expect(distroQualifier({ id: 'arch' })).toBe('arch');
    expect(distroQualifier(undefined)).toBeUndefined();
  });
});
