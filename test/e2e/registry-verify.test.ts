/**
 * Verify in place on Debian's docker-registry 2.8 (no referrers API: the tag index is used),
 * behind htpasswd, with the real e2e image seeded by skopeo: a key-signed signature and a
 * keyless SBOM attestation (local Sigstore stack) attached in place verify through the CLI and
 * the API, each check naming its referrer; an unsigned image is not verified; a bundle blob
 * replaced on the registry's disk fails closed with a digest error; wrong credentials fail
 * with one clear line.
 */
import { writeFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { isSealkitError } from '../../src/errors.js';
import type { RegistryClientOptions } from '../../src/registry/client.js';
import { attestSbom, signArtifact } from '../../src/sign/index.js';
import { verifyBundle } from '../../src/verify/index.js';
import type { RegistryVerificationResult } from '../../src/verify/registry-input.js';
import { TEST_ISSUER, TEST_SUBJECT, keylessOptions, startSigstoreStack, type SigstoreStack } from '../sign/support/index.js';
import { captureIo } from '../support/capture-io.js';
import { rawManifest, storedBlobPath } from '../support/registry/raw.js';
import { skipRegistryTests, startRegistry, type RunningRegistry } from '../support/registry/registry-server.js';
import { pushImage } from '../support/registry/seed.js';
import { newKey } from '../verify/support/crafted-bundles.js';
import { loadRealImage } from './image-oracles.js';

const USER = { username: 'release-bot', password: 'correct horse battery staple' };
const REPO = 'sealkit-e2e/bookworm';
const SBOM = { bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] };

describe.skipIf(skipRegistryTests({ auth: true }))('verify in place on docker-registry 2.8', () => {
  let registry: RunningRegistry;
  let stack: SigstoreStack;
  let dir: string;
  let options: RegistryClientOptions;
  const key = newKey();

  beforeAll(async () => {
    const image = await loadRealImage();
    const archive = path.join(image.dir, image.description.archives['oci-archive']);
    [registry, stack, dir] = await Promise.all([startRegistry({ auth: USER }), startSigstoreStack(), mkdtemp(path.join(tmpdir(), 'sealkit-registry-verify-'))]);
    await Promise.all([pushImage(archive, 'oci-archive', registry, `${REPO}:signed`), pushImage(archive, 'oci-archive', registry, `${REPO.replace('bookworm', 'unsigned')}:1`)]);
    options = { credentials: { [registry.host]: USER }, dockerConfig: false, retryDelay: 1 };
    await writeFile(path.join(dir, 'key.pub'), key.pem);
  }, 300_000);
  afterAll(async () => {
    await Promise.all([registry?.stop(), stack?.close(), dir && rm(dir, { recursive: true, force: true })]);
  });

  async function cli(args: string[]) {
    const io = captureIo(dir, { SEALKIT_REGISTRY_PASSWORD: USER.password });
    const code = await main(['verify', ...args, '--registry-username', USER.username], io);
    return { code, out: io.out(), err: io.err() };
  }

  it('verifies a key-signed signature and a keyless attestation attached in place', async () => {
    const ref = `registry:${registry.host}/${REPO}:signed`;
    const signed = await signArtifact(ref, { key: key.privateKey, registry: options });
    const attested = await attestSbom(SBOM, ref, keylessOptions(stack, { registry: options }));
    const referrers = [signed.registry!.referrer!.digest, attested.registry!.referrer!.digest];
    const trustedRoot = path.join(dir, 'root.json');
    await writeFile(trustedRoot, JSON.stringify(stack.trustedRoot));

    const result = await verifyBundle(ref as `registry:${string}`, { publicKeys: [key.pem], trustedRoot: stack.trustedRoot, certificateIdentity: TEST_SUBJECT, certificateIssuer: TEST_ISSUER, registry: options });
    expect(result.checks.filter((c) => !c.passed)).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.subject.digest).toBe(signed.registry!.subject.digest);
    expect(result.attestations.map((a) => [a.referrer, a.referrerSource]).sort()).toEqual(referrers.map((d) => [d, 'referrers-tag']).sort());

    const run = await cli([ref, '--key', 'key.pub', '--trusted-root', 'root.json', '--certificate-identity', TEST_SUBJECT, '--certificate-oidc-issuer', TEST_ISSUER, '--json']);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const json = JSON.parse(run.out) as RegistryVerificationResult;
    expect(json.verified).toBe(true);
    expect(new Set(json.checks.flatMap((c) => (c.referrer === undefined ? [] : [c.referrer])))).toEqual(new Set(referrers));
    const table = await cli([ref, '--key', 'key.pub', '--trusted-root', 'root.json', '--certificate-identity', TEST_SUBJECT, '--certificate-oidc-issuer', TEST_ISSUER]);
    expect(table.out).toMatch(/: VERIFIED, SLSA Build L0/);
    expect(table.out).toContain(`attestation ${referrers[0]} (referrers-tag)`);

    // Tamper: the signature's bundle blob is replaced on the registry's disk.
    const referrer = await rawManifest(registry, REPO, referrers[0]!);
    const layer = (JSON.parse(referrer.body.toString('utf8')) as { layers: Array<{ digest: string }> }).layers[0]!;
    await writeFile(storedBlobPath(registry, layer.digest), Buffer.from('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}'));
    const error = await verifyBundle(ref as `registry:${string}`, { publicKeys: [key.pem], trustedRoot: stack.trustedRoot, certificateIdentity: TEST_SUBJECT, certificateIssuer: TEST_ISSUER, registry: options }).catch((e: unknown) => e);
    expect(isSealkitError(error, 'REGISTRY_DIGEST_MISMATCH')).toBe(true);
    const failed = await cli([ref, '--key', 'key.pub', '--trusted-root', 'root.json', '--certificate-identity', TEST_SUBJECT]);
    expect(failed.code).toBe(1);
    expect(failed.out).toBe('');
    expect(failed.err.trim().split('\n')).toHaveLength(1);
  }, 120_000);

  it('an unsigned image is not verified; wrong credentials are one clear line', async () => {
    const unsigned = `registry:${registry.host}/${REPO.replace('bookworm', 'unsigned')}:1`;
    const run = await cli([unsigned, '--key', 'key.pub', '--json']);
    expect(run.code).toBe(1);
    const json = JSON.parse(run.out) as RegistryVerificationResult;
    expect(json.verified).toBe(false);
    expect(json.checks[0]).toMatchObject({ id: 'attestations.match', passed: false });

    const io = captureIo(dir, { SEALKIT_REGISTRY_PASSWORD: 'wrong' });
    const code = await main(['verify', unsigned, '--key', 'key.pub', '--registry-username', USER.username], io);
    expect(code).toBe(1);
    expect(io.err()).toMatch(/unauthori[sz]ed|credentials/i);
    expect(io.err().trim().split('\n')).toHaveLength(1);
  }, 60_000);
});
