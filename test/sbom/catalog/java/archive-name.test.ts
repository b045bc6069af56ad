import { describe, expect, it } from 'vitest';
import { artifactFromArchiveName, artifactMatchesFileName, parseArchiveName } from '../../../../src/sbom/catalog/java/archive-name.js';

describe('archive file names', () => {
  it.each([
    ['/usr/share/java/commons-lang3-3.12.0.jar', 'commons-lang3', '3.12.0'],
    ['guava-31.1-jre.jar', 'guava', '31.1-jre'],
    ['hamcrest-integration-1.3.1-SNAPSHOT.jar', 'hamcrest-integration', '1.3.1-SNAPSHOT'],
    ['my-http2-server-5.jar', 'my-http2-server', '5'],
    ['jetpack-build235-rc5.jar', 'jetpack', 'build235-rc5'],
    ['ironman-r4-2009.jar', 'ironman', 'r4-2009'],
    ['jsr305-0.1~+svn49.jar', 'jsr305', '0.1~+svn49'],
    ['org.eclipse.osgi_3.18.0.v20220516.jar', 'org.eclipse.osgi', '3.18.0.v20220516'],
    ['slf4j-nop.jar', 'slf4j-nop', ''],
    ['BOOT-INF/lib/javax.inject-1.jar', 'javax.inject', '1'],
    ['app.war', 'app', ''],
  ])('%s is %s at %s', (path, name, version) => {
    expect(parseArchiveName(path)).toMatchObject({ name, version });
  });

  it('takes the artifact from a dotted groupId.artifactId name, except Eclipse bundles', () => {
    expect(artifactFromArchiveName('javax.inject')).toBe('inject');
    expect(artifactFromArchiveName('org.eclipse.osgi')).toBe('org.eclipse.osgi');
    expect(artifactFromArchiveName('jakarta.annotation-api')).toBe('annotation-api');
    expect(artifactFromArchiveName('foo.1x')).toBe('foo.1x');
    expect(artifactFromArchiveName('slf4j-nop')).toBe('slf4j-nop');
  });

  it('matches an artifactId to the file name with syft rules, ignoring separators', () => {
    expect(artifactMatchesFileName('slf4j-nop', 'slf4j-nop', ['slf4j-nop'])).toBe(true);
    expect(artifactMatchesFileName('geronimo-annotation_1.3_spec', 'geronimo-annotation', ['geronimo-annotation_1.3_spec'])).toBe(true);
    expect(artifactMatchesFileName('jakarta.annotation-api', 'jakarta-annotation-api', ['jakarta.annotation-api'])).toBe(true);
    // an exact match elsewhere wins over prefixes
    expect(artifactMatchesFileName('foo-core', 'foo', ['foo', 'foo-core'])).toBe(false);
    expect(artifactMatchesFileName('foo-core', 'foo', ['foo-core', 'bar'])).toBe(true);
    expect(artifactMatchesFileName('', 'foo', [''])).toBe(false);
  });
});
