#!/usr/bin/env node
/**
 * Refreshes the trust material embedded in sealkit (src/verify/trust/embedded/): the Sigstore
 * public-good trusted root and the npm registry's signing keys.
 *
 *   node scripts/trust/refresh-embedded-trust.mjs            # from @sigstore/tuf's seeds (offline)
 *   node scripts/trust/refresh-embedded-trust.mjs --online   # from the TUF repository, verified by TUF
 *
 * The seeds are the TUF targets that the installed @sigstore/tuf ships, already checked by its
 * maintainers against the signed TUF metadata; --online runs a TUF update from
 * https://tuf-repo-cdn.sigstore.dev, which checks every signature and expiry on the way. Either
 * way the script records where the material came from and when, and a reviewer diffs the result.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIRROR = 'https://tuf-repo-cdn.sigstore.dev';
const TRUSTED_ROOT = 'trusted_root.json';
const NPM_KEYS = 'registry.npmjs.org%2Fkeys.json';
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '../../src/verify/trust/embedded');
const require = createRequire(join(here, '../../package.json'));

const online = process.argv.includes('--online');
const tufPackage = require('@sigstore/tuf/package.json');
let targets;
let source;
if (online) {
  const { initTUF } = require('@sigstore/tuf');
  const cachePath = mkdtempSync(join(tmpdir(), 'sealkit-tuf-'));
  try {
    const tuf = await initTUF({ mirrorURL: MIRROR, cachePath, forceInit: true });
    targets = { [TRUSTED_ROOT]: await tuf.getTarget(TRUSTED_ROOT), [NPM_KEYS]: await tuf.getTarget(NPM_KEYS) };
    const root = JSON.parse(readFileSync(join(cachePath, 'root.json'), 'utf8'));
    source = { method: `TUF update from ${MIRROR}`, tufRootVersion: root.signed.version };
  } finally {
    rmSync(cachePath, { recursive: true, force: true });
  }
} else {
  const seed = require('@sigstore/tuf/seeds.json')[MIRROR];
  const decode = (name) => Buffer.from(seed.targets[name], 'base64').toString('utf8');
  targets = { [TRUSTED_ROOT]: decode(TRUSTED_ROOT), [NPM_KEYS]: decode(NPM_KEYS) };
  const root = JSON.parse(Buffer.from(seed['root.json'], 'base64').toString('utf8'));
  source = { method: `seeds.json of @sigstore/tuf ${tufPackage.version} (TUF repository ${MIRROR})`, tufRootVersion: root.signed.version };
}

const trustedRoot = JSON.parse(targets[TRUSTED_ROOT]);
const npmKeys = JSON.parse(targets[NPM_KEYS]);
if (!String(trustedRoot.mediaType).startsWith('application/vnd.dev.sigstore.trustedroot')) throw new Error('not a trusted root');
if (!Array.isArray(npmKeys.keys)) throw new Error('not an npm keys document');

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const write = (name, value) => writeFileSync(join(out, name), `${JSON.stringify(value, null, 2)}\n`);
write('public-good-trusted-root.json', trustedRoot);
write('npm-registry-keys.json', npmKeys);
write('source.json', {
  takenAt: new Date().toISOString().slice(0, 10),
  ...source,
  targets: {
    [TRUSTED_ROOT]: { file: 'public-good-trusted-root.json', sha256: sha256(targets[TRUSTED_ROOT]) },
    [NPM_KEYS]: { file: 'npm-registry-keys.json', sha256: sha256(targets[NPM_KEYS]) },
  },
});
console.log(`wrote ${out} (${source.method}, TUF root v${source.tufRootVersion})`);
