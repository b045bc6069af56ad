import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RpmHeader, RpmHeaderError, RpmTag, readRpmPackage } from '../../../../src/sbom/catalog/rpm/header.js';
import { loadSqlite, readSqliteDatabase } from '../../../../src/sbom/catalog/rpm/sqlite.js';
import type { HeaderBlob } from '../../../../src/sbom/catalog/rpm/records.js';
import { BIN, I18NSTRING, INT16, INT32, INT64, STRING, STRING_ARRAY, buildHeader, int32s, nvr, str, strs } from './header-builder.js';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures/catalog/rpm');

describe('readRpmPackage on headers written by rpm', () => {
  let blobs: HeaderBlob[];
  beforeAll(async () => {
    await loadSqlite();
    blobs = readSqliteDatabase(readFileSync(join(FIXTURES, 'sqlite/usr/lib/sysimage/rpm/rpmdb.sqlite'))).blobs;
  });
  const byName = (name: string) => blobs.map((b) => readRpmPackage(b.blob)).find((p) => p.name === name);

  it('reads name, epoch, version, release, arch, source rpm, license, vendor, summary, url and size', () => {
    expect(byName('openssl-libs')).toMatchObject({
      name: 'openssl-libs',
      epoch: 1,
      version: '3.1.1',
      release: '4.fc39',
      arch: 'x86_64',
      sourceRpm: 'openssl-3.1.1-4.fc39.src.rpm',
      license: 'ASL 2.0',
      vendor: 'Fedora Project',
      summary: 'A general purpose cryptography library with TLS implementation',
      url: 'http://www.openssl.org/',
    });
    expect(byName('openssl-libs')?.size).toBe('libssl 3.1.1\n'.length + 'libcrypto 3.1.1\n'.length + '# openssl.cnf\n'.length);
    // no Epoch: tag is not epoch 0
    expect(byName('zlib')?.epoch).toBeUndefined();
  });

  it('joins the compressed file list back into paths', () => {
    expect(byName('openssl-libs')?.files).toEqual(['/etc/pki/tls/openssl.cnf', '/usr/lib64/libcrypto.so.3.1.1', '/usr/lib64/libssl.so.3.1.1']);
    expect(byName('python3-requests')?.files).toContain('/usr/lib/python3.12/site-packages/requests-2.28.2.dist-info/METADATA');
    expect(byName('filesystem')?.files).toEqual(['/etc', '/usr', '/usr/bin', '/usr/lib', '/usr/share']);
  });

  it('reads requires and provides', () => {
    const libs = byName('openssl-libs');
    expect(libs?.requires).toContain('libz.so.1()(64bit)');
    expect(libs?.requires.some((r) => r.startsWith('rpmlib('))).toBe(true);
    expect(libs?.provides).toEqual(expect.arrayContaining(['openssl-libs', 'openssl-libs(x86-64)', 'config(openssl-libs)']));
    expect(byName('openssl')?.requires).toContain('/usr/bin/bash');
  });

  it('reads the gpg-pubkey pseudo-package rpm --import writes: no arch, no source rpm, no files', () => {
    const key = byName('gpg-pubkey');
    expect(key).toMatchObject({ name: 'gpg-pubkey', version: '8783d481', release: '63ceb953', license: 'pubkey', files: [] });
    expect(key?.arch).toBeUndefined();
    expect(key?.sourceRpm).toBeUndefined();
  });
});

describe('RpmHeader on headers no rpm would write', () => {
  const error = (blob: Buffer) => {
    try {
      readRpmPackage(blob);
    } catch (caught) {
      expect(caught).toBeInstanceOf(RpmHeaderError);
      return (caught as Error).message;
    }
    throw new Error('expected an RpmHeaderError');
  };

  it('reads a minimal valid header, I18N strings, INT64 sizes and old-style file names', () => {
    const blob = buildHeader([
      ...nvr('old', '2.0', '3.el5'),
      { tag: RpmTag.SUMMARY, type: I18NSTRING, data: strs('English summary', 'Résumé français') },
      { tag: RpmTag.LONGSIZE, type: INT64, data: Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]) },
      { tag: RpmTag.OLDFILENAMES, type: STRING_ARRAY, data: strs('/bin/old', '/etc/old.conf') },
    ]);
    expect(readRpmPackage(blob)).toMatchObject({ name: 'old', summary: 'English summary', size: 2 ** 32, files: ['/bin/old', '/etc/old.conf'] });
  });

  it('refuses a blob shorter than its preamble or than what the preamble declares', () => {
    expect(error(Buffer.alloc(4))).toMatch(/shorter than its 8-byte preamble/);
    const blob = buildHeader(nvr());
    expect(error(blob.subarray(0, blob.length - 1))).toMatch(/holds only/);
    expect(error(buildHeader(nvr(), { truncate: 20 }))).toMatch(/holds only/);
  });

  it('refuses forged entry counts and data sizes without allocating them', () => {
    expect(error(buildHeader(nvr(), { il: 0xffffffff }))).toMatch(/declares 4294967295 index entries/);
    expect(error(buildHeader(nvr(), { il: 0x00ffffff }))).toMatch(/holds only/);
    expect(error(buildHeader(nvr(), { dl: 0x7fffffff }))).toMatch(/data store of 2147483647 bytes/);
    expect(error(buildHeader(nvr(), { il: 0 }))).toMatch(/0 index entries/);
  });

  it('refuses unknown types and offsets past the data store', () => {
    expect(error(buildHeader([...nvr(), { tag: 5000, type: 42, data: Buffer.alloc(4) }]))).toMatch(/unknown type 42/);
    expect(error(buildHeader([{ tag: 1000, type: STRING, data: str('x'), offset: 1 << 20 }, ...nvr().slice(1)]))).toMatch(/past the .*data store/);
  });

  it('refuses a string without its NUL and string arrays with forged counts', () => {
    const unterminated = buildHeader([...nvr().slice(1), { tag: 1000, type: STRING, data: Buffer.from('name-without-nul') }]);
    expect(error(unterminated)).toMatch(/string 0 of tag 1000 runs past the end/);
    const huge = buildHeader([...nvr(), { tag: RpmTag.REQUIRENAME, type: STRING_ARRAY, count: 0x7fffffff, data: strs('a', 'b') }]);
    expect(error(huge)).toMatch(/tag 1049 holds 2147483647 strings past the end/);
    const short = buildHeader([...nvr(), { tag: RpmTag.REQUIRENAME, type: STRING_ARRAY, count: 3, data: strs('a', 'b') }]);
    expect(error(short)).toMatch(/string 2 of tag 1049 runs past the end/);
  });

  it('refuses integers that are misaligned, counted past the end or of the wrong type', () => {
    const misaligned = buildHeader([{ tag: RpmTag.EPOCH, type: INT32, data: int32s(1), pad: 1 }, ...nvr()]);
    expect(error(misaligned)).toMatch(/tag 1003 is not aligned to 4 bytes/);
    const counted = buildHeader([...nvr(), { tag: RpmTag.EPOCH, type: INT32, count: 0x40000000, data: int32s(1) }]);
    expect(error(counted)).toMatch(/tag 1003 holds 1073741824 integers past the end/);
    const wrongType = buildHeader([...nvr(), { tag: RpmTag.EPOCH, type: STRING, data: str('1') }]);
    expect(error(wrongType)).toMatch(/tag 1003 is of type 6, not an integer/);
    const binaryName = buildHeader([...nvr().slice(1), { tag: 1000, type: BIN, data: Buffer.from('abcd') }]);
    expect(error(binaryName)).toMatch(/tag 1000 is of type 7, not a string/);
    const bigInt = buildHeader([...nvr(), { tag: RpmTag.LONGSIZE, type: INT64, data: Buffer.alloc(8, 0xff) }]);
    expect(error(bigInt)).toMatch(/beyond 2\^53/);
  });

  it('refuses a file list whose directory indexes do not fit', () => {
    const files = (indexes: number[]) =>
      buildHeader([
        ...nvr(),
        { tag: RpmTag.DIRINDEXES, type: INT32, data: int32s(...indexes) },
        { tag: RpmTag.BASENAMES, type: STRING_ARRAY, data: strs('a', 'b') },
        { tag: RpmTag.DIRNAMES, type: STRING_ARRAY, data: strs('/usr/') },
      ]);
    expect(readRpmPackage(files([0, 0])).files).toEqual(['/usr/a', '/usr/b']);
    expect(error(files([0, 7]))).toMatch(/file b points at directory 7 of 1/);
    expect(error(files([0]))).toMatch(/2 base names but 1 directory indexes/);
  });

  it('requires a name, a version and a release', () => {
    expect(error(buildHeader(nvr().slice(1)))).toMatch(/lacks a name/);
    expect(error(buildHeader([nvr()[0], nvr()[2]] as never))).toMatch(/lacks a version \(demo\)/);
    expect(error(buildHeader(nvr('demo', '1', '')))).toMatch(/lacks a release/);
  });

  it('takes the first entry of a repeated tag and reads INT16 values', () => {
    const header = new RpmHeader(
      buildHeader([...nvr('first'), { tag: 1000, type: STRING, data: str('second') }, { tag: 1030, type: INT16, data: Buffer.from([0x81, 0xa4, 0x41, 0xed]) }]),
    );
    expect(header.string(1000)).toBe('first');
    expect(header.integers(1030)).toEqual([0o100644, 0o40755]);
    expect(header.strings(9999)).toEqual([]);
    expect(header.integer(9999)).toBeUndefined();
  });
});
