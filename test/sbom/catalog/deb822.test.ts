import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstLineOf, parseDeb822 } from '../../../src/sbom/catalog/deb822.js';

const STATUS = join(import.meta.dirname, '../../../fixtures/catalog/debian/var/lib/dpkg/status');

const hasDpkgQuery = (() => {
  try {
    execFileSync('dpkg-query', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('parseDeb822', () => {
  it('splits paragraphs, lowercases field names and keeps continuation lines', () => {
    const { paragraphs, malformedLines } = parseDeb822(
      'Package: a\r\nDescription: short\r\n long line\r\n .\r\n\r\n\r\npackage: b\nVERSION: 2\n  \t \nPackage: c\n# comment\nVersion: 3',
    );
    expect(malformedLines).toBe(0);
    expect(paragraphs.map((p) => Object.fromEntries(p))).toEqual([
      { package: 'a', description: 'short\nlong line\n.' },
      { package: 'b', version: '2' },
      { package: 'c', version: '3' },
    ]);
    expect(firstLineOf(paragraphs[0]?.get('description'))).toBe('short');
    expect(firstLineOf('\n second')).toBeUndefined();
  });

  it('counts lines it cannot read', () => {
    const { paragraphs, malformedLines } = parseDeb822(' orphan continuation\nno colon here\nPackage: x\n');
    expect(malformedLines).toBe(2);
    expect(paragraphs).toHaveLength(1);
  });

  it.runIf(hasDpkgQuery)('reads every field of a real status file as dpkg-query does', () => {
    const { paragraphs } = parseDeb822(readFileSync(STATUS, 'utf8'));
    const admindir = join(STATUS, '..');
    const output = execFileSync('dpkg-query', [`--admindir=${admindir}`, '-W', '-f=${Package}\\t${Version}\\t${Source}\\t${Maintainer}\\t${Description}\\n@@\\n'], {
      encoding: 'utf8',
    });
    // dpkg-query prints continuation lines as stored, with their leading space
    const expected = output
      .split('\n@@\n')
      .filter(Boolean)
      .map((record) => record.replace(/\n /g, '\n').split('\t'))
      .sort((a, b) => (a.join() < b.join() ? -1 : 1));
    expect(expected.length).toBeGreaterThan(40);
    const ours = paragraphs
      .map((p) => [p.get('package'), p.get('version'), p.get('source') ?? '', p.get('maintainer'), p.get('description')])
      .sort((a, b) => (a.join() < b.join() ? -1 : 1));
    expect(ours).toEqual(expected);
  });
});
