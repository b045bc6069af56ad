import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isUnresolved, parsePomXml } from '../../../../src/sbom/catalog/java/pom-xml.js';
import { bufferSource } from '../../../../src/sbom/readers/byte-source.js';
import { openZip, readZipEntry } from '../../../../src/sbom/readers/zip.js';

const JARS = join(import.meta.dirname, '../../../../fixtures/catalog/java/root/usr/share/java');

function pomOf(jar: string): string {
  const source = bufferSource(readFileSync(join(JARS, jar)));
  const entry = [...openZip(source).entries()].find((e) => e.name.endsWith('/pom.xml'));
  if (entry === undefined) throw new Error(`no pom.xml in ${jar}`);
  return readZipEntry(source, entry, 1 << 20).toString('utf8');
}

describe('pom.xml', () => {
  it('reads coordinates, name, description, URL and licenses of a real POM', () => {
    const pom = parsePomXml(pomOf('jakarta-annotation-api.jar'));
    expect(pom).toMatchObject({
      groupId: 'jakarta.annotation',
      artifactId: 'jakarta.annotation-api',
      version: '2.1.1',
      name: 'Jakarta Annotations API',
      description: 'Jakarta Annotations API',
      url: 'https://projects.eclipse.org/projects/ee4j.ca',
    });
    expect(pom.licenses).toEqual([
      { name: 'EPL 2.0', url: 'http://www.eclipse.org/legal/epl-2.0' },
      { name: 'GPL2 w/ CPE', url: 'https://www.gnu.org/software/classpath/license.html' },
    ]);
  });

  it('inherits groupId and version from <parent> when the project omits them (slf4j)', () => {
    const pom = parsePomXml(pomOf('slf4j-nop.jar'));
    expect(pom.parent).toEqual({ groupId: 'org.slf4j', artifactId: 'slf4j-parent', version: '1.7.32' });
    expect(pom).toMatchObject({ groupId: 'org.slf4j', artifactId: 'slf4j-nop', version: '1.7.32' });
  });

  it('resolves ${…} from the project, its parent and its properties, and leaves the rest unresolved', () => {
    const pom = parsePomXml(`<project xmlns="http://maven.apache.org/POM/4.0.0">
      <parent><groupId>org.example</groupId><artifactId>parent</artifactId><version>7</version></parent>
      <artifactId>child</artifactId>
      <version>\${revision}\${changelist}</version>
      <name>\${project.artifactId} for \${project.parent.version}</name>
      <url>\${site.base}/\${project.artifactId}</url>
      <description>\${unknown.property}</description>
      <properties><revision>1.2</revision><changelist>-SNAPSHOT</changelist><site.base>https://\${host}</site.base><host>example.org</host></properties>
    </project>`);
    expect(pom).toMatchObject({ groupId: 'org.example', version: '1.2-SNAPSHOT', name: 'child for 7', url: 'https://example.org/child' });
    expect(pom.description).toBe('${unknown.property}');
    expect(isUnresolved(pom.description ?? '')).toBe(true);
  });

  it('stops on properties that refer to each other', () => {
    const pom = parsePomXml('<project><artifactId>a</artifactId><version>${a}</version><properties><a>${b}</a><b>${a}</b></properties></project>');
    expect(isUnresolved(pom.version ?? '')).toBe(true);
  });

  it('never expands DOCTYPE entities (billion laughs), decoding only the predefined ones and character references', () => {
    const laughs = Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('');
    const pom = parsePomXml(`<?xml version="1.0"?><!DOCTYPE project [<!ENTITY l0 "lol">${laughs}]>
      <project><artifactId>x</artifactId><name>&l9;</name><description>A &amp; B &lt;C&gt; &#x41;&#66; &quot;q&quot; &apos;</description></project>`);
    expect(pom.name).toBe('&l9;');
    expect(pom.description).toBe('A & B <C> AB "q" \'');
  });

  it('refuses text that is not well-formed XML or has no <project>', () => {
    expect(() => parsePomXml('<project><version>1.0</project>')).toThrow(/invalid XML/);
    expect(() => parsePomXml('<project><version>1.0')).toThrow(/invalid XML/);
    expect(() => parsePomXml('<settings><version>1</version></settings>')).toThrow(/no <project>/);
  });

  it('ignores elements that hold markup where text is expected, and namespace prefixes', () => {
    const pom = parsePomXml('<m:project xmlns:m="http://maven.apache.org/POM/4.0.0"><m:artifactId>a</m:artifactId><m:name><b>bold</b></m:name><m:licenses><m:license><m:url>u</m:url></m:license></m:licenses></m:project>');
    expect(pom.artifactId).toBe('a');
    expect(pom.name).toBeUndefined();
    expect(pom.licenses).toEqual([{ url: 'u' }]);
  });
});
