/**
 * The bundled example image (fixtures/images/example.tar, the README's first scan) against
 * what dpkg-query, npm ls and importlib.metadata reported for its final root filesystem when
 * scripts/fixtures/make-example-image.sh made it (fixtures/images/example.oracle.json).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSbom } from '../../src/index.js';
import type { Sbom } from '../../src/sbom/model.js';
import {
  REPO,
  debActual,
  dpkgExpected,
  layersOf,
  npmActual,
  npmExpected,
  packagesOf,
  pythonActual,
  pythonExpected,
  type DpkgRow,
  type NpmLsNode,
} from './image-oracles.js';

interface ExampleOracle {
  imageId: string;
  platform: string;
  layers: Array<{ index: number; diffID: string }>;
  whiteout: { name: string; version: string; layer: string };
  dpkg: DpkgRow[];
  npm: NpmLsNode;
  python: Array<[string, string]>;
  pythonBase: Array<[string, string]>;
}

const ARCHIVE = path.join(REPO, 'fixtures/images/example.tar');
const oracle = JSON.parse(readFileSync(path.join(REPO, 'fixtures/images/example.oracle.json'), 'utf8')) as ExampleOracle;

describe('the bundled example image', () => {
  let squashed: Sbom;
  let allLayers: Sbom;

  beforeAll(async () => {
    squashed = await generateSbom(`docker-archive:${ARCHIVE}`, { timestamp: 0 });
    allLayers = await generateSbom(ARCHIVE, { scope: 'all-layers', timestamp: 0 });
  });

  it('stays small enough to ship in the repository', () => {
    expect(statSync(ARCHIVE).size).toBeLessThan(300 * 1024);
  });

  it('is read as the two-layer image it is', () => {
    expect(squashed.source).toMatchObject({ kind: 'image', scheme: 'docker-archive', imageId: oracle.imageId, platform: oracle.platform });
    expect(squashed.source.layers.map((layer) => layer.diffID)).toEqual(oracle.layers.map((layer) => layer.diffID));
    expect(allLayers.source.scheme).toBe('docker-archive');
    expect(squashed.distro).toMatchObject({ id: 'debian', versionId: '12', codename: 'bookworm' });
  });

  it('holds the packages the ecosystems’ own tools list', () => {
    const counts = {
      deb: [debActual(squashed).length, dpkgExpected(oracle.dpkg).length],
      npm: [npmActual(squashed).length, npmExpected(oracle.npm).length],
      python: [pythonActual(squashed).length, pythonExpected(oracle.python).length],
    };
    console.log(`example image (reported, oracle): ${JSON.stringify(counts)}`);
    expect(debActual(squashed)).toEqual(dpkgExpected(oracle.dpkg));
    expect(npmActual(squashed)).toEqual(npmExpected(oracle.npm));
    expect(pythonActual(squashed)).toEqual(pythonExpected(oracle.python));
    expect(npmExpected(oracle.npm).length).toBeGreaterThanOrEqual(5);
  });

  it('honours the whiteout in squashed scope and shows the removed distribution in all-layers scope', () => {
    const removed = (sbom: Sbom) => packagesOf(sbom, 'python').filter((pkg) => pkg.name === oracle.whiteout.name);
    expect(removed(squashed)).toEqual([]);
    expect(removed(allLayers).map((pkg) => pkg.version)).toEqual([oracle.whiteout.version]);
    expect(layersOf(removed(allLayers))).toEqual(new Set([oracle.layers[0]?.diffID]));
    expect(pythonActual(allLayers)).toEqual(pythonExpected(oracle.python, oracle.pythonBase));
  });

  it('locates npm packages in layer 2 and deb packages in layer 1', () => {
    expect(layersOf(packagesOf(squashed, 'npm'))).toEqual(new Set([oracle.layers[1]?.diffID]));
    expect(layersOf(packagesOf(squashed, 'deb'))).toEqual(new Set([oracle.layers[0]?.diffID]));
  });
});
