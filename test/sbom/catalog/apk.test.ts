// The apk fixture is written by hand (no Alpine mirror is reachable where fixtures are built), following
// the documented apk-tools installed-database format; see scripts/fixtures/make-catalog-fixtures.sh.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { apkCataloger } from '../../../src/sbom/catalog/apk.js';
import { detectDistro } from '../../../src/sbom/catalog/distro.js';
import { MemoryResolver, runCataloger, type CatalogRun } from './memory-resolver.js';

const FIXTURE = join(import.meta.dirname, '../../../fixtures/catalog/apk');

describe('apk-db on an Alpine installed database', () => {
  let run: CatalogRun;
  beforeAll(async () => {
    const resolver = await MemoryResolver.fromDirectory(FIXTURE);
    run = runCataloger(apkCataloger, resolver, detectDistro(resolver));
  });

  it('finds every package block', () => {
    expect(run.packages.map((p) => `${p.name}@${p.version}`)).toEqual([
      'musl@1.2.4_git20230717-r4',
      'busybox@1.36.1-r15',
      'libcrypto3@3.1.4-r5',
      'libssl3@3.1.4-r5',
      'ca-certificates-bundle@20240226-r0',
      'alpine-baselayout-data@3.4.3-r2',
      'alpine-baselayout@3.4.3-r2',
      'ssl_client@1.36.1-r15',
      'scanelf@1.3.7-r2',
      'apk-tools@2.14.0-r5',
    ]);
    expect(run.warnings).toEqual([]);
  });

  it('reads the documented fields', () => {
    const { ownedFiles, ...musl } = run.packages.find((p) => p.name === 'musl') ?? { ownedFiles: undefined };
    // the F: and R: lines, for relating the packages of other ecosystems apk installed files of
    expect([...(ownedFiles ?? [])]).toEqual(['/lib/ld-musl-x86_64.so.1', '/lib/libc.musl-x86_64.so.1']);
    expect(musl).toEqual({
      ref: 'musl',
      name: 'musl',
      version: '1.2.4_git20230717-r4',
      type: 'apk',
      purl: 'pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1',
      licenses: [{ expression: 'MIT' }],
      metadata: { architecture: 'x86_64', origin: 'musl', installedSize: '663552', commit: 'fd6cd9e5cd8a2ff0bc7e3a57e40e9ac6b0e0a4f0' },
      description: 'the musl c library (libc) implementation',
      homepage: 'https://musl.libc.org/',
      supplier: 'Timo Teräs <timo.teras@iki.fi>',
      locations: [{ path: '/lib/apk/db/installed' }],
    });
    const crypto = run.packages.find((p) => p.name === 'libcrypto3');
    expect(crypto?.purl).toBe('pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19.1&upstream=openssl');
    expect(run.packages.find((p) => p.name === 'ca-certificates-bundle')?.licenses).toEqual([{ expression: 'MPL-2.0 AND MIT' }]);
  });

  it('resolves dependencies by name, so: and cmd: provides and owned files, skipping conflicts', () => {
    const edges = run.relationships.map((r) => `${r.from} -> ${r.to}`).sort();
    expect(edges).toEqual(
      [
        'alpine-baselayout -> alpine-baselayout-data',
        // "/bin/sh" is a file busybox owns
        'alpine-baselayout -> busybox',
        'apk-tools -> ca-certificates-bundle',
        'apk-tools -> libcrypto3',
        'apk-tools -> libssl3',
        // "musl>=1.2" by name; "so:libz.so.1" has no provider installed
        'apk-tools -> musl',
        'busybox -> musl',
        'libcrypto3 -> musl',
        'libssl3 -> libcrypto3',
        'libssl3 -> musl',
        'scanelf -> musl',
        // "!busybox-ssl_client" is a conflict, not a dependency
        'ssl_client -> libcrypto3',
        'ssl_client -> libssl3',
        'ssl_client -> musl',
      ].sort(),
    );
    expect(run.relationships.every((r) => r.type === 'depends-on')).toBe(true);
  });
});

describe('apk-db on damaged input', () => {
  const installed = (text: string) => runCataloger(apkCataloger, new MemoryResolver({ '/lib/apk/db/installed': text }));

  it('warns for a block without P: or V: and keeps the others', () => {
    const run = installed('P:nover\nA:x86_64\n\nV:1.0\n\nP:ok\nV:1-r0\n');
    expect(run.packages.map((p) => p.name)).toEqual(['ok']);
    expect(run.warnings).toHaveLength(2);
    expect(run.warnings.every((w) => w.code === 'METADATA_UNPARSABLE' && w.path === '/lib/apk/db/installed')).toBe(true);
  });

  it('treats blank P: or V: values as missing', () => {
    const run = installed('P: \nV:1\n\nP:x\nV:  \n');
    expect(run.packages).toEqual([]);
    expect(run.warnings).toHaveLength(2);
  });

  it('keeps a license that is not an SPDX expression as a name', () => {
    const run = installed('P:old\nV:1-r0\nL:MIT BSD GPL2+\n');
    expect(run.packages[0]?.licenses).toEqual([{ name: 'MIT BSD GPL2+' }]);
    expect(run.packages[0]?.purl).toBe('pkg:apk/alpine/old@1-r0');
  });

  it('reads CRLF files and ignores lines that are not fields', () => {
    const run = installed('P:a\r\nV:1\r\nnot a field\r\nD:b\r\n\r\nP:b\r\nV:2\r\n');
    expect(run.packages.map((p) => p.name)).toEqual(['a', 'b']);
    expect(run.relationships).toEqual([{ from: 'a', to: 'b', type: 'depends-on' }]);
  });
});
