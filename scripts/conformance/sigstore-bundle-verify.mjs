#!/usr/bin/env node
/**
 * Drives `sealkit verify-bundle` over every case of the Sigstore client conformance suite's
 * bundle-verify assets, twice per case: with the artifact file and with only its digest. A case
 * named `*_fail` must exit non-zero, every other case zero. Prints one line per mismatch and a
 * count; exits 1 when any case misbehaves.
 *
 *   node scripts/conformance/sigstore-bundle-verify.mjs [assets-dir]   (after npm run build)
 *
 * The assets (`bundle-verify/<case>/`) hold `bundle.sigstore.json` and optionally `artifact`
 * (else `../a.txt`), `identity`, `issuer`, `key.pub` and `trusted_root.json`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const sealkit = join(here, '../../bin/sealkit.js');
const assets = process.argv[2] ?? process.env.SEALKIT_CONFORMANCE_ASSETS ?? join(here, '../../../shared/corpus/sigstore-conformance/bundle-verify');
const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';
const PARALLEL = 4;

if (!existsSync(assets)) {
  console.error(`conformance assets not found at ${assets}`);
  process.exit(2);
}
if (!existsSync(join(here, '../../dist/index.js'))) {
  console.error('dist/ is missing: run npm run build first');
  process.exit(2);
}

const cases = readdirSync(assets)
  .filter((name) => statSync(join(assets, name)).isDirectory())
  .sort();

/** The argument list of one run, as the conformance suite builds it. */
function argumentsFor(name, mode) {
  const dir = join(assets, name);
  const read = (file) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8').trim() : undefined);
  const artifact = existsSync(join(dir, 'artifact')) ? join(dir, 'artifact') : join(assets, 'a.txt');
  const args = ['verify-bundle', '--bundle', join(dir, 'bundle.sigstore.json')];
  if (existsSync(join(dir, 'trusted_root.json'))) args.push('--trusted-root', join(dir, 'trusted_root.json'));
  if (existsSync(join(dir, 'key.pub'))) args.push('--key', join(dir, 'key.pub'));
  else args.push('--certificate-identity', read('identity') ?? DEFAULT_IDENTITY, '--certificate-oidc-issuer', read('issuer') ?? DEFAULT_ISSUER);
  args.push(mode === 'digest' ? `sha256:${createHash('sha256').update(readFileSync(artifact)).digest('hex')}` : artifact);
  return args;
}

async function runCase(name, mode) {
  const expectFailure = name.endsWith('_fail');
  let code = 0;
  let output = '';
  try {
    await run(process.execPath, [sealkit, ...argumentsFor(name, mode)], { timeout: 60_000 });
  } catch (error) {
    code = typeof error.code === 'number' ? error.code : -1;
    output = `${error.stderr ?? ''}`.trim().split('\n').slice(0, 3).join(' / ');
  }
  // 1 is "not verified"; a crash, a usage error or a timeout is never the right way to fail.
  const ok = expectFailure ? code === 1 : code === 0;
  return { name, mode, ok, code, output };
}

const jobs = cases.flatMap((name) => [
  [name, 'file'],
  [name, 'digest'],
]);
const results = [];
let next = 0;
await Promise.all(
  Array.from({ length: PARALLEL }, async () => {
    while (next < jobs.length) {
      const [name, mode] = jobs[next++];
      results.push(await runCase(name, mode));
    }
  }),
);

const failures = results.filter((r) => !r.ok);
for (const r of failures.sort((a, b) => a.name.localeCompare(b.name))) {
  console.log(`MISMATCH ${r.name} (${r.mode}): exit ${r.code}${r.output ? `: ${r.output}` : ''}`);
}
const failCases = cases.filter((c) => c.endsWith('_fail')).length;
console.log(
  `sigstore conformance: ${results.length - failures.length}/${results.length} runs behave as named ` +
    `(${cases.length} cases: ${cases.length - failCases} must verify, ${failCases} must fail; file and digest mode)`,
);
process.exitCode = failures.length === 0 ? 0 : 1;
