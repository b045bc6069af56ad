/**
 * Reading the real test images and their oracles (what dpkg-query, npm ls and the image's own
 * python3 reported), and turning both them and an {@link Sbom} into comparable sorted lists.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Package, Sbom } from '../../src/sbom/model.js';

/** The repository root. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** One row of `dpkg-query -W -f '${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\n'`. */
export interface DpkgRow {
  status: string;
  name: string;
  version: string;
  arch: string;
}

/** A node of `npm ls --all --json`. */
export interface NpmLsNode {
  name?: string;
  version?: string;
  dependencies?: Record<string, NpmLsNode>;
}

/** A layer as scripts/image/build-real-image.mjs records it in image.json. */
export interface ImageLayer {
  index: number;
  diffID: string;
  digest: string;
  mediaType: string;
  size: number;
  createdBy?: string;
}

/** The sources of one image: how sealkit is told to read each file, by source scheme. */
export type ArchiveKind = 'docker-archive' | 'docker-archive-gzip' | 'oci-archive' | 'oci-archive-zstd' | 'oci-dir';

/** image.json, written by scripts/image/build-real-image.mjs beside the images. */
export interface RealImageDescription {
  imageId: string;
  platform: string;
  layers: ImageLayer[];
  archives: Record<ArchiveKind, string>;
  whiteout: { path: string; name: string; version: string; layer: string };
  oracles: { dpkg: string; npm: string; python: string; pythonBase: string };
  large: { imageId: string; layers: ImageLayer[]; archives: { 'oci-archive': string; 'docker-archive': string } };
  buildSeconds: number;
}

/** The real image, its folder and its oracles. */
export interface RealImage {
  dir: string;
  description: RealImageDescription;
  dpkg: DpkgRow[];
  npm: NpmLsNode;
  python: Array<[string, string]>;
  pythonBase: Array<[string, string]>;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/**
 * Builds the real image with scripts/image/build-real-image.mjs, or reuses its cache, and
 * reads its description and oracles.
 */
export function loadRealImage(): RealImage {
  const dir = execFileSync(process.execPath, [path.join(REPO, 'scripts/image/build-real-image.mjs')], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1024 * 1024,
  }).trim();
  const description = readJson<RealImageDescription>(path.join(dir, 'image.json'));
  return {
    dir,
    description,
    dpkg: readJson(path.join(dir, description.oracles.dpkg)),
    npm: readJson(path.join(dir, description.oracles.npm)),
    python: readJson(path.join(dir, description.oracles.python)),
    pythonBase: readJson(path.join(dir, description.oracles.pythonBase)),
  };
}

/** The source scheme sealkit reads an archive of `kind` with. */
export function schemeOf(kind: ArchiveKind): 'docker-archive' | 'oci-archive' | 'oci-dir' {
  return kind === 'docker-archive-gzip' ? 'docker-archive' : kind === 'oci-archive-zstd' ? 'oci-archive' : kind;
}

/** The source string sealkit reads an archive of `kind` from. */
export function sourceOf(kind: ArchiveKind, file: string): string {
  return `${schemeOf(kind)}:${file}`;
}

/** PEP 503 normalized project name. */
export function pep503(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** `name version arch` of every installed package (status `ii`) dpkg-query listed, sorted. */
export function dpkgExpected(rows: readonly DpkgRow[]): string[] {
  return rows.filter((row) => row.status.startsWith('ii')).map((row) => `${row.name} ${row.version} ${row.arch}`).sort();
}

/** `name@version` of every package of an `npm ls --all --json` tree, the root project excluded, sorted. */
export function npmExpected(tree: NpmLsNode): string[] {
  const seen = new Set<string>();
  const visit = (dependencies: Record<string, NpmLsNode> | undefined): void => {
    for (const [name, node] of Object.entries(dependencies ?? {})) {
      if (node.version !== undefined) seen.add(`${name}@${node.version}`);
      visit(node.dependencies);
    }
  };
  visit(tree.dependencies);
  return [...seen].sort();
}

/** `normalized-name version` of importlib.metadata's distributions, without duplicates, sorted. */
export function pythonExpected(...lists: ReadonlyArray<ReadonlyArray<readonly [string, string]>>): string[] {
  return [...new Set(lists.flat().map(([name, version]) => `${pep503(name)} ${version}`))].sort();
}

/** The packages of `sbom` of one type. */
export function packagesOf(sbom: Sbom, type: Package['type']): Package[] {
  return sbom.packages.filter((pkg) => pkg.type === type);
}

/** The same projections of an SBOM, sorted and without duplicates. */
export function debActual(sbom: Sbom): string[] {
  return unique(packagesOf(sbom, 'deb').map((pkg) => `${pkg.name} ${pkg.version} ${pkg.metadata.architecture ?? pkg.metadata.arch ?? ''}`));
}

/** `name@version` of the npm packages of `sbom`. */
export function npmActual(sbom: Sbom): string[] {
  return unique(packagesOf(sbom, 'npm').map((pkg) => `${pkg.name}@${pkg.version}`));
}

/** `normalized-name version` of the Python packages of `sbom`. */
export function pythonActual(sbom: Sbom): string[] {
  return unique(packagesOf(sbom, 'python').map((pkg) => `${pep503(pkg.name)} ${pkg.version}`));
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort();
}

/** Every layer diffID the locations of `packages` name (`undefined` when a location has none). */
export function layersOf(packages: readonly Package[]): Set<string | undefined> {
  return new Set(packages.flatMap((pkg) => pkg.locations.map((location) => location.layer)));
}
