/**
 * sealkit against the second real image (scripts/image/build-polyglot-image.mjs): Debian bookworm
 * with rpm, Java, Go, Ruby, Python and npm content made by real tools, compared with each
 * ecosystem's own tool run on the image's final root filesystem. Each comparison is an exact
 * match of name and version, with no extras:
 *
 * - deb: dpkg-query; Python: the image's python3 (importlib.metadata); npm: `npm ls --all --json`;
 * - rpm: `rpm -qa` on the image's /var/lib/rpm;
 * - Go: `go version -m` on every executable ELF file of the image;
 * - Java: the poms Debian installs in /usr/share/maven-repo for its jars, and the Spring Boot
 *   jar's own coordinates with the Debian jars it nests;
 * - Ruby: `Gem::Specification` of the image's own ruby (what `gem list --local` lists).
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSbom, serializeSbom } from '../../src/index.js';
import type { Package, Sbom } from '../../src/sbom/model.js';
import { debActual, dpkgExpected, npmActual, packagesOf, pythonActual, pythonExpected, schemeOf } from './image-oracles.js';
import {
  gemsActual,
  gemsExpected,
  goActual,
  goExpected,
  goMainPath,
  javaActual,
  javaExpected,
  loadPolyglotImage,
  mavenPurl,
  npmExpectedAll,
  rpmActual,
  rpmExpected,
  type PolyglotArchiveKind,
  type PolyglotImage,
} from './polyglot-oracles.js';

const KINDS: readonly PolyglotArchiveKind[] = ['oci-archive', 'docker-archive', 'docker-archive-gzip'];
const TIMESTAMP = '2025-01-01T00:00:00Z';

/**
 * Debian jars whose archive holds no Maven metadata: the purl sealkit gives each (from its manifest
 * and file name, as syft names them) and the coordinates of the maven-repo poms Debian installs
 * for it. The groupId is nowhere in these jars, so no scanner can agree with the oracle.
 */
const WITHOUT_MAVEN_METADATA: Record<string, { purl: string; oracle: string[] }> = {
  // the manifest has no version; the file name gives 1.0 where Maven says 1
  '/usr/share/java/atinject-jsr330-api-1.0.jar': { purl: 'pkg:maven/atinject-jsr330-api/atinject-jsr330-api@1.0', oracle: ['javax.inject:javax.inject:1'] },
  // Debian's version of the file name is not Maven's
  '/usr/share/java/jsr305-0.1~+svn49.jar': { purl: 'pkg:maven/jsr305/jsr305@0.1~%2Bsvn49', oracle: ['com.google.code.findbugs:jsr305:0.1-SNAPSHOT'] },
  // a copy of the same jar under Maven's file name: the version agrees, the groupId cannot
  '/usr/share/maven-repo/org/jsr-305/jsr305/0.1-SNAPSHOT/jsr305-0.1-SNAPSHOT.jar': { purl: 'pkg:maven/jsr305/jsr305@0.1-SNAPSHOT', oracle: ['org.jsr-305:jsr305:0.1-SNAPSHOT'] },
};

let image: PolyglotImage;
const scans = new Map<string, Promise<Sbom>>();

/** Scans one archive of the polyglot image once, however many tests ask. */
function scan(kind: PolyglotArchiveKind | 'grown-oci-archive'): Promise<Sbom> {
  const known = scans.get(kind);
  if (known !== undefined) return known;
  const { archives, large } = image.description;
  const [scheme, file] = kind === 'grown-oci-archive' ? ['oci-archive', large.archives['oci-archive']] : [schemeOf(kind), archives[kind]];
  const started = performance.now();
  const result = generateSbom(`${scheme}:${path.join(image.dir, file)}`, { timestamp: TIMESTAMP }).then((sbom: Sbom) => {
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    console.log(`scanned polyglot ${kind} in ${seconds}s: ${sbom.packages.length} packages, ${sbom.warnings.length} warnings`);
    return sbom;
  });
  scans.set(kind, result);
  return result;
}

/** Packages with a location at `file`. */
function at(sbom: Sbom, file: string): Package[] {
  return sbom.packages.filter((pkg) => pkg.locations.some((location) => location.path === file));
}

/** Logs the differences of a comparison, so that a failure's cause is in the output. */
function compare(label: string, actual: string[], expected: string[]): void {
  const missing = expected.filter((entry) => !actual.includes(entry));
  const extra = actual.filter((entry) => !expected.includes(entry));
  console.log(`polyglot ${label}: ${actual.length} reported, ${expected.length} from the oracle${missing.length ? `; missing ${missing.join(', ')}` : ''}${extra.length ? `; extra ${extra.join(', ')}` : ''}`);
}

beforeAll(() => {
  const started = performance.now();
  image = loadPolyglotImage();
  console.log(`polyglot image ready in ${((performance.now() - started) / 1000).toFixed(1)}s (built in ${image.description.buildSeconds}s): ${image.dir}`);
});

describe('polyglot bookworm image against its oracles', () => {
  it('describes the image the archive holds', async () => {
    const sbom = await scan('oci-archive');
    expect(sbom.source.imageId).toBe(image.description.imageId);
    expect(sbom.source.layers.map((layer) => layer.diffID)).toEqual(image.description.layers.map((layer) => layer.diffID));
    expect(sbom.distro).toMatchObject({ id: 'debian', versionId: '12', codename: 'bookworm' });
  });

  it('reports exactly the installed deb packages dpkg-query lists', async () => {
    const sbom = await scan('oci-archive');
    const expected = dpkgExpected(image.dpkg);
    compare('deb', debActual(sbom), expected);
    expect(expected.length).toBeGreaterThan(150);
    expect(debActual(sbom)).toEqual(expected);
  });

  it('reports exactly the Python distributions the image\'s python3 finds', async () => {
    const sbom = await scan('oci-archive');
    const expected = pythonExpected(image.python);
    compare('python', pythonActual(sbom), expected);
    expect(expected.length).toBeGreaterThanOrEqual(5);
    expect(pythonActual(sbom)).toEqual(expected);
  });

  it('reports exactly the npm packages of npm ls --all --json in both projects', async () => {
    const sbom = await scan('oci-archive');
    const expected = npmExpectedAll(image.npm);
    compare('npm', npmActual(sbom), expected);
    expect(expected).toContain('esbuild@0.25.12');
    expect(npmActual(sbom)).toEqual(expected);
  });

  it('reports exactly the rpm packages rpm -qa lists (name, epoch:version-release, architecture)', async () => {
    const sbom = await scan('oci-archive');
    const expected = rpmExpected(image.rpm);
    compare('rpm', rpmActual(sbom), expected);
    expect(expected.some((row) => /^\S+ \d+:/.test(row))).toBe(true);
    expect(rpmActual(sbom)).toEqual(expected);
    for (const pkg of packagesOf(sbom, 'rpm')) {
      expect(pkg.locations.map((location) => location.path)).toEqual([`${image.description.rpmDbpath}/rpmdb.sqlite`]);
    }
  });

  it('reports exactly the Go modules go version -m finds in the executables, with their h1: hashes', async () => {
    const sbom = await scan('oci-archive');
    const expected = goExpected(image.go);
    compare('go', goActual(sbom), expected);
    expect(image.go.length).toBeGreaterThanOrEqual(8);
    expect(image.go.some((binary) => binary.deps.length > 0)).toBe(true);
    expect(goActual(sbom)).toEqual(expected);
    const go = packagesOf(sbom, 'go');
    for (const binary of image.go) {
      const main = goMainPath(binary);
      const found = go.find((pkg) => pkg.name === main);
      expect(found?.locations.map((location) => location.path), `${binary.file}`).toContain(binary.file);
      for (const dep of binary.deps) {
        const built = dep.replace ?? dep;
        expect(go.find((pkg) => pkg.name === built.path && pkg.version === built.version)?.metadata.h1Digest, built.path).toBe(built.sum);
      }
    }
  });

  it('reports the maven-repo coordinates of every Debian jar with Maven metadata, at the jar', async () => {
    const sbom = await scan('oci-archive');
    const java = packagesOf(sbom, 'java');
    const described = image.maven.filter((jar) => jar.mavenMetadata && jar.coordinates.length > 0);
    expect(described.length).toBeGreaterThanOrEqual(15);
    for (const { jar, coordinates } of described) {
      for (const purl of coordinates.map(mavenPurl)) {
        expect(java.find((pkg) => pkg.purl.startsWith(`${purl}`) && /^$|^[?#]/.test(pkg.purl.slice(purl.length)))?.locations.map((location) => location.path), purl).toContain(jar);
      }
    }
  });

  it('names the Debian jars without Maven metadata from their manifest and file name; the oracle knows them otherwise', async () => {
    const sbom = await scan('oci-archive');
    const without = image.maven.filter((jar) => !jar.mavenMetadata);
    expect(without.map((jar) => jar.jar).sort()).toEqual(Object.keys(WITHOUT_MAVEN_METADATA).sort());
    for (const { jar, coordinates } of without) {
      const expected = WITHOUT_MAVEN_METADATA[jar];
      expect(coordinates, jar).toEqual(expected?.oracle);
      expect(at(sbom, jar).map((pkg) => pkg.purl), jar).toEqual([expected?.purl]);
    }
  });

  // Debian links its jars under other names (/usr/share/java/<name>.jar, the maven-repo aliases);
  // like syft, sealkit reads a linked jar once, at its real path, so no link adds an identity.
  it('reports exactly those Java packages and the Spring Boot jar, with no extras', async () => {
    const sbom = await scan('oci-archive');
    const expected = javaExpected(image, Object.fromEntries(Object.entries(WITHOUT_MAVEN_METADATA).map(([jar, { purl }]) => [jar, purl])));
    compare('java', javaActual(sbom), expected);
    expect(javaActual(sbom)).toEqual(expected);
  });

  it('reports each jar nested in the Spring Boot jar once, at the Debian jar and inside the Spring Boot jar', async () => {
    const sbom = await scan('oci-archive');
    const { fatJar } = image.description;
    const bySource = new Map(image.maven.map((jar) => [jar.jar, jar.coordinates]));
    expect(fatJar.nested.length).toBeGreaterThanOrEqual(5);
    for (const { source, entry } of fatJar.nested) {
      const [coordinates] = bySource.get(source) ?? [];
      const matches = packagesOf(sbom, 'java').filter((pkg) => pkg.purl.startsWith(mavenPurl(coordinates ?? 'missing')));
      expect(matches, `${entry}`).toHaveLength(1);
      expect(matches[0]?.locations.map((location) => location.path)).toEqual(expect.arrayContaining([source, fatJar.path]));
    }
    const app = at(sbom, fatJar.path).find((pkg) => pkg.name === fatJar.artifact);
    expect(app?.purl).toBe(mavenPurl(`${fatJar.group}:${fatJar.artifact}:${fatJar.version}`));
  });

  it('reports exactly the gems RubyGems knows, each at the gemspec RubyGems loads it from', async () => {
    const sbom = await scan('oci-archive');
    const expected = gemsExpected(image.gems);
    compare('ruby', gemsActual(sbom), expected);
    expect(expected.length).toBeGreaterThanOrEqual(50);
    expect(gemsActual(sbom)).toEqual(expected);
    const ruby = packagesOf(sbom, 'ruby');
    for (const [name, version, loadedFrom] of image.gems) {
      const paths = ruby.filter((pkg) => pkg.name === name && pkg.version === version).flatMap((pkg) => pkg.locations.map((location) => location.path));
      expect(paths, `${name}@${version}`).toContain(loadedFrom);
    }
  });

  it('reports each package once: one component per purl, with every location', async () => {
    const sbom = await scan('oci-archive');
    const purls = sbom.packages.map((pkg) => pkg.purl);
    expect(purls.filter((purl, index) => purls.indexOf(purl) !== index)).toEqual([]);
    // esbuild's executable is in its platform package and copied into esbuild/bin by its installer
    const esbuild = packagesOf(sbom, 'go').find((pkg) => pkg.name === 'github.com/evanw/esbuild');
    expect(esbuild?.locations.map((location) => location.path)).toEqual(
      expect.arrayContaining(image.go.filter((binary) => goMainPath(binary) === 'github.com/evanw/esbuild').map((binary) => binary.file)),
    );
  });

  it('locates Debian\'s software in layer 1 and the applications in layer 2', async () => {
    const sbom = await scan('oci-archive');
    const [base, apps] = image.description.layers;
    const layersOf = (packages: Package[], path?: string) =>
      [...new Set(packages.flatMap((pkg) => pkg.locations.filter((l) => path === undefined || l.path === path).map((l) => l.layer)))].sort();
    for (const type of ['deb', 'python', 'ruby'] as const) expect(layersOf(packagesOf(sbom, type)), type).toEqual([base?.diffID]);
    for (const type of ['rpm', 'npm'] as const) expect(layersOf(packagesOf(sbom, type)), type).toEqual([apps?.diffID]);
    // Each location keeps the layer that put the package there: a jar nested in the fat jar is
    // in layer 2 at the fat jar's path, even when Debian installed the same jar in layer 1.
    const fatJar = image.description.fatJar.path;
    expect(layersOf(at(sbom, fatJar), fatJar)).toEqual([apps?.diffID]);
    expect(layersOf(at(sbom, '/usr/bin/skopeo'), '/usr/bin/skopeo')).toEqual([base?.diffID]);
    const esbuild = image.go.find((binary) => goMainPath(binary) === 'github.com/evanw/esbuild');
    expect(layersOf(at(sbom, esbuild?.file ?? 'no esbuild'), esbuild?.file)).toEqual([apps?.diffID]);
  });

  it('warns about nothing in an image made by Debian, rpm and npm', async () => {
    const sbom = await scan('oci-archive');
    expect(sbom.warnings).toEqual([]);
  });

  it.each(KINDS.filter((kind) => kind !== 'oci-archive'))('gives the same packages and relationships as %s', async (kind) => {
    const [sbom, reference] = await Promise.all([scan(kind), scan('oci-archive')]);
    expect(sbom.packages).toEqual(reference.packages);
    expect(sbom.relationships).toEqual(reference.relationships);
  });

  it('serializes every package to CycloneDX and SPDX, with dependency relationships in both', async () => {
    const sbom = await scan('oci-archive');
    const cyclonedx = JSON.parse(serializeSbom(sbom, 'cyclonedx-json')) as { components?: Array<{ purl?: string }>; dependencies?: Array<{ ref: string; dependsOn?: string[] }> };
    const spdx = JSON.parse(serializeSbom(sbom, 'spdx-json')) as {
      packages?: Array<{ externalRefs?: Array<{ referenceType: string; referenceLocator: string }> }>;
      relationships?: Array<{ relationshipType: string }>;
    };
    const purls = [...new Set(sbom.packages.map((pkg) => pkg.purl))].sort();
    const cyclonedxPurls = new Set((cyclonedx.components ?? []).map((component) => component.purl));
    const spdxPurls = new Set((spdx.packages ?? []).flatMap((pkg) => (pkg.externalRefs ?? []).filter((ref) => ref.referenceType === 'purl').map((ref) => ref.referenceLocator)));
    expect(purls.filter((purl) => !cyclonedxPurls.has(purl))).toEqual([]);
    expect(purls.filter((purl) => !spdxPurls.has(purl))).toEqual([]);
    expect(sbom.relationships.length).toBeGreaterThan(0);
    const edges = sbom.relationships.map((relationship) => `${relationship.from} ${relationship.type} ${relationship.to}`);
    expect(edges.filter((edge, index) => edges.indexOf(edge) !== index)).toEqual([]);
    const dependencies = cyclonedx.dependencies ?? [];
    expect(dependencies.some((dependency) => (dependency.dependsOn ?? []).length > 0)).toBe(true);
    const refs = dependencies.map((dependency) => dependency.ref);
    expect(refs.filter((ref, index) => refs.indexOf(ref) !== index)).toEqual([]);
    for (const dependency of dependencies) expect(new Set(dependency.dependsOn ?? []).size, dependency.ref).toBe((dependency.dependsOn ?? []).length);
    expect((spdx.relationships ?? []).some((relationship) => relationship.relationshipType === 'DEPENDS_ON')).toBe(true);
  });
});

describe('the polyglot image grown by a copy of /usr in one more layer', () => {
  it('gives the same packages, each found under the copy as well', async () => {
    const [sbom, reference] = await Promise.all([scan('grown-oci-archive'), scan('oci-archive')]);
    const { large } = image.description;
    expect(sbom.source.layers.map((layer) => layer.diffID)).toEqual(large.layers.map((layer) => layer.diffID));
    const names = (packages: Package[]) => packages.map((pkg) => `${pkg.purl}`).sort();
    expect(names(sbom.packages)).toEqual(names(reference.packages));
    const mirrored = packagesOf(sbom, 'java').filter((pkg) => pkg.locations.some((location) => location.path.startsWith(`${large.mirror}/usr/share/java/`)));
    expect(mirrored.length).toBeGreaterThanOrEqual(10);
    const skopeo = packagesOf(sbom, 'go').find((pkg) => pkg.name === 'github.com/containers/skopeo/cmd/skopeo');
    expect(skopeo?.locations.map((location) => location.path)).toEqual(expect.arrayContaining(['/usr/bin/skopeo', `${large.mirror}/usr/bin/skopeo`]));
  });
});
