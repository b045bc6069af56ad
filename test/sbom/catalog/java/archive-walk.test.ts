import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JAVA_ARCHIVE_LIMITS, walkJavaArchive, type JavaArchiveLimits } from '../../../../src/sbom/catalog/java/archive-walk.js';
import type { SbomWarning } from '../../../../src/sbom/model.js';
import { bufferSource } from '../../../../src/sbom/readers/byte-source.js';
import { buildZip, type BuildEntry } from '../../readers/zip-builder.js';

const JARS = join(import.meta.dirname, '../../../../fixtures/catalog/java/root/usr/share/java');
const NOP = readFileSync(join(JARS, 'slf4j-nop.jar'));
const MiB = 1024 * 1024;

function walk(archive: Buffer, path = '/app/app.jar', limits: JavaArchiveLimits = JAVA_ARCHIVE_LIMITS) {
  const warnings: SbomWarning[] = [];
  const found = walkJavaArchive(bufferSource(archive), path, (w) => warnings.push(w), limits);
  return { found, warnings, purls: [...new Set(found.map((f) => f.purl))].sort() };
}

function pom(group: string, artifact: string, version: string): BuildEntry {
  return { name: `META-INF/maven/${group}/${artifact}/pom.properties`, data: `groupId=${group}\nartifactId=${artifact}\nversion=${version}\n` };
}

/** A jar named by its own pom, holding `children` (stored unless `method` says otherwise). */
function jar(artifact: string, children: Array<{ name: string; data: Buffer; method?: number }> = []): Buffer {
  return buildZip([{ name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\n' }, pom('org.example', artifact, '1'), ...children]);
}

describe('java archive walk: zip bombs', () => {
  it('stops a quine-like archive of overlapping entries (each nested jar 16 times over, 4 levels) at the nested archive limit', () => {
    // every entry of a level points at the same local record, as in overlapping-entry zip bombs
    let level = jar('leaf');
    for (let depth = 0; depth < 4; depth++) {
      const entries: BuildEntry[] = [{ name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\n' }, { name: 'lib/l0.jar', data: level }];
      for (let i = 1; i < 16; i++) entries.push({ name: `lib/l${i}.jar`, sameDataAs: 'lib/l0.jar' });
      level = buildZip(entries);
    }
    const { purls, warnings, found } = walk(level);
    expect(purls).toContain('pkg:maven/org.example/leaf@1');
    expect(found.length).toBeLessThanOrEqual(JAVA_ARCHIVE_LIMITS.maxNestedArchives + 1);
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/more than 4096 nested archives/)]);
    expect(warnings[0]?.code).toBe('FILE_TOO_LARGE');
  });

  it('does not open archives nested deeper than the depth limit', () => {
    let level = jar('level6');
    for (let depth = 5; depth >= 0; depth--) level = jar(`level${depth}`, [{ name: `lib/level${depth + 1}.jar`, data: level }]);
    const { purls, warnings } = walk(level, '/app/level0.jar');
    expect(purls).toEqual(['pkg:maven/org.example/level0@1', 'pkg:maven/org.example/level1@1', 'pkg:maven/org.example/level2@1', 'pkg:maven/org.example/level3@1', 'pkg:maven/org.example/level4@1']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/^in lib\/level1\.jar!\/lib\/level2\.jar!\/lib\/level3\.jar!\/lib\/level4\.jar: archives nested more than 4 deep/);
  });

  it('stops inflating nested archives past the work budget of a top-level archive (default limits)', () => {
    // 40 deflated jars of 8 MiB each: 320 MiB to inflate, a few hundred KiB to store
    const padded = buildZip([pom('org.example', 'padded', '1'), { name: 'pad.bin', data: Buffer.alloc(8 * MiB) }]);
    const children = Array.from({ length: 40 }, (_, i) => ({ name: `lib/padded-${i}.jar`, data: padded, method: 8 }));
    const archive = jar('outer', children);
    expect(archive.length).toBeLessThan(2 * MiB);
    const { purls, warnings } = walk(archive);
    expect(purls).toEqual(['pkg:maven/org.example/outer@1', 'pkg:maven/org.example/padded@1']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/more than 268435456 bytes of inflation \(a zip bomb\?\)/);
  });

  it('gives a large archive a budget in proportion to its size, so that a big war is read whole', () => {
    // like real jars, the libraries hardly compress any further
    const classes = Buffer.concat(Array.from({ length: 2048 }, (_, i) => createHash('sha256').update(String(i)).digest()));
    const lib = buildZip([pom('org.example', 'lib', '1'), { name: 'classes.bin', data: classes }]);
    const children = Array.from({ length: 20 }, (_, i) => ({ name: `WEB-INF/lib/lib-${i}.jar`, data: lib, method: 8 }));
    const limits = { ...JAVA_ARCHIVE_LIMITS, maxWorkBytes: 256 * 1024 };
    const archive = jar('war', children);
    expect(walk(archive, '/app/war.war', { ...limits, workRatio: 0 }).warnings).toHaveLength(1);
    expect(walk(archive, '/app/war.war', { ...limits, workRatio: 4 }).warnings).toEqual([]);
  });

  it('refuses a nested archive or a metadata file that declares a huge size, without reading it', () => {
    const archive = buildZip([
      pom('org.example', 'outer', '1'),
      { name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\n', method: 8, declare: { size: 0xfffffff0 } },
      { name: 'lib/huge.jar', data: NOP, method: 8, zip64: true, declare: { size: 2 ** 40 } },
    ]);
    const { purls, warnings } = walk(archive);
    expect(purls).toEqual(['pkg:maven/org.example/outer@1']);
    expect(warnings.map((w) => [w.code, w.message])).toEqual([
      ['FILE_TOO_LARGE', expect.stringMatching(/^META-INF\/MANIFEST\.MF declares 4294967280 bytes, over the 4194304-byte limit/)],
      ['FILE_TOO_LARGE', expect.stringMatching(/^in lib\/huge\.jar: compressed nested archive of 1099511627776 bytes is over the 67108864-byte limit/)],
    ]);
  });

  it('catches a nested archive that inflates past the size it declares', () => {
    const bomb = buildZip([pom('org.example', 'bomb', '1'), { name: 'zeros', data: Buffer.alloc(4 * MiB) }]);
    const { purls, warnings } = walk(buildZip([pom('org.example', 'outer', '1'), { name: 'lib/bomb.jar', data: bomb, method: 8, declare: { size: 1000 } }]));
    expect(purls).toEqual(['pkg:maven/org.example/outer@1']);
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^in lib\/bomb\.jar: not read: "lib\/bomb\.jar" (inflates past its declared 1000 bytes|declares \d+ compressed bytes for 1000)/)]);
  });
});

describe('java archive walk: bad input', () => {
  it('warns about a truncated central directory and reports nothing from that archive', () => {
    const good = jar('whole');
    const cdEnd = good.length - 22;
    const cut = Buffer.concat([good.subarray(0, cdEnd - 20), good.subarray(cdEnd)]);
    const { found, warnings } = walk(cut);
    expect(found).toEqual([]);
    expect(warnings).toEqual([{ code: 'METADATA_UNPARSABLE', path: '/app/app.jar', message: expect.stringMatching(/^not read as a Java archive: /) }]);
  });

  it('warns about wrong offsets and reads what it still can', () => {
    const archive = Buffer.from(jar('offsets'));
    archive.writeUInt32LE(0x12345678, 0); // the manifest's local header
    const { purls, warnings } = walk(archive, '/app/offsets-1.jar');
    expect(purls).toEqual(['pkg:maven/org.example/offsets@1']);
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^META-INF\/MANIFEST\.MF not read: no local header/)]);
  });

  it('skips entries whose names climb out of the archive, with a warning', () => {
    const archive = buildZip([pom('org.example', 'app', '1'), { name: '../../evil/evil.jar', data: NOP }, { name: '/abs/META-INF/maven/x/y/pom.properties', data: 'artifactId=y\nversion=1\n' }]);
    const { purls, warnings } = walk(archive);
    expect(purls).toEqual(['pkg:maven/org.example/app@1']);
    expect(warnings.map((w) => w.message)).toEqual(['2 entries with unsafe names skipped (e.g. "../../evil/evil.jar")']);
  });

  it('warns about a .jar that is not a zip, in the image or nested, but passes over a RAR archive named .rar', () => {
    expect(walk(Buffer.from('not a zip at all'), '/app/broken.jar').warnings.map((w) => w.message)).toEqual([
      'not read as a Java archive: no end of central directory record: not a zip archive',
    ]);
    expect(walk(Buffer.from('Rar!\x1a\x07\x01\x00 RAR 5 archive', 'latin1'), '/data/backup.rar').warnings).toEqual([]);
    const nested = walk(jar('outer', [{ name: 'lib/fake.jar', data: Buffer.from('plain text') }]));
    expect(nested.warnings.map((w) => w.message)).toEqual(['in lib/fake.jar: not read as a Java archive: no end of central directory record: not a zip archive']);
    expect(nested.purls).toEqual(['pkg:maven/org.example/outer@1']);
  });

  it('warns about an invalid pom.xml and still uses the pom.properties beside it', () => {
    const archive = buildZip([pom('org.example', 'app', '1'), { name: 'META-INF/maven/org.example/app/pom.xml', data: '<project><version>1</project>' }]);
    const { purls, warnings } = walk(archive);
    expect(purls).toEqual(['pkg:maven/org.example/app@1']);
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^META-INF\/maven\/org\.example\/app\/pom\.xml: invalid XML/)]);
  });

  it('reads the first of two entries with the same name, and says so', () => {
    const archive = buildZip([pom('org.example', 'first', '1'), pom('org.example', 'first', '2')]);
    const { purls, warnings } = walk(archive, '/app/first.jar');
    expect(purls).toEqual(['pkg:maven/org.example/first@1']);
    expect(warnings.map((w) => w.message)).toEqual(['entries listed twice, the first one read: META-INF/maven/org.example/first/pom.properties']);
  });

  it('warns about an encrypted nested archive', () => {
    const archive = buildZip([
      { name: 'META-INF/maven/g/a/pom.properties', data: 'groupId=g\nartifactId=a\nversion=1\n' },
      { name: 'lib/secret.jar', data: NOP, declare: { flags: 0x0801 } },
    ]);
    const { warnings } = walk(archive, '/x/a.jar');
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^in lib\/secret\.jar: not read: "lib\/secret\.jar" is encrypted/)]);
  });
});

describe('java archive walk: damaged real archives', () => {
  /** A small deterministic generator, so that a failure can be replayed. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
  }

  it('never throws on 600 truncated or byte-flipped copies of the Spring Boot jar, the war and the ear', () => {
    const demo = join(import.meta.dirname, '../../../../fixtures/catalog/java/root/opt/demo');
    const next = random(7);
    let warned = 0;
    for (const name of ['demo-boot.jar', 'demo.war', 'demo.ear']) {
      const original = readFileSync(join(demo, name));
      for (let i = 0; i < 200; i++) {
        const damaged = Buffer.from(original);
        if (i % 4 === 0) {
          const cut = Math.floor(next() * damaged.length);
          expect(() => walk(damaged.subarray(0, cut), `/app/${name}`)).not.toThrow();
          continue;
        }
        // flip a few bytes, mostly in the central directory and the end record, where offsets live
        for (let flips = 0; flips < 1 + (i % 5); flips++) {
          const tail = next() < 0.7;
          const at = tail ? damaged.length - 1 - Math.floor(next() * Math.min(2048, damaged.length)) : Math.floor(next() * damaged.length);
          damaged[at] = Math.floor(next() * 256);
        }
        let result: ReturnType<typeof walk> | undefined;
        expect(() => (result = walk(damaged, `/app/${name}`))).not.toThrow();
        if ((result?.warnings.length ?? 0) > 0) warned++;
      }
    }
    expect(warned).toBeGreaterThan(100);
  });
});
