#!/usr/bin/env node
// Verification throughput: 1,000 keyless SLSA provenance bundles, made by sealkit's
// attestProvenance against a private Sigstore instance (Fulcio and Rekor on 127.0.0.1), are
// verified through sealkit's verifySlsaLevel (policy, subject match, levels) and through bare
// @sigstore/verify (signature, chain, log and identity only), in the same run. sealkit must
// keep at least 80 % of the bare library's rate.
//
// Usage: node bench/verify.mjs            (needs `npm run build` first)
// Env:   SEALKIT_BENCH_BUNDLES=1000        number of bundles

import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startSigstore } from './lib/sigstore-stack.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = join(ROOT, 'dist', 'index.js');
const COUNT = Number(process.env.SEALKIT_BENCH_BUNDLES ?? 1000);
const ROUNDS = 3;
const REQUIRED_RATIO = 0.8;
if (!existsSync(ENTRY)) {
  console.error('bench/verify: dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const { attestProvenance, verifySlsaLevel } = await import(pathToFileURL(ENTRY).href);
const require = createRequire(import.meta.url);
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');

const REPOSITORY = 'acme/widget';
const WORKFLOW = `${REPOSITORY}/.github/workflows/release.yml@refs/heads/main`;
const ISSUER = 'https://token.actions.githubusercontent.com';
const SHA = 'a'.repeat(40);
const env = {
  GITHUB_ACTIONS: 'true',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: REPOSITORY,
  GITHUB_REPOSITORY_ID: '1',
  GITHUB_REPOSITORY_OWNER_ID: '2',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_SHA: SHA,
  GITHUB_WORKFLOW_REF: WORKFLOW,
  GITHUB_EVENT_NAME: 'push',
  GITHUB_RUN_ID: '3',
  GITHUB_RUN_ATTEMPT: '1',
  RUNNER_ENVIRONMENT: 'github-hosted',
};
const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
function token() {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = {
    iss: ISSUER, sub: `https://github.com/${WORKFLOW}`, aud: 'sigstore', iat: now, nbf: now, exp: now + 600,
    repository: REPOSITORY, ref: 'refs/heads/main', sha: SHA, job_workflow_ref: WORKFLOW, workflow_ref: WORKFLOW,
    runner_environment: 'github-hosted', event_name: 'push', repository_id: '1', repository_owner: 'acme', repository_owner_id: '2',
    run_id: '3', run_attempt: '1',
  };
  const input = `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: issuerKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

const stack = await startSigstore();
try {
  process.stdout.write(`verify: making ${COUNT} keyless provenance bundles against a local Fulcio and Rekor… `);
  const made = performance.now();
  const artifacts = Array.from({ length: COUNT }, (_, i) => Buffer.from(`artifact ${i}\n`));
  const bundles = new Array(COUNT);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < COUNT) {
        const i = next++;
        const result = await attestProvenance({ artifact: artifacts[i], name: `artifact-${i}` }, {
          env, identityToken: token(), fulcioUrl: stack.fulcioUrl, rekorUrl: stack.rekorUrl, retryDelay: 5,
        });
        bundles[i] = result.bundle;
      }
    }),
  );
  console.log(`${((performance.now() - made) / 1000).toFixed(1)} s`);

  const policy = { sourceRepository: `github.com/${REPOSITORY}`, trustedRoot: stack.trustedRoot };
  const sealkitRun = async () => {
    for (let i = 0; i < COUNT; i++) {
      const result = await verifySlsaLevel(artifacts[i], { ...policy, attestations: bundles[i] });
      if (!result.verified || result.level !== 2) throw new Error(`bundle ${i}: verified=${result.verified} level=${result.level}`);
    }
  };
  // The bare library, as sigstore-js's own verify() drives it: the trust material built once.
  const trust = toTrustMaterial(TrustedRoot.fromJSON(stack.trustedRoot));
  const verifier = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
  const identity = { subjectAlternativeName: `https://github.com/${WORKFLOW}`, extensions: { issuer: ISSUER } };
  const bareRun = async () => {
    for (let i = 0; i < COUNT; i++) verifier.verify(toSignedEntity(bundleFromJSON(bundles[i])), identity);
  };

  const time = async (run) => {
    const start = performance.now();
    await run();
    return performance.now() - start;
  };
  await sealkitRun(); // warm both paths: JIT, the trusted-root cache
  await bareRun();
  const sealkitMs = [];
  const bareMs = [];
  for (let round = 0; round < ROUNDS; round++) {
    bareMs.push(await time(bareRun));
    sealkitMs.push(await time(sealkitRun));
  }
  const best = (list) => Math.min(...list);
  const rate = (ms) => (COUNT / ms) * 1000;
  const ratio = rate(best(sealkitMs)) / rate(best(bareMs));
  console.log(`verify ${COUNT} SLSA provenance bundles (DSSE, Fulcio certificate, Rekor entry), best of ${ROUNDS}`);
  console.log(`  @sigstore/verify (bare)    ${best(bareMs).toFixed(0)} ms  ${rate(best(bareMs)).toFixed(0)} bundles/s`);
  console.log(`  sealkit verifySlsaLevel    ${best(sealkitMs).toFixed(0)} ms  ${rate(best(sealkitMs)).toFixed(0)} bundles/s  (L2 proven for each)`);
  console.log(`  ratio sealkit/bare         ${ratio.toFixed(2)}x (target >= ${REQUIRED_RATIO}x)`);
  if (ratio < REQUIRED_RATIO) process.exitCode = 1;
} finally {
  await stack.close();
}
