import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DISTRO_PATTERNS, detectDistro, parseOsRelease } from '../../../src/sbom/catalog/distro.js';
import { compileGlob } from '../../../src/sbom/glob.js';
import { MemoryResolver } from './memory-resolver.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/catalog');

describe('detectDistro on real roots', () => {
  it('reads Debian through the /etc/os-release link and refines the version with debian_version', async () => {
    const resolver = await MemoryResolver.fromDirectory(join(FIXTURES, 'debian'));
    const debianVersion = readFileSync(join(FIXTURES, 'debian/etc/debian_version'), 'utf8').trim();
    expect(debianVersion).toMatch(/^12\.\d+$/);
    expect(detectDistro(resolver)).toEqual({
      id: 'debian',
      versionId: '12',
      version: debianVersion,
      codename: 'bookworm',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
    });
  });

  it('reads Alpine with alpine-release', async () => {
    const resolver = await MemoryResolver.fromDirectory(join(FIXTURES, 'apk'));
    expect(detectDistro(resolver)).toMatchObject({ id: 'alpine', versionId: '3.19.1', version: '3.19.1' });
  });

  it('is matched by DISTRO_PATTERNS', () => {
    const globs = DISTRO_PATTERNS.map(compileGlob);
    for (const path of ['etc/os-release', 'usr/lib/os-release', 'etc/debian_version', 'etc/alpine-release']) {
      expect(globs.some((glob) => glob.test(path))).toBe(true);
    }
  });
});

describe('detectDistro', () => {
  const osRelease = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n';

  it('falls back to /usr/lib/os-release and prefers /etc/os-release', () => {
    expect(detectDistro(new MemoryResolver({ '/usr/lib/os-release': osRelease }))).toMatchObject({ id: 'debian', version: '12' });
    const both = new MemoryResolver({ '/usr/lib/os-release': osRelease, '/etc/os-release': 'ID=ubuntu\nVERSION_ID="22.04"\n' });
    expect(detectDistro(both)).toMatchObject({ id: 'ubuntu', versionId: '22.04', version: '22.04' });
  });

  it('ignores a debian_version that does not refine VERSION_ID', () => {
    const ubuntu = new MemoryResolver({ '/etc/os-release': 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\n', '/etc/debian_version': 'bookworm/sid\n' });
    expect(detectDistro(ubuntu)).toEqual({ id: 'ubuntu', versionId: '22.04', version: '22.04', idLike: ['debian'] });
    const mismatch = new MemoryResolver({ '/etc/os-release': osRelease, '/etc/debian_version': '11.9\n' });
    expect(detectDistro(mismatch)?.version).toBe('12');
  });

  it('handles testing images without VERSION_ID', () => {
    const trixie = new MemoryResolver({ '/etc/os-release': 'ID=debian\nVERSION_CODENAME=trixie\n', '/etc/debian_version': 'trixie/sid\n' });
    expect(detectDistro(trixie)).toEqual({ id: 'debian', codename: 'trixie' });
  });

  it('identifies Debian or Alpine from their release files alone', () => {
    expect(detectDistro(new MemoryResolver({ '/etc/debian_version': '9.13\n' }))).toEqual({ id: 'debian', version: '9.13' });
    expect(detectDistro(new MemoryResolver({ '/etc/alpine-release': '3.18.4\n' }))).toEqual({ id: 'alpine', version: '3.18.4' });
  });

  it('is undefined without anything that identifies a distro', () => {
    expect(detectDistro(new MemoryResolver({}))).toBeUndefined();
    expect(detectDistro(new MemoryResolver({ '/etc/os-release': 'NAME=Something\n' }))).toBeUndefined();
    expect(detectDistro(new MemoryResolver({ '/etc/debian_version': 'bookworm/sid\n' }))).toBeUndefined();
  });
});

describe('parseOsRelease', () => {
  const tricky = [
    '# a comment',
    'NAME="Fancy \\"Quoted\\" Linux"',
    "PRETTY_NAME='Single $quoted \\ text'",
    'ID=fancy',
    'VERSION="1.0 (with \\$dollar and \\\\ backslash)"',
    'HOME_URL=https://example.org/',
    'MIXED="abc"\'def\'ghi',
    '',
    'EMPTY=',
  ].join('\n');

  it('unquotes the way a shell does (bash is the oracle)', () => {
    const parsed = parseOsRelease(tricky);
    expect(parsed.get('NAME')).toBe('Fancy "Quoted" Linux');
    expect(parsed.get('PRETTY_NAME')).toBe('Single $quoted \\ text');
    expect(parsed.get('VERSION')).toBe('1.0 (with $dollar and \\ backslash)');
    expect(parsed.get('MIXED')).toBe('abcdefghi');
    expect(parsed.get('EMPTY')).toBe('');
    if (!existsSync('/bin/bash')) return;
    const dir = mkdtempSync(join(tmpdir(), 'sealkit-os-release-'));
    try {
      writeFileSync(join(dir, 'os-release'), tricky);
      for (const [key, value] of parsed) {
        const shell = execFileSync('/bin/bash', ['-c', `. "$1"; printf '%s' "$${key}"`, 'bash', join(dir, 'os-release')], { encoding: 'utf8' });
        expect(value, key).toBe(shell);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skips malformed lines and an unterminated quote', () => {
    const parsed = parseOsRelease('garbage line\n=novalue\nBAD KEY=x\nOPEN="never closed\nID=ok\n');
    expect([...parsed]).toEqual([['ID', 'ok']]);
  });
});
