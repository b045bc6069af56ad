import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anyValue, mainValue, parseManifest } from '../../../../src/sbom/catalog/java/manifest.js';
import { bufferSource } from '../../../../src/sbom/readers/byte-source.js';
import { openZip, readZipEntry } from '../../../../src/sbom/readers/zip.js';

const JARS = join(import.meta.dirname, '../../../../fixtures/catalog/java/root/usr/share/java');

function manifestOf(jar: string): string {
  const source = bufferSource(readFileSync(join(JARS, jar)));
  const entry = [...openZip(source).entries()].find((e) => e.name === 'META-INF/MANIFEST.MF');
  if (entry === undefined) throw new Error(`no manifest in ${jar}`);
  return readZipEntry(source, entry, 1 << 20).toString('utf8');
}

describe('MANIFEST.MF', () => {
  it('joins continuation lines of a real manifest, dropping exactly one leading space (CRLF line ends)', () => {
    const text = manifestOf('jakarta-annotation-api.jar');
    expect(text).toContain('\r\n ');
    const manifest = parseManifest(text);
    expect(mainValue(manifest, 'Bundle-License')).toBe('http://www.eclipse.org/legal/epl-2.0, https://www.gnu.org/software/classpath/license.html');
    expect(mainValue(manifest, 'Export-Package')).toBe(
      'jakarta.annotation;version="2.0.0",jakarta.annotation.security;version="2.0.0",jakarta.annotation.sql;version="2.0.0"',
    );
    expect(mainValue(manifest, 'Created-By')).toBe('Apache Maven Bundle Plugin');
  });

  it('keeps a space that starts a continued part of the value', () => {
    const manifest = parseManifest('Implementation-Title: Apache\n  Commons\nName: x\n');
    expect(mainValue(manifest, 'implementation-title')).toBe('Apache Commons');
  });

  it('reads header names case-insensitively, sections apart from the main attributes, and the last of a repeated header', () => {
    const manifest = parseManifest(
      'Manifest-Version: 1.0\r\nimplementation-version: 1.0\r\nImplementation-Version: 2.0\r\n\r\nName: org/jdom/\r\nSpecification-Version: 1.0\r\n\r\n',
    );
    expect(mainValue(manifest, 'IMPLEMENTATION-VERSION')).toBe('2.0');
    expect(mainValue(manifest, 'Specification-Version')).toBeUndefined();
    expect(anyValue(manifest, 'Specification-Version')).toBe('1.0');
    expect(manifest.sections).toHaveLength(1);
  });

  it('skips lines that are not headers and continuations without a header', () => {
    const manifest = parseManifest(' orphan continuation\nnot a header\nBundle-Version: 1.2\n: no name\n');
    expect([...manifest.main.keys()]).toEqual(['bundle-version']);
  });

  it('treats CR-only line ends and a missing final newline alike', () => {
    expect(mainValue(parseManifest('A: 1\rB: 2'), 'B')).toBe('2');
    expect(mainValue(parseManifest(''), 'A')).toBeUndefined();
  });
});
