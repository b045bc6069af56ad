/**
 * The peer sealkit is compared with: cdxgen, installed from the npm registry into a cache
 * folder outside the repository the first time it is needed.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The cdxgen release measured; pinned so that runs stay comparable. */
export const CDXGEN_VERSION = '12.8.4';

/**
 * Path of the cdxgen executable in `<cacheRoot>/cdxgen`, installing that version first when it is missing.
 * @param {string} cacheRoot
 */
export function ensureCdxgen(cacheRoot) {
  const prefix = path.join(cacheRoot, 'cdxgen');
  const manifest = path.join(prefix, 'node_modules', '@cyclonedx', 'cdxgen', 'package.json');
  const installed = existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : undefined;
  if (installed !== CDXGEN_VERSION) {
    mkdirSync(prefix, { recursive: true });
    const result = spawnSync('npm', ['--prefix', prefix, 'install', '--no-audit', '--no-fund', '--loglevel=error', `@cyclonedx/cdxgen@${CDXGEN_VERSION}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`npm could not install @cyclonedx/cdxgen@${CDXGEN_VERSION}:\n${result.stderr}`);
  }
  return path.join(prefix, 'node_modules', '.bin', 'cdxgen');
}

/** The environment cdxgen runs offline in: no license look-ups on registries. */
export function cdxgenEnv() {
  return { ...process.env, FETCH_LICENSE: 'false', CDXGEN_DEBUG_MODE: 'off' };
}
