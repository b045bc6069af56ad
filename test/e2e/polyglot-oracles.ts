/**
 * Reading the polyglot image (scripts/image/build-polyglot-image.mjs) and its oracles, and turning
 * the oracles of rpm, Go, Java and Ruby and the packages of an {@link Sbom} into comparable sorted
 * lists. deb, npm and Python go through image-oracles.ts, as for the first real image.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Sbom } from '../../src/sbom/model.js';
import { expectedDependencies, parseGoVersionOutput, type GoVersionOracle } from '../sbom/catalog/golang/go-version-oracle.js';
import { REPO, packagesOf, type DpkgRow, type ImageLayer, type NpmLsNode } from './image-oracles.js';

/** The archive forms the polyglot image is written in. */
export type PolyglotArchiveKind = 'docker-archive' | 'docker-archive-gzip' | 'oci-archive';

/** One jar of the image and the coordinates of the maven-repo poms that name it. */
export interface MavenRepoJar {
  jar: string;
  coordinates: string[];
  /** Whether the jar holds a `pom.properties` under `META-INF/maven`. */
  mavenMetadata: boolean;
}

/** image.json of the polyglot image. */
export interface PolyglotImageDescription {
  imageId: string;
  platform: string;
  layers: Array<ImageLayer & { role: string }>;
  npmProjects: string[];
  rpmDbpath: string;
  rpmInstalledForReal: string;
  fatJar: { path: string; group: string; artifact: string; version: string; nested: Array<{ source: string; entry: string }> };
  archives: Record<PolyglotArchiveKind, string>;
  oracles: Record<'dpkg' | 'npm' | 'python' | 'rpm' | 'go' | 'gems' | 'maven', string>;
  large: { mirror: string; imageId: string; layers: ImageLayer[]; archives: { 'oci-archive': string; 'docker-archive': string } };
  buildSeconds: number;
}

/** The polyglot image, its folder and its oracles. */
export interface PolyglotImage {
  dir: string;
  description: PolyglotImageDescription;
  dpkg: DpkgRow[];
  /** `npm ls --all --json` by project folder. */
  npm: Record<string, NpmLsNode>;
  python: Array<[string, string]>;
  /** `rpm -qa --qf '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n'`. */
  rpm: string;
  /** `go version -m` on every executable ELF file, root prefix removed. */
  go: GoVersionOracle[];
  /** `[name, version, loaded_from]` of every `Gem::Specification`. */
  gems: Array<[string, string, string]>;
  maven: MavenRepoJar[];
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Builds the polyglot image, or reuses its cache, and reads its description and oracles. */
export function loadPolyglotImage(): PolyglotImage {
  const dir = execFileSync(process.execPath, [path.join(REPO, 'scripts/image/build-polyglot-image.mjs')], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1024 * 1024,
  }).trim();
  const description = readJson<PolyglotImageDescription>(path.join(dir, 'image.json'));
  const at = (name: keyof PolyglotImageDescription['oracles']) => path.join(dir, description.oracles[name]);
  return {
    dir,
    description,
    dpkg: readJson(at('dpkg')),
    npm: readJson(at('npm')),
    python: readJson(at('python')),
    rpm: readFileSync(at('rpm'), 'utf8'),
    go: parseGoVersionOutput(readFileSync(at('go'), 'utf8')),
    gems: readJson(at('gems')),
    maven: readJson(at('maven')),
  };
}

function unique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** `name [epoch:]version-release arch` of every row of `rpm -qa`. */
export function rpmExpected(rows: string): string[] {
  return unique(
    rows
      .split('\n')
      .filter(Boolean)
      .map((row) => {
        const [name, epoch, version, release, arch] = row.split('\t');
        return `${name} ${epoch === '(none)' ? '' : `${epoch}:`}${version}-${release} ${arch}`;
      }),
  );
}

/** The same projection of the rpm packages of `sbom`. */
export function rpmActual(sbom: Sbom): string[] {
  return unique(packagesOf(sbom, 'rpm').map((pkg) => `${pkg.name} ${pkg.version} ${String(pkg.metadata.architecture ?? '(none)')}`));
}

/** The module path a binary's main package is reported under, as the go-binary cataloger's tests decide it. */
export function goMainPath(binary: GoVersionOracle): string | undefined {
  if (binary.main !== undefined && binary.main.path !== 'command-line-arguments') return binary.main.path;
  return binary.path !== undefined && binary.path !== 'command-line-arguments' ? binary.path : undefined;
}

/**
 * The version of a main module Go recorded as `(devel)`: the pseudo-version Go's module reference
 * defines for a commit (`v0.0.0-<UTC yyyymmddhhmmss>-<12 hex of the revision>`), from the
 * `vcs.time` and `vcs.revision` build settings, or none without them. An `-ldflags -X` version
 * stamp is not interpreted here; the binaries of the image have none.
 */
function develVersion(binary: GoVersionOracle): string {
  if (binary.settings.has('-ldflags')) throw new Error(`${binary.file}: a (devel) main module built with -ldflags is not interpreted by this oracle`);
  const revision = binary.settings.get('vcs.revision');
  const time = binary.settings.get('vcs.time');
  if (revision === undefined || time === undefined) return '';
  return `v0.0.0-${new Date(time).toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${revision.slice(0, 12)}`;
}

/**
 * `name@version` of every module of every Go executable: the dependencies as built (replacements
 * applied), `stdlib` at the toolchain's version, and the main module (a GOPATH build names only
 * its package, unversioned; see {@link develVersion} for `(devel)`).
 */
export function goExpected(binaries: readonly GoVersionOracle[]): string[] {
  return unique(
    binaries.flatMap((binary) => {
      const main = goMainPath(binary);
      const version = binary.main === undefined ? '' : binary.main.version === '(devel)' ? develVersion(binary) : binary.main.version;
      return [...expectedDependencies(binary), ...(main === undefined ? [] : [`${main}@${version}`])];
    }),
  );
}

/** `name@version` of the Go packages of `sbom`. */
export function goActual(sbom: Sbom): string[] {
  return unique(packagesOf(sbom, 'go').map((pkg) => `${pkg.name}@${pkg.version}`));
}

/** `pkg:maven/group/artifact@version` of Maven coordinates `group:artifact:version`. */
export function mavenPurl(coordinates: string): string {
  const [group, artifact, version] = coordinates.split(':');
  return `pkg:maven/${group}/${artifact}@${version}`;
}

/**
 * The purls of the image's Java archives: the maven-repo coordinates of each Debian jar that holds
 * Maven metadata, `withoutMetadata[jar]` for each that does not (a scanner can only name those
 * from their manifest and file name), and the Spring Boot jar's own coordinates.
 */
export function javaExpected(image: PolyglotImage, withoutMetadata: Readonly<Record<string, string>>): string[] {
  const { fatJar } = image.description;
  return unique([
    ...image.maven.filter((jar) => jar.mavenMetadata).flatMap((jar) => jar.coordinates.map(mavenPurl)),
    ...image.maven.filter((jar) => !jar.mavenMetadata && jar.jar !== fatJar.path).map((jar) => withoutMetadata[jar.jar] ?? `no entry for ${jar.jar}`),
    mavenPurl(`${fatJar.group}:${fatJar.artifact}:${fatJar.version}`),
  ]);
}

/** The purls of the Java packages of `sbom`, qualifiers dropped. */
export function javaActual(sbom: Sbom): string[] {
  return unique(packagesOf(sbom, 'java').map((pkg) => (pkg.purl ?? '').replace(/[?#].*$/, '')));
}

/** `name@version` of every gem RubyGems knows. */
export function gemsExpected(gems: ReadonlyArray<readonly [string, string, string]>): string[] {
  return unique(gems.map(([name, version]) => `${name}@${version}`));
}

/** `name@version` of the Ruby packages of `sbom`. */
export function gemsActual(sbom: Sbom): string[] {
  return unique(packagesOf(sbom, 'ruby').map((pkg) => `${pkg.name}@${pkg.version}`));
}

/** `name@version` of every package of the `npm ls --all --json` trees, root projects excluded. */
export function npmExpectedAll(trees: Record<string, NpmLsNode>): string[] {
  const seen = new Set<string>();
  const visit = (dependencies: Record<string, NpmLsNode> | undefined): void => {
    for (const [name, node] of Object.entries(dependencies ?? {})) {
      if (node.version !== undefined) seen.add(`${name}@${node.version}`);
      visit(node.dependencies);
    }
  };
  for (const tree of Object.values(trees)) visit(tree.dependencies);
  return [...seen].sort();
}
