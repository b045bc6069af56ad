import { describe, expect, it } from 'vitest';
import { parseArchiveName } from '../../../../src/sbom/catalog/java/archive-name.js';
import { groupFromManifest, identifyArchive, type MavenFolder } from '../../../../src/sbom/catalog/java/identity.js';
import { parseManifest } from '../../../../src/sbom/catalog/java/manifest.js';
import { parsePomXml } from '../../../../src/sbom/catalog/java/pom-xml.js';

const MANIFEST = parseManifest('Manifest-Version: 1.0\nImplementation-Version: 9.9\n');

function folder(groupId: string, artifactId: string, version: string, pom?: string): MavenFolder {
  return { dir: `META-INF/maven/${groupId}/${artifactId}`, properties: { groupId, artifactId, version }, ...(pom ? { project: parsePomXml(pom) } : {}) };
}

function coordinates(identity: { groupId: string; artifactId: string; version: string } | undefined): string | undefined {
  return identity === undefined ? undefined : `${identity.groupId}:${identity.artifactId}:${identity.version}`;
}

describe('which packages an archive stands for', () => {
  it('names the archive after the pom.properties that matches its file name, with its pom.xml details', () => {
    const pom = '<project><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>1.7.32</version><description>SLF4J NOP</description><url>http://www.slf4j.org</url></project>';
    const { main, embedded } = identifyArchive(parseArchiveName('slf4j-nop.jar'), MANIFEST, [folder('org.slf4j', 'slf4j-nop', '1.7.32', pom)]);
    expect(coordinates(main)).toBe('org.slf4j:slf4j-nop:1.7.32');
    expect(main).toMatchObject({ source: 'pom.properties', description: 'SLF4J NOP', homepage: 'http://www.slf4j.org' });
    expect(embedded).toEqual([]);
  });

  it('lists every other pom.properties of a shaded jar as an embedded package', () => {
    const folders = [folder('com.example', 'shaded-app', '2.0.0'), folder('org.slf4j', 'jul-to-slf4j', '1.7.32'), folder('org.slf4j', 'slf4j-nop', '1.7.32')];
    const { main, embedded } = identifyArchive(parseArchiveName('shaded-app-2.0.0.jar'), MANIFEST, folders);
    expect(coordinates(main)).toBe('com.example:shaded-app:2.0.0');
    expect(embedded.map(coordinates)).toEqual(['org.slf4j:jul-to-slf4j:1.7.32', 'org.slf4j:slf4j-nop:1.7.32']);
  });

  it('prefers the matching pom.properties that has a pom.xml', () => {
    const folders = [folder('a', 'foo-core', '1'), folder('b', 'foo-core', '2', '<project><artifactId>foo-core</artifactId></project>')];
    expect(coordinates(identifyArchive(parseArchiveName('foo.jar'), MANIFEST, folders).main)).toBe('b:foo-core:2');
  });

  it('names a renamed archive from its manifest and file name, keeping its pom.properties as embedded', () => {
    const { main, embedded } = identifyArchive(parseArchiveName('app.jar'), MANIFEST, [folder('org.slf4j', 'slf4j-api', '1.7.32'), folder('org.slf4j', 'slf4j-nop', '1.7.32')]);
    expect(main).toMatchObject({ artifactId: 'app', version: '9.9', source: 'manifest' });
    expect(embedded).toHaveLength(2);
  });

  it('takes the only pom.properties of a renamed archive as its own when no version contradicts it (app.jar)', () => {
    const boot = parseManifest('Implementation-Version: 0.0.1-SNAPSHOT\n');
    expect(identifyArchive(parseArchiveName('/app/app.jar'), boot, [folder('com.example', 'demo', '0.0.1-SNAPSHOT')]).main).toMatchObject({
      artifactId: 'demo',
      source: 'pom.properties',
    });
    expect(identifyArchive(parseArchiveName('servlet-api.jar'), undefined, [folder('javax.servlet', 'javax.servlet-api', '4.0.1')]).main?.artifactId).toBe(
      'javax.servlet-api',
    );
    // a jar built without Maven metadata that bundles one library keeps both
    const { main, embedded } = identifyArchive(parseArchiveName('tool-2.3.jar'), undefined, [folder('com.google.guava', 'guava', '31.1-jre')]);
    expect(main).toMatchObject({ artifactId: 'tool', version: '2.3' });
    expect(embedded.map(coordinates)).toEqual(['com.google.guava:guava:31.1-jre']);
  });

  it('does not list an embedded pom.properties that names the archive itself', () => {
    const { main, embedded } = identifyArchive(parseArchiveName('shaded.jar'), MANIFEST, [folder('x', 'shaded', '1'), folder('y', 'shaded', '2')]);
    expect(main?.artifactId).toBe('shaded');
    expect(embedded).toEqual([]);
  });

  it('uses the only pom.xml when there is no pom.properties', () => {
    const pom = '<project><parent><groupId>org.slf4j</groupId><version>1.7.32</version></parent><artifactId>slf4j-nop</artifactId></project>';
    const { main } = identifyArchive(parseArchiveName('whatever.jar'), undefined, [{ dir: 'META-INF/maven/org.slf4j/slf4j-nop', project: parsePomXml(pom) }]);
    expect(main).toMatchObject({ groupId: 'org.slf4j', artifactId: 'slf4j-nop', version: '1.7.32', source: 'pom.xml' });
  });

  it('falls back to the file name version, then the manifest version headers (main section, then others)', () => {
    expect(identifyArchive(parseArchiveName('jdom1-1.1.3.jar'), parseManifest('Bundle-Version: 1.1.1\n'), []).main).toMatchObject({ version: '1.1.3', source: 'file name' });
    expect(identifyArchive(parseArchiveName('jdom1.jar'), parseManifest('Bundle-Version: 1.1.1\n'), []).main).toMatchObject({ version: '1.1.1', source: 'manifest' });
    const sections = parseManifest('Manifest-Version: 1.0\n\nName: org/jdom/\nSpecification-Version: 1.0\n');
    expect(identifyArchive(parseArchiveName('jdom1.jar'), sections, []).main?.version).toBe('1.0');
    expect(identifyArchive(parseArchiveName('jdom1.jar'), parseManifest('Manifest-Version: 1.0\n'), []).main).toMatchObject({ artifactId: 'jdom1', version: '' });
  });

  it('names nothing from a zip with neither a manifest, a version in its name nor a pom', () => {
    expect(identifyArchive(parseArchiveName('resources.jar'), undefined, []).main).toBeUndefined();
    expect(identifyArchive(parseArchiveName('resources-2.jar'), undefined, []).main?.version).toBe('2');
  });

  it('takes the artifact from a Maven bundle plugin symbolic name (syft), unless it is the vendor id', () => {
    const bundle = 'Created-By: Apache Maven Bundle Plugin\nBundle-SymbolicName: org.example.widgets;singleton:=true\n';
    expect(identifyArchive(parseArchiveName('renamed-1.0.jar'), parseManifest(bundle), []).main?.artifactId).toBe('widgets');
    const vendor = `${bundle}Implementation-Vendor-Id: org.example.widgets\n`;
    expect(identifyArchive(parseArchiveName('renamed-1.0.jar'), parseManifest(vendor), []).main?.artifactId).toBe('renamed');
  });

  it('skips the archive itself for New Relic weave jars, but not what they embed', () => {
    const weave = parseManifest('Weave-Classes: com/example/Foo\nImplementation-Version: 1\n');
    const { main, embedded } = identifyArchive(parseArchiveName('spring-4.3.jar'), weave, [folder('org.x', 'y', '1')]);
    expect(main).toBeUndefined();
    expect(embedded).toHaveLength(1);
  });

  it('ignores unresolved ${…} coordinates', () => {
    const props: MavenFolder = { dir: 'META-INF/maven/a/b', properties: { groupId: '${g}', artifactId: 'b', version: '${revision}' } };
    expect(identifyArchive(parseArchiveName('b-3.jar'), MANIFEST, [props]).main).toMatchObject({ artifactId: 'b', version: '3', source: 'file name' });
  });
});

describe('groupId from manifest headers', () => {
  it('takes the first header naming a domain, without OSGi directives, and the artifact suffix of a symbolic name', () => {
    expect(groupFromManifest(parseManifest('Bundle-SymbolicName: com.jcraft.jzlib\n'), 'jzlib')).toBe('com.jcraft');
    expect(groupFromManifest(parseManifest('Automatic-Module-Name: org.hamcrest\n'), 'hamcrest')).toBe('org.hamcrest');
    expect(groupFromManifest(parseManifest('Bundle-SymbolicName: org.apache.geronimo.specs.geronimo-annotation_1.3_spec;singleton=true\n'), 'x')).toBe(
      'org.apache.geronimo.specs.geronimo-annotation_1.3_spec',
    );
    expect(groupFromManifest(parseManifest('Bundle-SymbolicName: javax.inject\nImplementation-Vendor: Oracle, Inc.\n'), 'inject')).toBeUndefined();
    expect(groupFromManifest(parseManifest('Implementation-Vendor-Id: org.glassfish\nBundle-SymbolicName: jakarta.annotation-api\n'), 'a')).toBe('org.glassfish');
    expect(groupFromManifest(parseManifest('Main-Class: org.example.Main\n'), 'a')).toBeUndefined();
    expect(groupFromManifest(undefined, 'a')).toBeUndefined();
  });
});

describe('licenses', () => {
  it('takes the POM licenses first: an SPDX name, else the SPDX id of a well-known URL, else the name', () => {
    const pom = `<project><artifactId>a</artifactId><licenses>
      <license><name>Apache-2.0</name></license>
      <license><name>EPL 2.0</name><url>http://www.eclipse.org/legal/epl-2.0</url></license>
      <license><name>GPL2 w/ CPE</name><url>https://www.gnu.org/software/classpath/license.html</url></license>
      <license><url>https://opensource.org/licenses/MIT</url></license>
      <license><url>http://example.org/my-license</url></license>
    </licenses></project>`;
    const { main } = identifyArchive(parseArchiveName('a-1.jar'), parseManifest('Bundle-License: BSD-3-Clause\n'), [{ dir: 'd', project: parsePomXml(pom) }]);
    expect(main?.licenses).toEqual([
      { expression: 'Apache-2.0' },
      { expression: 'EPL-2.0' },
      { name: 'GPL2 w/ CPE' },
      { expression: 'MIT' },
      { name: 'http://example.org/my-license' },
    ]);
  });

  it('falls back to Bundle-License clauses (ids, quoted names with commas, URLs) and Plugin-License-Name', () => {
    const manifest = parseManifest(
      'Bundle-License: Apache-2.0;link="https://www.apache.org/licenses/LICENSE-2.0", "Eclipse Public License, v2";description=x, http://www.apache.org/licenses/LICENSE-2.0.txt\nPlugin-License-Name: MIT License\n',
    );
    expect(identifyArchive(parseArchiveName('a-1.jar'), manifest, []).main?.licenses).toEqual([
      { expression: 'Apache-2.0' },
      { name: 'Eclipse Public License, v2' },
      { expression: 'MIT' },
    ]);
    expect(identifyArchive(parseArchiveName('a-1.jar'), parseManifest('Bundle-License: <<EXTERNAL>>\n'), []).main?.licenses).toEqual([]);
  });
});
