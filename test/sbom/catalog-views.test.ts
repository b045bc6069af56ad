/**
 * The catalog as a whole, through generateSbom on roots and images assembled from the catalog
 * fixtures (real files of real software): one package per purl with every location, whatever
 * found it and wherever; archive containment; ownership of language packages by the OS packages
 * that installed them, against dpkg-query and rpm; dependency relationships of every ecosystem in
 * both output formats; warnings that name image paths with one leading slash.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Validation } from '@cyclonedx/cyclonedx-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cataloger, PackageDraft, RelationshipDraft } from '../../src/sbom/catalog/cataloger.js';
import { OS_PACKAGE_TYPES } from '../../src/sbom/file-ownership.js';
import { serializeSbom } from '../../src/sbom/format/index.js';
import { OWNERSHIP_COMMENT } from '../../src/sbom/format/spdx.js';
import { generateSbom, generateSbomWith } from '../../src/sbom/generate.js';
import type { Package, Relationship, Sbom } from '../../src/sbom/model.js';
import { buildZip } from './readers/zip-builder.js';
import { debianReleaseEntries, dpkgOwners, fixtureEntries, fixtureFile, ownershipEntries, writeEntries } from '../support/fixture-roots.js';
import { ELF_MAGIC, ociLayoutFiles, tempDir, writeTar, type TestEntry, type TestImage } from '../support/image-builder.js';

const hasDpkgQuery = (() => {
  try {
    execFileSync('dpkg-query', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let scratch: string;
beforeAll(async () => {
  scratch = await tempDir();
});
afterAll(async () => {
  const { rm } = await import('node:fs/promises');
  await rm(scratch, { recursive: true, force: true });
});

let roots = 0;
/** `entries` written as a directory, scanned as `dir:`. */
async function scanDirectory(entries: readonly TestEntry[], options: Parameters<typeof generateSbom>[1] = {}): Promise<Sbom> {
  const root = await writeEntries(join(scratch, `root-${++roots}`), entries);
  return generateSbom(`dir:${root}`, { timestamp: 0, ...options });
}

/** `image` packed as an OCI archive. */
async function scanImage(image: TestImage, options: Parameters<typeof generateSbom>[1] = {}): Promise<Sbom> {
  const archive = await writeTar(join(scratch, `image-${++roots}.tar`), await ociLayoutFiles([image]));
  return generateSbom(`oci-archive:${archive}`, { timestamp: 0, ...options });
}

function packageOf(sbom: Sbom, id: string): Package {
  const found = sbom.packages.find((pkg) => pkg.id === id);
  if (found === undefined) throw new Error(`no package ${id}`);
  return found;
}

/** `<from name> <type> <to purl>` of every relationship of `type`, sorted. */
function edges(sbom: Sbom, type: Relationship['type']): string[] {
  return sbom.relationships
    .filter((r) => r.type === type)
    .map((r) => `${packageOf(sbom, r.from).name} ${type} ${packageOf(sbom, r.to).purl}`)
    .sort();
}

function expectNoDuplicateRelationships(sbom: Sbom): void {
  const keys = sbom.relationships.map((r) => `${r.from} ${r.type} ${r.to}`);
  expect(keys.filter((key, i) => keys.indexOf(key) !== i)).toEqual([]);
  const pairs = sbom.relationships.filter((r) => r.type.includes('depends-on')).map((r) => `${r.from} ${r.to}`);
  expect(pairs.filter((pair, i) => pairs.indexOf(pair) !== i), 'one dependency kind per pair').toEqual([]);
}

interface CdxComponent {
  'bom-ref': string;
  purl?: string;
  properties?: Array<{ name: string; value: string }>;
}
interface CdxDocument {
  components: CdxComponent[];
  dependencies: Array<{ ref: string; dependsOn?: string[] }>;
}
interface SpdxDocument {
  packages: Array<{ SPDXID: string; externalRefs?: Array<{ referenceLocator: string }> }>;
  relationships: Array<{ spdxElementId: string; relationshipType: string; relatedSpdxElement: string; comment?: string }>;
}

function cyclonedx(sbom: Sbom): CdxDocument {
  return JSON.parse(serializeSbom(sbom, 'cyclonedx-json')) as CdxDocument;
}

function spdx(sbom: Sbom): { document: SpdxDocument; spdxId: (pkg: Package) => string } {
  const document = JSON.parse(serializeSbom(sbom, 'spdx-json')) as SpdxDocument;
  const byPurl = new Map(document.packages.map((p) => [p.externalRefs?.[0]?.referenceLocator, p.SPDXID]));
  return { document, spdxId: (pkg) => byPurl.get(pkg.purl) ?? `no SPDX package for ${pkg.purl}` };
}

async function expectValidCycloneDx(sbom: Sbom): Promise<void> {
  for (const version of ['1.6', '1.5', '1.4'] as const) {
    const format = version === '1.6' ? 'cyclonedx-json' : (`cyclonedx-json@${version}` as const);
    expect(await new Validation.JsonStrictValidator(version as never).validate(serializeSbom(sbom, format)), version).toBeNull();
  }
}

/** The image the ownership root makes: Debian's packages in one layer, the rest in another. */
function ownershipImage(): TestImage {
  const entries = ownershipEntries();
  const application = (entry: TestEntry) => entry.path.startsWith('usr/local/') || entry.path.startsWith('opt/');
  return { layers: [{ entries: entries.filter((e) => !application(e)) }, { entries: entries.filter(application) }] };
}

describe('ownership: an OS package owns the language packages it installed', () => {
  let dir: Sbom;
  let image: Sbom;
  let root: string;
  beforeAll(async () => {
    root = await writeEntries(join(scratch, 'ownership'), ownershipEntries());
    dir = await generateSbom(`dir:${root}`, { timestamp: 0 });
    image = await scanImage(ownershipImage());
  });

  /** `<deb> owns <purl>` for every package found at a path the oracle gives an owner. */
  function expectedOwnership(sbom: Sbom, ownerOf: (path: string) => string | undefined): string[] {
    const expected = new Set<string>();
    for (const pkg of sbom.packages) {
      if (OS_PACKAGE_TYPES.has(pkg.type)) continue;
      for (const { path } of pkg.locations) {
        const owner = ownerOf(path);
        if (owner !== undefined) expected.add(`${owner.replace(/:.*/, '')} owns ${pkg.purl}`);
      }
    }
    return [...expected].sort();
  }

  it('relates exactly the packages at the paths dpkg-query -S named to the deb it named', () => {
    for (const sbom of [dir, image]) {
      const owners = dpkgOwners();
      const expected = expectedOwnership(sbom, (path) => owners.get(path));
      expect(expected.length).toBeGreaterThanOrEqual(5);
      expect(edges(sbom, 'owns')).toEqual(expected);
      expect(sbom.warnings).toEqual([]);
    }
  });

  it.runIf(hasDpkgQuery)('agrees with dpkg-query -S run live on every location of every language package', () => {
    const admindir = join(root, 'var/lib/dpkg');
    const ownerOf = (path: string) => {
      try {
        return execFileSync('dpkg-query', [`--admindir=${admindir}`, '-S', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(':')[0];
      } catch {
        // dpkg-query exits 1 for a path no package lists
        return undefined;
      }
    };
    const expected = expectedOwnership(dir, ownerOf);
    expect(expected.some((edge) => edge.startsWith('skopeo owns pkg:golang/stdlib@'))).toBe(true);
    expect(edges(dir, 'owns')).toEqual(expected);
  });

  it('keeps both entries, each under its own purl, and leaves what no package lists unowned', () => {
    const purls = dir.packages.map((pkg) => pkg.purl);
    expect(purls).toEqual(expect.arrayContaining([expect.stringMatching(/^pkg:deb\/debian\/python3-six@/), 'pkg:pypi/six@1.16.0']));
    const owned = new Set(dir.relationships.filter((r) => r.type === 'owns').map((r) => r.to));
    expect(owned.has('pkg:pypi/chardet@5.1.0')).toBe(false);
    expect(owned.has('pkg:maven/com.example/demo@0.0.1-SNAPSHOT')).toBe(false);
    // the jar libjcip-annotations-java installed is also nested in the Spring Boot jar: one package, owned and contained
    const jcip = packageOf(dir, 'pkg:maven/jcip-annotations/jcip-annotations@1.0');
    expect(jcip.locations.map((l) => l.path)).toEqual(['/opt/demo/demo-boot.jar', '/usr/share/java/jcip-annotations-1.0.jar']);
    expect(dir.relationships.filter((r) => r.to === jcip.id).map((r) => r.type).sort()).toEqual(['contains', 'owns']);
    expectNoDuplicateRelationships(dir);
  });

  it('finds the same packages and relationships in the image, each located in the layer that brought it', () => {
    expect(image.packages.map((pkg) => pkg.purl)).toEqual(dir.packages.map((pkg) => pkg.purl));
    expect(image.relationships).toEqual(dir.relationships);
    const [base, application] = image.source.layers.map((layer) => layer.diffID);
    expect(packageOf(image, 'pkg:pypi/six@1.16.0').locations).toEqual([{ path: '/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO', layer: base }]);
    expect(packageOf(image, 'pkg:pypi/chardet@5.1.0').locations[0]?.layer).toBe(application);
  });

  it('holds in all-layers scope too', async () => {
    const all = await scanImage(ownershipImage(), { scope: 'all-layers' });
    expect(edges(all, 'owns')).toEqual(edges(image, 'owns'));
  });

  it('relates an Alpine package to the Python distribution its F:/R: lines name', async () => {
    const metadata = 'usr/lib/python3.12/site-packages/six-1.16.0.dist-info/METADATA';
    const sbom = await scanDirectory([
      fixtureFile('apk/etc/os-release', 'etc/os-release'),
      { path: 'lib/apk/db/installed', content: 'P:py3-six\nV:1.16.0-r9\nA:noarch\nT:Python 2 and 3 compatibility library\nF:usr/lib/python3.12/site-packages/six-1.16.0.dist-info\nR:METADATA\nR:RECORD\n\n' },
      { path: metadata, content: 'Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n' },
    ]);
    expect(edges(sbom, 'owns')).toEqual(['py3-six owns pkg:pypi/six@1.16.0']);
  });

  it('writes ownership to CycloneDX as dependsOn from the OS package with an owns property, valid in 1.6, 1.5 and 1.4', async () => {
    const document = cyclonedx(dir);
    const six = dir.packages.find((pkg) => pkg.name === 'python3-six') as Package;
    expect(document.dependencies.find((d) => d.ref === six.id)?.dependsOn).toEqual(['pkg:pypi/six@1.16.0']);
    const component = document.components.find((c) => c['bom-ref'] === six.id);
    expect(component?.properties?.filter((p) => p.name.startsWith('sealkit:relationship:'))).toEqual([{ name: 'sealkit:relationship:owns', value: 'pkg:pypi/six@1.16.0' }]);
    await expectValidCycloneDx(dir);
  });

  it('writes ownership to SPDX as CONTAINS from the OS package, saying it is ownership', () => {
    const { document, spdxId } = spdx(dir);
    const six = dir.packages.find((pkg) => pkg.name === 'python3-six') as Package;
    const owned = document.relationships.filter((r) => r.spdxElementId === spdxId(six) && r.relationshipType !== 'DESCRIBES');
    expect(owned).toEqual([
      { spdxElementId: spdxId(six), relationshipType: 'CONTAINS', relatedSpdxElement: spdxId(packageOf(dir, 'pkg:pypi/six@1.16.0')), comment: OWNERSHIP_COMMENT },
    ]);
    expect(document.relationships.filter((r) => r.comment !== undefined)).toHaveLength(edges(dir, 'owns').length);
  });
});

describe('containment: an archive contains the archives nested in it', () => {
  let sbom: Sbom;
  beforeAll(async () => {
    sbom = await scanDirectory([...fixtureEntries('java/root')]);
  });

  it('relates each wrapper to its nested jars, and a jar also found alone is one package with both locations', () => {
    expect(edges(sbom, 'contains')).toEqual([
      'demo contains pkg:maven/inject/inject@1',
      'demo contains pkg:maven/jcip-annotations/jcip-annotations@1.0',
      'demo contains pkg:maven/org.slf4j/jul-to-slf4j@1.7.32',
      'demo contains pkg:maven/org.slf4j/slf4j-nop@1.7.32',
      'demo-ear contains pkg:maven/com.example/demo-web@1.0.0',
      'demo-ear contains pkg:maven/jcip-annotations/jcip-annotations@1.0',
      'demo-web contains pkg:maven/org.apache.geronimo.specs/geronimo-annotation_1.3_spec@1.3',
      'demo-web contains pkg:maven/org.slf4j/slf4j-nop@1.7.32',
    ]);
    expect(packageOf(sbom, 'pkg:maven/org.slf4j/slf4j-nop@1.7.32').locations.map((l) => l.path)).toEqual([
      '/opt/demo/demo-boot.jar',
      '/opt/demo/demo.ear',
      '/opt/demo/demo.war',
      '/usr/share/java/slf4j-nop.jar',
    ]);
    expect(sbom.packages.every((pkg) => pkg.metadata.parent === undefined)).toBe(true);
    expectNoDuplicateRelationships(sbom);
  });

  it('writes containment as CycloneDX dependsOn with a contains property, and as SPDX CONTAINS without a comment', async () => {
    const war = 'pkg:maven/com.example/demo-web@1.0.0';
    const document = cyclonedx(sbom);
    expect(document.dependencies.find((d) => d.ref === war)?.dependsOn).toEqual([
      'pkg:maven/org.apache.geronimo.specs/geronimo-annotation_1.3_spec@1.3',
      'pkg:maven/org.slf4j/slf4j-nop@1.7.32',
    ]);
    expect(document.components.find((c) => c['bom-ref'] === war)?.properties?.filter((p) => p.name === 'sealkit:relationship:contains').map((p) => p.value)).toEqual([
      'pkg:maven/org.apache.geronimo.specs/geronimo-annotation_1.3_spec@1.3',
      'pkg:maven/org.slf4j/slf4j-nop@1.7.32',
    ]);
    const { document: spdxDocument, spdxId } = spdx(sbom);
    const contained = spdxDocument.relationships.filter((r) => r.spdxElementId === spdxId(packageOf(sbom, war)));
    expect(contained.map((r) => [r.relationshipType, r.comment])).toEqual([
      ['CONTAINS', undefined],
      ['CONTAINS', undefined],
    ]);
    await expectValidCycloneDx(sbom);
  });
});

describe('one package found twice is one package with several locations', () => {
  it('found by two catalogers: npm-installed reads node_modules, npm-lockfile the lockfile', async () => {
    const sbom = await scanDirectory(fixtureEntries('npm'));
    const purls = sbom.packages.map((pkg) => pkg.purl);
    expect(purls.filter((purl, i) => purls.indexOf(purl) !== i)).toEqual([]);
    const both = sbom.packages.filter((pkg) => pkg.locations.some((l) => l.path === '/package-lock.json') && pkg.locations.some((l) => l.path.startsWith('/node_modules/')));
    expect(both.length).toBeGreaterThanOrEqual(20);
    // the first cataloger in registry order names the finder; the lockfile's integrity is added
    for (const pkg of both) {
      expect(pkg.foundBy, pkg.purl).toBe('npm-installed');
      expect(pkg.metadata.integrity, pkg.purl).toMatch(/^sha512-/);
    }
    expectNoDuplicateRelationships(sbom);
  });

  it('found in two layers: one package, each location with its own layer, in either scope', async () => {
    const jar = fixtureFile('java/root/usr/share/java/slf4j-nop.jar', 'opt/a/slf4j-nop.jar');
    const image: TestImage = { layers: [{ entries: [jar] }, { entries: [{ ...jar, path: 'srv/b/slf4j-nop.jar' }] }] };
    for (const scope of ['squashed', 'all-layers'] as const) {
      const sbom = await scanImage(image, { scope });
      const [first, second] = sbom.source.layers.map((layer) => layer.diffID);
      expect(sbom.packages.map((pkg) => [pkg.purl, pkg.locations])).toEqual([
        [
          'pkg:maven/org.slf4j/slf4j-nop@1.7.32',
          [
            { path: '/opt/a/slf4j-nop.jar', layer: first },
            { path: '/srv/b/slf4j-nop.jar', layer: second },
          ],
        ],
      ]);
    }
  });

  it('installed in one layer and nested in an archive a later layer adds: each location keeps its own layer', async () => {
    const image: TestImage = {
      layers: [
        { entries: [fixtureFile('java/root/usr/share/java/slf4j-nop.jar', 'usr/share/java/slf4j-nop.jar')] },
        { entries: [fixtureFile('java/root/opt/demo/demo-boot.jar', 'opt/demo/demo-boot.jar')] },
      ],
    };
    const sbom = await scanImage(image);
    const [first, second] = sbom.source.layers.map((layer) => layer.diffID);
    expect(packageOf(sbom, 'pkg:maven/org.slf4j/slf4j-nop@1.7.32').locations).toEqual([
      { path: '/opt/demo/demo-boot.jar', layer: second },
      { path: '/usr/share/java/slf4j-nop.jar', layer: first },
    ]);
  });

  it('a Go module in three executables: one package per module with every location, one edge each, the first executable\'s metadata', async () => {
    const sbom = await scanDirectory([
      fixtureFile('golang/binaries/go1.22-replace-386.elf', 'usr/bin/a'),
      fixtureFile('golang/binaries/go1.22-replace-arm64.exe', 'usr/bin/b.exe'),
      fixtureFile('golang/binaries/go1.22-replace-amd64.macho', 'opt/c'),
    ]);
    expect(sbom.packages.map((pkg) => [pkg.purl, pkg.locations.map((l) => l.path)])).toEqual([
      ['pkg:golang/binary_with_module_replacement', ['/opt/c', '/usr/bin/a', '/usr/bin/b.exe']],
      ['pkg:golang/github.com/golang/xerrors@v0.0.0-20220907171357-04be3eba64a2', ['/opt/c', '/usr/bin/a', '/usr/bin/b.exe']],
      ['pkg:golang/stdlib@1.22.0', ['/opt/c', '/usr/bin/a', '/usr/bin/b.exe']],
    ]);
    expect(edges(sbom, 'depends-on')).toEqual([
      'binary_with_module_replacement depends-on pkg:golang/github.com/golang/xerrors@v0.0.0-20220907171357-04be3eba64a2',
      'binary_with_module_replacement depends-on pkg:golang/stdlib@1.22.0',
    ]);
    // /opt/c (darwin/amd64) comes first by path; the 386 build's GO386 setting is not mixed in
    const main = packageOf(sbom, 'pkg:golang/binary_with_module_replacement');
    expect(main.metadata).toMatchObject({ 'build:GOOS': 'darwin', 'build:GOARCH': 'amd64', architecture: 'amd64' });
    expect(main.metadata['build:GO386']).toBeUndefined();
  });

  it('gives every package its purl as id, and the same document on every run', async () => {
    const archive = await writeTar(join(scratch, 'twice.tar'), await ociLayoutFiles([ownershipImage()]));
    const first = await generateSbom(`oci-archive:${archive}`, { timestamp: 0 });
    const second = await generateSbom(`oci-archive:${archive}`, { timestamp: 0 });
    expect(first.packages.every((pkg) => pkg.id === pkg.purl)).toBe(true);
    expect(serializeSbom(second, 'cyclonedx-json')).toBe(serializeSbom(first, 'cyclonedx-json'));
    expect(serializeSbom(second, 'spdx-json')).toBe(serializeSbom(first, 'spdx-json'));
  });
});

/** A cataloger of `etc/<file>` that reports packages x and y (same purls for every instance) as told. */
function tellingCataloger(name: string, file: string, packages: Array<Partial<PackageDraft> & Pick<PackageDraft, 'ref' | 'purl'>>, relationships: RelationshipDraft[]): Cataloger {
  return {
    name,
    sources: ['directory'],
    patterns: [`etc/${file}`],
    parse: (files) => ({
      packages: packages.map((pkg) => ({
        name: pkg.ref,
        version: '1.0.0',
        type: 'npm',
        licenses: [],
        metadata: {},
        ...pkg,
        locations: files.map((f) => ({ path: f.path })),
      })),
      relationships,
    }),
  };
}

describe('when two catalogers disagree about one package', () => {
  const first = tellingCataloger(
    'first',
    'a.txt',
    [
      { ref: 'x', purl: 'pkg:npm/x@1.0.0', name: 'X', licenses: [{ expression: 'MIT' }], metadata: { shared: 'first', onlyFirst: '1' }, homepage: 'https://first.example/' },
      { ref: 'y', purl: 'pkg:npm/y@1.0.0' },
    ],
    [
      { from: 'x', to: 'y', type: 'dev-depends-on' },
      { from: 'x', to: 'y', type: 'contains' },
    ],
  );
  const second = tellingCataloger(
    'second',
    'b.txt',
    [
      {
        ref: 'x',
        purl: 'pkg:npm/x@1.0.0',
        name: 'x',
        licenses: [{ expression: 'Apache-2.0' }, { expression: 'MIT' }],
        metadata: { shared: 'second', onlySecond: '2', ['__proto__']: 'kept as a key' },
        description: 'from the second',
        homepage: 'https://second.example/',
      },
      { ref: 'y', purl: 'pkg:npm/y@1.0.0' },
    ],
    [
      { from: 'x', to: 'y', type: 'depends-on' },
      { from: 'x', to: 'y', type: 'optional-depends-on' },
    ],
  );
  const files: TestEntry[] = [
    { path: 'etc/a.txt', content: 'a' },
    { path: 'etc/b.txt', content: 'b' },
  ];
  let root: string;
  beforeAll(async () => {
    root = await writeEntries(join(scratch, 'disagree'), files);
  });

  it('takes identity from the first in registry order, fills gaps from the second, unites licenses and locations', async () => {
    const sbom = await generateSbomWith([first, second], `dir:${root}`, { timestamp: 0 });
    const x = packageOf(sbom, 'pkg:npm/x@1.0.0');
    expect(x).toMatchObject({
      name: 'X',
      foundBy: 'first',
      homepage: 'https://first.example/',
      description: 'from the second',
      licenses: [{ expression: 'MIT' }, { expression: 'Apache-2.0' }],
      locations: [{ path: '/etc/a.txt' }, { path: '/etc/b.txt' }],
    });
    expect(x.metadata).toEqual({ shared: 'first', onlyFirst: '1', onlySecond: '2', ['__proto__']: 'kept as a key' });
    expect(Object.getPrototypeOf(x.metadata)).toBe(Object.prototype);
    // the strongest dependency kind of the pair, and the containment beside it
    expect(sbom.relationships).toEqual([
      { from: 'pkg:npm/x@1.0.0', to: 'pkg:npm/y@1.0.0', type: 'contains' },
      { from: 'pkg:npm/x@1.0.0', to: 'pkg:npm/y@1.0.0', type: 'depends-on' },
    ]);
  });

  it('follows the registry order, not the order of the files', async () => {
    const sbom = await generateSbomWith([second, first], `dir:${root}`, { timestamp: 0 });
    expect(packageOf(sbom, 'pkg:npm/x@1.0.0')).toMatchObject({ name: 'x', foundBy: 'second', homepage: 'https://second.example/' });
    expect(packageOf(sbom, 'pkg:npm/x@1.0.0').metadata.shared).toBe('second');
  });
});

describe('prepare: what a parser loads lazily is loaded only for a scan that has its files', () => {
  /** A cataloger of `*.pkg` files whose parse records whether its prepare had finished. */
  function preparingCataloger(calls: string[][]): Cataloger {
    let prepared = false;
    return {
      name: 'preparing',
      sources: ['directory', 'image'],
      patterns: ['**/*.pkg'],
      prepare: async (paths) => {
        calls.push([...paths]);
        await new Promise((resolve) => setTimeout(resolve, 5));
        prepared = true;
      },
      parse: (files) => ({
        packages: files.map((file) => ({
          ref: file.path,
          name: file.content.toString().trim(),
          version: '1.0.0',
          type: 'npm' as const,
          purl: `pkg:npm/${file.content.toString().trim()}@1.0.0`,
          licenses: [],
          metadata: { prepared: String(prepared) },
          locations: [{ path: file.path }],
        })),
        relationships: [],
      }),
    };
  }

  it('awaits prepare once, with the paths of the files of every view, before the first parse', async () => {
    const calls: string[][] = [];
    const archive = await writeTar(
      join(scratch, 'prepare.tar'),
      await ociLayoutFiles([
        {
          layers: [
            { entries: [{ path: 'opt/a.pkg', content: 'a' }] },
            {
              entries: [
                { path: 'opt/b.pkg', content: 'b' },
                { path: 'opt/.wh.a.pkg', content: '' },
              ],
            },
          ],
        },
      ]),
    );
    const sbom = await generateSbomWith([preparingCataloger(calls)], `oci-archive:${archive}`, { timestamp: 0 });
    expect(calls).toEqual([['/opt/a.pkg', '/opt/b.pkg']]);
    expect(sbom.packages.map((pkg) => [pkg.name, pkg.metadata.prepared])).toEqual([['b', 'true']]);
  });

  it("prepares a cataloger right before its own first parse, after the catalogers before it parsed", async () => {
    const events: string[] = [];
    const plain: Cataloger = {
      name: 'plain',
      sources: ['directory'],
      patterns: ['**/*.txt'],
      parse: () => {
        events.push('parse plain');
        return { packages: [], relationships: [] };
      },
    };
    const lazy: Cataloger = {
      name: 'lazy',
      sources: ['directory'],
      patterns: ['**/*.pkg'],
      prepare: async () => {
        events.push('prepare lazy');
      },
      parse: () => {
        events.push('parse lazy');
        return { packages: [], relationships: [] };
      },
    };
    const root = await writeEntries(join(scratch, 'prepare-order'), [
      { path: 'etc/a.txt', content: 'a' },
      { path: 'opt/b.pkg', content: 'b' },
    ]);
    await generateSbomWith([plain, lazy], `dir:${root}`, { timestamp: 0 });
    expect(events).toEqual(['parse plain', 'prepare lazy', 'parse lazy']);
  });

  it('lets go what a cataloger gave up at the next turn of the event loop and collects: after a prepared cataloger, after 1 MiB of files, before the output', async () => {
    const events: string[] = [];
    const parsing = (name: string, pattern: string, prepared = false): Cataloger => ({
      name,
      sources: ['directory'],
      patterns: [pattern],
      ...(prepared ? { prepare: async () => undefined } : {}),
      parse: () => {
        events.push(`parse ${name}`);
        setImmediate(() => events.push(`let go by ${name}`));
        return { packages: [], relationships: [] };
      },
    });
    const root = await writeEntries(join(scratch, 'settle'), [
      { path: 'etc/a.txt', content: 'a' },
      { path: 'opt/b.pkg', content: 'b' },
      { path: 'opt/c.big', content: Buffer.alloc(1024 * 1024, 1) },
      { path: 'opt/d.end', content: 'd' },
    ]);
    const exposed = (globalThis as { gc?: () => void }).gc;
    (globalThis as { gc?: () => void }).gc = () => events.push('gc');
    try {
      const catalogers = [parsing('small', '**/*.txt'), parsing('absent', '**/*.none', true), parsing('lazy', '**/*.pkg', true), parsing('large', '**/*.big'), parsing('last', '**/*.end')];
      await generateSbomWith(catalogers, `dir:${root}`, { timestamp: 0 });
    } finally {
      (globalThis as { gc?: () => void }).gc = exposed;
    }
    // a cataloger without files parses nothing and is not followed by a collection
    expect(events).toEqual([
      'parse small',
      'parse lazy',
      'let go by small',
      'let go by lazy',
      'gc',
      'parse large',
      'let go by large',
      'gc',
      'parse last',
      'let go by last',
      'gc',
    ]);
  });

  it('collects nothing when nothing was parsed', async () => {
    const events: string[] = [];
    const root = await writeEntries(join(scratch, 'settle-none'), [{ path: 'etc/a.txt', content: 'a' }]);
    const exposed = (globalThis as { gc?: () => void }).gc;
    (globalThis as { gc?: () => void }).gc = () => events.push('gc');
    try {
      await generateSbomWith([preparingCataloger([])], `dir:${root}`, { timestamp: 0 });
    } finally {
      (globalThis as { gc?: () => void }).gc = exposed;
    }
    expect(events).toEqual([]);
  });

  it('does not call prepare when the cataloger has no files', async () => {
    const calls: string[][] = [];
    const root = await writeEntries(join(scratch, 'prepare-none'), [{ path: 'etc/a.txt', content: 'a' }]);
    const sbom = await generateSbomWith([preparingCataloger(calls)], `dir:${root}`, { timestamp: 0 });
    expect(calls).toEqual([]);
    expect(sbom.packages).toEqual([]);
  });
});

describe('dependency relationships of every ecosystem', () => {
  let sbom: Sbom;
  beforeAll(async () => {
    sbom = await scanDirectory([
      ...debianReleaseEntries(),
      fixtureFile('debian/var/lib/dpkg/status', 'var/lib/dpkg/status'),
      ...fixtureEntries('debian/usr/lib/python3/dist-packages', 'usr/lib/python3/dist-packages'),
      fixtureFile('apk/lib/apk/db/installed', 'lib/apk/db/installed'),
      fixtureFile('rpm/sqlite/usr/lib/sysimage/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite'),
      ...fixtureEntries('npm/node_modules', 'app/node_modules'),
      ...fixtureEntries('ruby/bookworm'),
      ...fixtureEntries('php/composer2'),
      ...fixtureEntries('dotnet/autorest'),
      fixtureFile('golang/binaries/go1.15-amd64.elf', 'usr/local/bin/go-app'),
      fixtureFile('rust/binaries/uses-serde-json-amd64.elf', 'usr/local/bin/rust-app'),
      ...fixtureEntries('java/root'),
    ]);
  });

  const dependents = (type: Package['type']) => sbom.relationships.filter((r) => r.type === 'depends-on' && packageOf(sbom, r.from).type === type);

  it.each(['deb', 'apk', 'rpm', 'python', 'npm', 'go', 'rust', 'ruby', 'php', 'dotnet'] as const)('%s: depends-on in the model, CycloneDX dependsOn and SPDX DEPENDS_ON', (type) => {
    const relationships = dependents(type);
    expect(relationships.length).toBeGreaterThan(0);
    const document = cyclonedx(sbom);
    const dependsOn = new Map(document.dependencies.map((d) => [d.ref, new Set(d.dependsOn ?? [])]));
    const { document: spdxDocument, spdxId } = spdx(sbom);
    const spdxEdges = new Set(spdxDocument.relationships.map((r) => `${r.spdxElementId} ${r.relationshipType} ${r.relatedSpdxElement}`));
    for (const r of relationships) {
      expect(dependsOn.get(r.from)?.has(r.to), `${r.from} -> ${r.to}`).toBe(true);
      expect(spdxEdges.has(`${spdxId(packageOf(sbom, r.from))} DEPENDS_ON ${spdxId(packageOf(sbom, r.to))}`), `${r.from} -> ${r.to}`).toBe(true);
    }
  });

  it('has no duplicate relationship in the model, in CycloneDX or in SPDX, and validates', async () => {
    expectNoDuplicateRelationships(sbom);
    const document = cyclonedx(sbom);
    for (const dependency of document.dependencies) expect(new Set(dependency.dependsOn).size).toBe(dependency.dependsOn?.length ?? 0);
    const refs = document.dependencies.map((d) => d.ref);
    expect(new Set(refs).size).toBe(refs.length);
    const keys = spdx(sbom).document.relationships.map((r) => `${r.spdxElementId} ${r.relationshipType} ${r.relatedSpdxElement}`);
    expect(new Set(keys).size).toBe(keys.length);
    await expectValidCycloneDx(sbom);
  });
});

describe('warnings name image paths with one leading slash, for every cataloger', () => {
  const notZip = Buffer.from('this is not a zip archive, whatever its name says\n'.repeat(4));
  const elfJunk = Buffer.concat([ELF_MAGIC, Buffer.from([2, 1, 1, 0]), Buffer.alloc(56, 0xff)]);
  const bad: TestEntry[] = [
    { path: 'etc/os-release', symlink: 'os-release-loop' },
    { path: 'etc/os-release-loop', symlink: 'os-release' },
    { path: 'var/lib/dpkg/status', content: '\u0000\u0001 binary junk without fields' },
    { path: 'lib/apk/db/installed', content: 'P:nameless-version\nA:x86_64\n' },
    { path: 'var/lib/rpm/Packages', content: Buffer.alloc(8192, 0x5a) },
    { path: 'usr/lib/python3/dist-packages/x-1.dist-info/METADATA', content: 'Metadata-Version: 2.1\nName: x\n' },
    { path: 'app/node_modules/broken/package.json', content: '{"name": ' },
    { path: 'usr/share/java/broken.jar', content: notZip },
    { path: 'opt/app/fat.jar', content: buildZip([{ name: 'BOOT-INF/lib/inner.jar', data: notZip }]) },
    { path: 'usr/share/rubygems-integration/all/specifications/broken-1.gemspec', content: 'Gem::Specification.new do |s|\nend\n' },
    { path: 'srv/vendor/composer/installed.json', content: '{"packages": ' },
    { path: 'srv/app/App.deps.json', content: '{}' },
    { path: 'usr/local/bin/truncated', content: elfJunk },
  ];
  const expectedPaths = bad.filter((e) => !e.path.startsWith('etc/os-release-')).map((e) => `/${e.path}`).sort();

  function expectOneSlash(sbom: Sbom): void {
    expect([...new Set(sbom.warnings.map((w) => w.path))].sort()).toEqual(expectedPaths);
    for (const warning of sbom.warnings) {
      expect(warning.path, warning.message).toMatch(/^\/[^/]/);
      // a URL's scheme separator is the only double slash a message may hold
      expect(warning.message.replaceAll('://', ''), warning.message).not.toContain('//');
    }
  }

  it('in an image', async () => {
    const sbom = await scanImage({ layers: [{ entries: bad }] });
    expectOneSlash(sbom);
    // the nested archive is named inside its top-level archive's warning
    expect(sbom.warnings.find((w) => w.path === '/opt/app/fat.jar')?.message).toMatch(/^in BOOT-INF\/lib\/inner\.jar: /);
  });

  it('in a directory, where the lockfile cataloger runs too', async () => {
    const sbom = await scanDirectory([...bad, { path: 'app/package-lock.json', content: '{"lockfileVersion": 3}' }]);
    expectedPaths.push('/app/package-lock.json');
    expectedPaths.sort();
    expectOneSlash(sbom);
  });
});
