import { copyFile, cp, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { yarnLockCataloger } from '../../src/sbom/catalog/javascript/yarn-lock.js';
import { npmLockfileCataloger } from '../../src/sbom/catalog/npm-lockfile.js';
import { generateSbom, generateSbomWith } from '../../src/sbom/generate.js';
import type { Sbom } from '../../src/sbom/model.js';
import { tempDir } from '../support/image-builder.js';

const NPM_V2 = 'fixtures/catalog/npm-lockfiles/v2/package-lock.json';

/**
 * The npm packages of a lockfile v2/v3 read with JSON.parse alone: `name@version` of every
 * `packages` entry with a version installed under `node_modules` (not the root, not a
 * workspace's own folder, not links), dev when every entry of that name and version is `dev` or
 * `devOptional`.
 */
async function npmOracle(path: string): Promise<Map<string, boolean>> {
  const lock = JSON.parse(await readFile(path, 'utf8')) as { packages: Record<string, { name?: string; version?: string; link?: boolean; dev?: boolean; devOptional?: boolean }> };
  const dev = new Map<string, boolean>();
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.includes('node_modules/') || entry.link === true || entry.version === undefined) continue;
    const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const id = `${name}@${entry.version}`;
    dev.set(id, (dev.get(id) ?? true) && (entry.dev === true || entry.devOptional === true));
  }
  return dev;
}

const nameAtVersion = (sbom: Sbom) => sbom.packages.map((p) => `${p.name}@${p.version}`).sort();

describe('generateSbom on npm lockfiles', () => {
  it('excludeDev through the npm lockfile cataloger: the packages left are the lockfile\'s non-dev ones, no relationship dangles', async () => {
    const oracle = await npmOracle(NPM_V2);
    const devOnes = [...oracle].filter(([, dev]) => dev).map(([id]) => id);
    expect(devOnes.length).toBeGreaterThan(0);
    const all = await generateSbom(`lockfile:${NPM_V2}`, { timestamp: 0 });
    expect(nameAtVersion(all)).toEqual([...oracle.keys()].sort());
    expect(all.packages.filter((p) => p.dev === true).map((p) => `${p.name}@${p.version}`).sort()).toEqual(devOnes.sort());
    const kept = await generateSbom(`lockfile:${NPM_V2}`, { timestamp: 0, excludeDev: true });
    expect(nameAtVersion(kept)).toEqual([...oracle].filter(([, dev]) => !dev).map(([id]) => id).sort());
    const known = new Set([...kept.packages.map((p) => p.id), ...(kept.projects ?? []).map((p) => p.id)]);
    for (const r of kept.relationships) expect([known.has(r.from), known.has(r.to)]).toEqual([true, true]);
    expect(kept.warnings).toEqual(all.warnings);
  });

  it('dir: with a package-lock.json and a yarn.lock of two sub-projects gives one SBOM with both projects', async () => {
    const root = await tempDir();
    try {
      await mkdir(join(root, 'api'));
      await copyFile(NPM_V2, join(root, 'api/package-lock.json'));
      await cp('fixtures/catalog/javascript/yarn-v1', join(root, 'web'), { recursive: true });
      const registry = [npmLockfileCataloger, yarnLockCataloger];
      const sbom = await generateSbomWith(registry, `dir:${root}`, { timestamp: 0 });
      const api = await generateSbomWith(registry, `lockfile:${join(root, 'api/package-lock.json')}`, { timestamp: 0 });
      const web = await generateSbomWith(registry, `dir:${join(root, 'web')}`, { timestamp: 0 });
      const folders = (sbom.projects ?? []).flatMap((p) => p.locations.map((l) => l.path.split('/')[1]));
      expect(new Set(folders)).toEqual(new Set(['api', 'web']));
      expect(new Set(nameAtVersion(sbom))).toEqual(new Set([...nameAtVersion(api), ...nameAtVersion(web)]));
      // a package both lock keeps both locations
      const both = sbom.packages.filter((p) => p.locations.some((l) => l.path === '/api/package-lock.json') && p.locations.some((l) => l.path === '/web/yarn.lock'));
      expect(both.length).toBeGreaterThan(0);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

});
