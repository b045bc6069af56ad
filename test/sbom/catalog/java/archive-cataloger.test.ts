import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { javaArchiveCataloger } from '../../../../src/sbom/catalog/java/archive-cataloger.js';
import type { CatalogFile, FileContent, PackageDraft } from '../../../../src/sbom/catalog/cataloger.js';
import type { SbomWarning } from '../../../../src/sbom/model.js';
import { MemoryResolver, runCataloger, type CatalogRun } from '../memory-resolver.js';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures/catalog/java');

/** jar file name -> groupId:artifactId:version, from the poms Debian installs in /usr/share/maven-repo. */
function debianOracle(): Map<string, string> {
  const rows = readFileSync(join(FIXTURES, 'debian-maven-repo.tsv'), 'utf8').trim().split('\n');
  return new Map(rows.map((row) => row.split('\t') as [string, string]));
}

/** The nested fixtures: wrapper, path inside it ('-' for the wrapper's own pom), and its origin or coordinates. */
function nestedRows(): Array<{ archive: string; inner: string; origin: string }> {
  return readFileSync(join(FIXTURES, 'nested.tsv'), 'utf8')
    .trim()
    .split('\n')
    .map((row) => {
      const [archive = '', inner = '', origin = ''] = row.split('\t');
      return { archive, inner, origin };
    });
}

function purlOf(coordinates: string): string {
  const [group, artifact, version] = coordinates.split(':');
  return `pkg:maven/${group}/${artifact}@${version}`;
}

/**
 * Jars without Maven metadata are named from their manifest and file name, as syft names them.
 * Where that agrees with Debian's pom the test says so; where it cannot (the groupId is nowhere in
 * the jar, or a file name is not the artifactId) the result is written out, with the oracle beside it.
 */
const WITHOUT_MAVEN_METADATA: Record<string, { purl: string; oracle: string; agrees: 'artifact and version' | 'version' | 'nothing' }> = {
  // net.jcip:jcip-annotations:1.0 — no groupId in the jar: the artifact stands in for it
  'jcip-annotations-1.0.jar': { purl: 'pkg:maven/jcip-annotations/jcip-annotations@1.0', oracle: 'net.jcip:jcip-annotations:1.0', agrees: 'artifact and version' },
  'hamcrest-integration-1.3.1-SNAPSHOT.jar': {
    purl: 'pkg:maven/hamcrest-integration/hamcrest-integration@1.3.1-SNAPSHOT',
    oracle: 'org.hamcrest:hamcrest-integration:1.3.1-SNAPSHOT',
    agrees: 'artifact and version',
  },
  // Debian's file name is not the artifactId, and Bundle-Version says 1.0.0 where Maven says 1
  'atinject-jsr330-api-1.0.jar': { purl: 'pkg:maven/atinject-jsr330-api/atinject-jsr330-api@1.0', oracle: 'javax.inject:javax.inject:1', agrees: 'nothing' },
  // the same jar under Spring Boot's <artifactId>-<version>.jar name: the version now agrees
  'javax.inject-1.jar': { purl: 'pkg:maven/inject/inject@1', oracle: 'javax.inject:javax.inject:1', agrees: 'version' },
};

function byPurl(run: CatalogRun): Map<string, PackageDraft> {
  return new Map(run.packages.map((p) => [p.purl, p]));
}

/** The purls of the packages that `contains` the package of `purl`, sorted. */
function holdersOf(run: CatalogRun, purl: string): string[] {
  const refs = new Map(run.packages.map((p) => [p.ref, p.purl]));
  return run.relationships
    .filter((r) => r.type === 'contains' && refs.get(r.to) === purl)
    .map((r) => refs.get(r.from) ?? `unknown ref ${r.from}`)
    .sort();
}

describe('java-archive on Debian jars and archives that nest them', () => {
  let run: CatalogRun;
  beforeAll(async () => {
    run = runCataloger(javaArchiveCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, 'root')));
  });

  it('reads every archive without a warning', () => {
    expect(run.files).toHaveLength(10);
    expect(run.warnings).toEqual([]);
  });

  it('finds exactly the groupId:artifactId:version of Debian\'s maven-repo pom for every jar with Maven metadata', () => {
    const packages = byPurl(run);
    let checked = 0;
    for (const [jar, coordinates] of debianOracle()) {
      if (jar in WITHOUT_MAVEN_METADATA) continue;
      const found = packages.get(purlOf(coordinates));
      expect(found, coordinates).toBeDefined();
      expect(found?.locations.map((l) => l.path)).toContain(`/usr/share/java/${jar}`);
      expect(found?.metadata.identifiedBy).toBe('pom.properties');
      checked++;
    }
    expect(checked).toBe(4);
  });

  it('names jars without Maven metadata from their manifest and file name, agreeing with the oracle where they can', () => {
    const oracle = debianOracle();
    const packages = byPurl(run);
    for (const [file, expected] of Object.entries(WITHOUT_MAVEN_METADATA)) {
      const found = packages.get(expected.purl);
      expect(found, file).toBeDefined();
      if (oracle.has(file)) expect(oracle.get(file)).toBe(expected.oracle);
      const [, artifact, version] = expected.oracle.split(':');
      expect(found?.version === version).toBe(expected.agrees !== 'nothing');
      expect(found?.name === artifact).toBe(expected.agrees === 'artifact and version');
    }
  });

  it('finds every jar nested in the Spring Boot jar, the war and the ear, and each wrapper itself, and nothing else', () => {
    const oracle = debianOracle();
    const expected = new Set<string>();
    for (const coordinates of oracle.values()) expected.add(purlOf(coordinates));
    for (const [file, entry] of Object.entries(WITHOUT_MAVEN_METADATA)) {
      if (oracle.has(file)) expected.delete(purlOf(entry.oracle));
      expected.add(entry.purl);
    }
    for (const { inner, origin } of nestedRows()) {
      if (inner === '-') expected.add(purlOf(origin));
    }
    expect(run.packages.map((p) => p.purl).sort()).toEqual([...expected].sort());
  });

  it('puts each nested jar at the location of the archive that holds it, with its path inside as the virtual path', () => {
    const oracle = debianOracle();
    const packages = byPurl(run);
    const rows = nestedRows();
    // a row's origin is a Debian jar, or another wrapper (the war in the ear)
    const wrappers = new Map(rows.filter((row) => row.inner === '-').map((row) => [row.archive, row.origin]));
    for (const { archive, inner, origin } of rows) {
      const purl =
        inner === '-'
          ? purlOf(origin)
          : (WITHOUT_MAVEN_METADATA[inner.slice(inner.lastIndexOf('/') + 1)]?.purl ?? purlOf(oracle.get(origin) ?? wrappers.get(origin) ?? 'missing'));
      const found = packages.get(purl);
      expect(found, `${archive} ${inner}`).toBeDefined();
      expect(found?.locations.map((l) => l.path)).toContain(`/${archive}`);
    }
    const boot = packages.get('pkg:maven/com.example/demo@0.0.1-SNAPSHOT');
    expect(boot?.metadata).toMatchObject({ virtualPath: '/opt/demo/demo-boot.jar', identifiedBy: 'pom.properties' });
    expect(boot?.description).toBe('Demo project for Spring Boot');
    expect(packages.get('pkg:maven/org.apache.geronimo.specs/geronimo-annotation_1.3_spec@1.3')?.metadata.virtualPath).toBe(
      '/opt/demo/demo.ear!/demo-web-1.0.0.war!/WEB-INF/lib/geronimo-annotation_1.3_spec-1.3.jar',
    );
  });

  it('reports one package found in four places (alone, in the Spring Boot jar, the war and the war in the ear) once', () => {
    const nop = run.packages.filter((p) => p.name === 'slf4j-nop');
    expect(nop).toHaveLength(1);
    expect(nop[0]?.locations.map((l) => l.path)).toEqual(['/opt/demo/demo-boot.jar', '/opt/demo/demo.ear', '/opt/demo/demo.war', '/usr/share/java/slf4j-nop.jar']);
    expect(holdersOf(run, 'pkg:maven/org.slf4j/slf4j-nop@1.7.32')).toEqual(['pkg:maven/com.example/demo-web@1.0.0', 'pkg:maven/com.example/demo@0.0.1-SNAPSHOT']);
    expect(new Set(run.packages.map((p) => p.ref)).size).toBe(run.packages.length);
  });

  it('records the war inside the ear as contained by the ear', () => {
    const war = byPurl(run).get('pkg:maven/com.example/demo-web@1.0.0');
    expect(holdersOf(run, 'pkg:maven/com.example/demo-web@1.0.0')).toEqual(['pkg:maven/com.example/demo-ear@1.0.0']);
    expect(war?.locations.map((l) => l.path)).toEqual(['/opt/demo/demo.ear', '/opt/demo/demo.war']);
  });

  it('takes licenses from the POM, mapping certain URLs to SPDX ids and keeping other names verbatim', () => {
    const jakarta = byPurl(run).get('pkg:maven/jakarta.annotation/jakarta.annotation-api@2.1.1');
    expect(jakarta?.licenses).toEqual([{ expression: 'EPL-2.0' }, { name: 'GPL2 w/ CPE' }]);
    expect(jakarta?.homepage).toBe('https://projects.eclipse.org/projects/ee4j.ca');
  });

  it('relates each wrapper to exactly the jars nested.tsv says the script put in it, by "contains" only, each edge once', () => {
    const oracle = debianOracle();
    const rows = nestedRows();
    const wrappers = new Map(rows.filter((row) => row.inner === '-').map((row) => [row.archive, purlOf(row.origin)]));
    const expected = new Set<string>();
    for (const { archive, inner, origin } of rows) {
      if (inner === '-') continue;
      // the war in the ear holds what demo.war's rows list: the same edges again
      const holder = wrappers.get(archive);
      const debian = oracle.get(origin);
      const held = WITHOUT_MAVEN_METADATA[inner.slice(inner.lastIndexOf('/') + 1)]?.purl ?? (debian === undefined ? wrappers.get(origin) : purlOf(debian));
      expected.add(`${holder} contains ${held}`);
    }
    const refs = new Map(run.packages.map((p) => [p.ref, p.purl]));
    const edges = run.relationships.map((r) => `${refs.get(r.from)} ${r.type} ${refs.get(r.to)}`);
    expect(new Set(edges).size).toBe(edges.length);
    expect(edges.sort()).toEqual([...expected].sort());
    expect(run.packages.every((p) => p.metadata.parent === undefined)).toBe(true);
  });
});

describe('java-archive metadata sources', () => {
  it('names a jar from its pom.xml when it has no pom.properties', async () => {
    const resolver = new MemoryResolver({ '/lib/renamed.jar': readFileSync(join(FIXTURES, 'derived/slf4j-nop-pom-xml-only.jar')) });
    const run = runCataloger(javaArchiveCataloger, resolver);
    expect(run.packages.map((p) => [p.purl, p.metadata.identifiedBy])).toEqual([['pkg:maven/org.slf4j/slf4j-nop@1.7.32', 'pom.xml']]);
  });

  it('lists a shaded jar and each library it bundles', () => {
    const resolver = new MemoryResolver({ '/app/shaded-app-2.0.0.jar': readFileSync(join(FIXTURES, 'derived/shaded-app-2.0.0.jar')) });
    const run = runCataloger(javaArchiveCataloger, resolver);
    expect(run.packages.map((p) => [p.purl, holdersOf(run, p.purl).join(' ')]).sort()).toEqual([
      ['pkg:maven/com.example/shaded-app@2.0.0', ''],
      ['pkg:maven/org.slf4j/jul-to-slf4j@1.7.32', 'pkg:maven/com.example/shaded-app@2.0.0'],
      ['pkg:maven/org.slf4j/slf4j-nop@1.7.32', 'pkg:maven/com.example/shaded-app@2.0.0'],
    ]);
    expect(run.warnings).toEqual([]);
  });

  it('reads an archive with a launch script prepended (a fully executable Spring Boot jar)', () => {
    const jar = Buffer.concat([Buffer.from('#!/bin/bash\n# launch script\n'.repeat(100)), readFileSync(join(FIXTURES, 'root/opt/demo/demo-boot.jar'))]);
    const run = runCataloger(javaArchiveCataloger, new MemoryResolver({ '/app.jar': jar }));
    expect(run.packages.map((p) => p.name).sort()).toEqual(['demo', 'inject', 'jcip-annotations', 'jul-to-slf4j', 'slf4j-nop']);
    expect(run.warnings).toEqual([]);
  });
});

/** A FileContent over a file on disk, the way the pipeline hands over a spilled file. */
function diskContent(path: string): FileContent & { close: () => void } {
  const fd = openSync(path, 'r');
  const size = statSync(path).size;
  return {
    size,
    read(offset: number, length: number): Buffer {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, offset));
    },
    close: () => closeSync(fd),
  };
}

describe('java-archive through random access', () => {
  it('gives the same packages through a reader over a file on disk as through the content', () => {
    const path = join(FIXTURES, 'root/opt/demo/demo.ear');
    const reader = diskContent(path);
    const files: CatalogFile[] = [{ path: '/opt/demo/demo.ear', content: Buffer.alloc(0), reader }];
    const warnings: SbomWarning[] = [];
    let viaReader;
    try {
      viaReader = javaArchiveCataloger.parse(files, { resolver: new MemoryResolver(), warn: (w) => warnings.push(w) });
    } finally {
      reader.close();
    }
    const viaContent = runCataloger(javaArchiveCataloger, new MemoryResolver({ '/opt/demo/demo.ear': readFileSync(path) }));
    expect(viaReader.packages).toEqual(viaContent.packages);
    expect(warnings).toEqual([]);
    expect(viaReader.packages.map((p) => p.name).sort()).toEqual(['demo-ear', 'demo-web', 'geronimo-annotation_1.3_spec', 'jcip-annotations', 'slf4j-nop']);
  });

  it('reads a few kilobytes of a large stored fat jar, not the jar', async () => {
    const { buildZip } = await import('../../../sbom/readers/zip-builder.js');
    const filler = Buffer.alloc(16 * 1024 * 1024, 1);
    const lib = readFileSync(join(FIXTURES, 'root/usr/share/java/slf4j-nop.jar'));
    const jar = buildZip([
      { name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\n' },
      { name: 'BOOT-INF/classes/big.bin', data: filler },
      { name: 'BOOT-INF/lib/slf4j-nop-1.7.32.jar', data: lib },
    ]);
    let bytesRead = 0;
    const reader: FileContent = {
      size: jar.length,
      read: (offset, length) => {
        const bytes = jar.subarray(offset, Math.min(offset + length, jar.length));
        bytesRead += bytes.length;
        return bytes;
      },
    };
    const result = javaArchiveCataloger.parse([{ path: '/app/app-1.0.jar', content: Buffer.alloc(0), reader }], { resolver: new MemoryResolver(), warn: () => undefined });
    expect(result.packages.map((p) => p.purl).sort()).toEqual(['pkg:maven/app/app@1.0', 'pkg:maven/org.slf4j/slf4j-nop@1.7.32']);
    expect(bytesRead).toBeLessThan(lib.length + 128 * 1024);
  });
});

describe('java-archive registration', () => {
  it('asks for the archive extensions syft reads, by random access', () => {
    expect(javaArchiveCataloger.randomAccess).toBe(true);
    for (const extension of ['jar', 'war', 'ear', 'jpi', 'hpi', 'par', 'sar', 'nar', 'kar', 'rar']) {
      expect(javaArchiveCataloger.patterns).toContain(`**/*.${extension}`);
    }
  });
});
