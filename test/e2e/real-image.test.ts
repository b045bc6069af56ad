/**
 * sealkit against a real Debian bookworm image made by mmdebstrap, npm ci, umoci and skopeo
 * (scripts/image/build-real-image.mjs), in every archive form, compared with the ecosystems'
 * own tools run on the image's final root filesystem: dpkg-query, `npm ls --all --json`, and
 * the distributions the image's python3 finds with importlib.metadata.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSbom, serializeSbom } from '../../src/index.js';
import type { Sbom, Scope } from '../../src/sbom/model.js';
import {
  REPO,
  debActual,
  dpkgExpected,
  layersOf,
  loadRealImage,
  npmActual,
  npmExpected,
  packagesOf,
  pythonActual,
  pythonExpected,
  schemeOf,
  sourceOf,
  type ArchiveKind,
  type RealImage,
} from './image-oracles.js';

const KINDS: readonly ArchiveKind[] = ['oci-archive', 'docker-archive', 'docker-archive-gzip', 'oci-archive-zstd', 'oci-dir'];
const TIMESTAMP = '2025-01-01T00:00:00Z';

let image: RealImage;
const scans = new Map<string, Promise<Sbom>>();
let scratch: string;

/** Scans one archive of the real image once per scope, however many tests ask. */
function scan(kind: ArchiveKind, scope: Scope): Promise<Sbom> {
  const key = `${kind} ${scope}`;
  const known = scans.get(key);
  if (known !== undefined) return known;
  const file = path.join(image.dir, image.description.archives[kind]);
  const started = performance.now();
  const result = generateSbom(sourceOf(kind, file), { scope, timestamp: TIMESTAMP }).then((sbom: Sbom) => {
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    console.log(`scanned ${key} in ${seconds}s: ${sbom.packages.length} packages, ${sbom.warnings.length} warnings`);
    return sbom;
  });
  scans.set(key, result);
  return result;
}

beforeAll(() => {
  const started = performance.now();
  image = loadRealImage();
  console.log(`real image ready in ${((performance.now() - started) / 1000).toFixed(1)}s (built in ${image.description.buildSeconds}s): ${image.dir}`);
  scratch = mkdtempSync(path.join(os.tmpdir(), 'sealkit-e2e-'));
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe.each(KINDS)('real bookworm image as %s', (kind) => {
  it('describes the image the archive holds', async () => {
    const sbom = await scan(kind, 'squashed');
    const { description } = image;
    expect(sbom.source.kind).toBe('image');
    expect(sbom.source.scheme).toBe(schemeOf(kind));
    expect(sbom.source.imageId).toBe(description.imageId);
    expect(sbom.source.platform).toBe(description.platform);
    expect(sbom.source.layers.map((layer) => layer.diffID)).toEqual(description.layers.map((layer) => layer.diffID));
    expect(sbom.distro).toMatchObject({ id: 'debian', versionId: '12', codename: 'bookworm' });
  });

  it('reports exactly the installed deb packages dpkg-query lists (name, version, architecture)', async () => {
    const sbom = await scan(kind, 'squashed');
    const expected = dpkgExpected(image.dpkg);
    const actual = debActual(sbom);
    console.log(`${kind}: deb ${actual.length} reported, ${expected.length} from dpkg-query`);
    expect(expected.length).toBeGreaterThan(100);
    expect(actual).toEqual(expected);
  });

  it('reports exactly the npm packages of npm ls --all --json', async () => {
    const sbom = await scan(kind, 'squashed');
    const expected = npmExpected(image.npm);
    const actual = npmActual(sbom);
    console.log(`${kind}: npm ${actual.length} reported, ${expected.length} from npm ls`);
    expect(expected.length).toBeGreaterThanOrEqual(50);
    expect(expected.some((entry) => entry.startsWith('@'))).toBe(true);
    expect(actual).toEqual(expected);
  });

  it('reports exactly the Python distributions importlib.metadata finds, without the whited-out one', async () => {
    const sbom = await scan(kind, 'squashed');
    const expected = pythonExpected(image.python);
    const actual = pythonActual(sbom);
    console.log(`${kind}: python ${actual.length} reported, ${expected.length} from importlib.metadata`);
    expect(expected.length).toBeGreaterThanOrEqual(5);
    expect(actual).toEqual(expected);
    expect(actual).not.toContain(`${image.description.whiteout.name} ${image.description.whiteout.version}`);
  });

  it('locates every package in a layer of the image: deb and Python in layer 1, npm in layer 2', async () => {
    const sbom = await scan(kind, 'squashed');
    const [base, app] = image.description.layers;
    const diffIDs = new Set(image.description.layers.map((layer) => layer.diffID));
    for (const pkg of sbom.packages) {
      expect(pkg.locations.length, pkg.purl).toBeGreaterThan(0);
      for (const location of pkg.locations) expect(diffIDs.has(location.layer ?? ''), `${pkg.purl} ${location.path}`).toBe(true);
    }
    expect(layersOf(packagesOf(sbom, 'deb'))).toEqual(new Set([base?.diffID]));
    expect(layersOf(packagesOf(sbom, 'python'))).toEqual(new Set([base?.diffID]));
    expect(layersOf(packagesOf(sbom, 'npm'))).toEqual(new Set([app?.diffID]));
    for (const pkg of packagesOf(sbom, 'npm')) {
      for (const location of pkg.locations) expect(location.path.startsWith('/app/node_modules/'), location.path).toBe(true);
    }
  });

  it('reports the whited-out distribution, from layer 1, in all-layers scope only', async () => {
    const sbom = await scan(kind, 'all-layers');
    const { whiteout, layers } = image.description;
    expect(sbom.scope).toBe('all-layers');
    const python = pythonActual(sbom);
    console.log(`${kind}: all-layers python ${python.length} reported, ${pythonExpected(image.python, image.pythonBase).length} expected`);
    expect(python).toEqual(pythonExpected(image.python, image.pythonBase));
    const removed = packagesOf(sbom, 'python').filter((pkg) => pkg.name === whiteout.name && pkg.version === whiteout.version);
    expect(removed).toHaveLength(1);
    expect(layersOf(removed)).toEqual(new Set([layers[0]?.diffID]));
    expect(debActual(sbom)).toEqual(dpkgExpected(image.dpkg));
    expect(npmActual(sbom)).toEqual(npmExpected(image.npm));
  });

  it('gives the same packages as the OCI archive of the same image', async () => {
    const [sbom, reference] = await Promise.all([scan(kind, 'squashed'), scan('oci-archive', 'squashed')]);
    expect(sbom.packages).toEqual(reference.packages);
    expect(sbom.relationships).toEqual(reference.relationships);
  });
});

describe('documents of the real image', () => {
  const purls = (sbom: Sbom) => [...new Set(sbom.packages.map((pkg) => pkg.purl))].sort();

  function cyclonedxPurls(document: { components?: Array<{ purl?: string; components?: unknown[] }> }): string[] {
    const found = new Set<string>();
    const visit = (components: Array<{ purl?: string; components?: unknown[] }> | undefined): void => {
      for (const component of components ?? []) {
        if (component.purl) found.add(component.purl);
        visit(component.components as typeof components);
      }
    };
    visit(document.components);
    return [...found].sort();
  }

  function spdxPurls(document: { packages?: Array<{ externalRefs?: Array<{ referenceType: string; referenceLocator: string }> }> }): string[] {
    const found = new Set<string>();
    for (const pkg of document.packages ?? []) {
      for (const ref of pkg.externalRefs ?? []) if (ref.referenceType === 'purl') found.add(ref.referenceLocator);
    }
    return [...found].sort();
  }

  it('serializes to CycloneDX and SPDX holding every package', async () => {
    const sbom = await scan('oci-archive', 'squashed');
    const cyclonedx = JSON.parse(serializeSbom(sbom, 'cyclonedx-json'));
    const spdx = JSON.parse(serializeSbom(sbom, 'spdx-json'));
    console.log(`documents: ${sbom.packages.length} packages; CycloneDX ${cyclonedxPurls(cyclonedx).length} purls, SPDX ${spdxPurls(spdx).length} purls`);
    expect(cyclonedx.bomFormat).toBe('CycloneDX');
    expect(spdx.spdxVersion).toBe('SPDX-2.3');
    expect(cyclonedxPurls(cyclonedx)).toEqual(expect.arrayContaining(purls(sbom)));
    expect(spdxPurls(spdx)).toEqual(expect.arrayContaining(purls(sbom)));
  });

  it.each(['cyclonedx-json', 'spdx-json'] as const)('writes %s from the CLI', async (format) => {
    const cli = path.join(REPO, 'bin/sealkit.js');
    expect(existsSync(path.join(REPO, 'dist/cli/main.js')), 'the CLI runs from dist/: run `npm run build` first').toBe(true);
    const output = path.join(scratch, `image.${format}.json`);
    const archive = path.join(image.dir, image.description.archives['oci-archive']);
    execFileSync(process.execPath, [cli, 'sbom', `oci-archive:${archive}`, '--format', format, '--output', output], {
      env: { ...process.env, SOURCE_DATE_EPOCH: '1735689600' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const document = JSON.parse(readFileSync(output, 'utf8'));
    const sbom = await scan('oci-archive', 'squashed');
    const found = format === 'spdx-json' ? spdxPurls(document) : cyclonedxPurls(document);
    expect(found).toEqual(expect.arrayContaining(purls(sbom)));
  });
});

describe('the real image with a large extra layer of incompressible data', () => {
  it.each(['oci-archive', 'docker-archive'] as const)('as %s gives the packages of the image without it', async (kind) => {
    const { large } = image.description;
    const file = path.join(image.dir, large.archives[kind]);
    const [sbom, reference] = await Promise.all([
      generateSbom(`${kind}:${file}`, { timestamp: TIMESTAMP }),
      scan('oci-archive', 'squashed'),
    ]);
    expect(sbom.source.layers.map((layer) => layer.diffID)).toEqual(large.layers.map((layer) => layer.diffID));
    expect(sbom.packages).toEqual(reference.packages);
  });
});
