/**
 * promote on Debian's docker-registry 2.8 (no referrers API: the tag-index fallback), with the
 * real e2e image and the multi-platform index: from the htpasswd registry to the anonymous one
 * (streamed) and across repositories of one registry (mounted), checked by `skopeo inspect`,
 * plain HTTP reads and the registries' access logs; refusals write nothing.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { isSealkitError } from '../../src/errors.js';
import { attachSbom, bundleArtifact, pushArtifact } from '../../src/registry/attach.js';
import { RegistryClient } from '../../src/registry/client.js';
import { promote } from '../../src/promote/promote.js';
import { parseReference } from '../../src/registry/reference.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import { signStatement } from '../../src/sign/dsse.js';
import { captureIo } from '../support/capture-io.js';
import { rawBlob, rawManifest, rawRequest, skopeoInspectDigest, skopeoInspectRaw } from '../support/registry/raw.js';
import { skipRegistryTests, startRegistry, type RunningRegistry } from '../support/registry/registry-server.js';
import { pushImage, pushIndex } from '../support/registry/seed.js';
import { loadRealImage, type RealImage } from './image-oracles.js';

const USER = { username: 'release-bot', password: 'promote me, carefully' };
const SBOM_PREDICATE = 'https://cyclonedx.org/bom';
const KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PRIVATE = KEY.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC = KEY.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const WRITES = new Set(['PUT', 'POST', 'PATCH', 'DELETE']);

const writes = (registry: RunningRegistry) => registry.requests().filter((r) => WRITES.has(r.method));

interface Manifest {
  config: { digest: string };
  layers: Array<{ digest: string }>;
}

describe.skipIf(skipRegistryTests({ auth: true }))('promote between real registries', () => {
  let image: RealImage;
  let staging: RunningRegistry;
  let production: RunningRegistry;
  let client: RegistryClient;
  let scratch: string;
  let digest: string;
  let indexDigest: string;
  let unsignedDigest: string;
  const attached: string[] = [];
  const registry = () => ({ dockerConfig: false as const, credentials: { [staging.host]: USER } });
  const policy = { publicKeys: [PUBLIC], requiredPredicateTypes: [SBOM_PREDICATE] };

  /** Signs an SBOM attestation about `subjectDigest` in `repo` and attaches it there. */
  async function attest(repo: string, subjectDigest: string, mediaType: string, size: number): Promise<string> {
    const ref = parseReference(`${staging.host}/${repo}@${subjectDigest}`);
    const { bundle } = await signStatement(
      {
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: ref.name, digest: { sha256: subjectDigest.slice(7) } }],
        predicateType: SBOM_PREDICATE,
        predicate: { bomFormat: 'CycloneDX', specVersion: '1.6', components: [] },
      },
      { key: PRIVATE },
    );
    return (await pushArtifact(client, ref, bundleArtifact({ mediaType, digest: subjectDigest, size }, bundle))).digest;
  }

  beforeAll(async () => {
    image = loadRealImage();
    scratch = mkdtempSync(path.join(os.tmpdir(), 'sealkit-promote-'));
    writeFileSync(path.join(scratch, 'release.pub'), PUBLIC);
    writeFileSync(path.join(scratch, 'vsa.key'), PRIVATE, { mode: 0o600 });
    [staging, production] = await Promise.all([startRegistry({ auth: USER }), startRegistry()]);
    client = new RegistryClient(registry());
    const ociArchive = path.join(image.dir, image.description.archives['oci-archive']);
    digest = await pushImage(ociArchive, 'oci-archive', staging, 'staging/bookworm:rc');
    unsignedDigest = await pushImage(path.join(image.dir, image.description.archives['docker-archive']), 'docker-archive', staging, 'staging/unsigned:rc');
    indexDigest = (await pushIndex(staging, 'staging/multi:rc')).digest;
    const manifest = await client.resolve(parseReference(`${staging.host}/staging/bookworm@${digest}`));
    attached.push(await attest('staging/bookworm', digest, manifest.mediaType, manifest.size));
    const sbom = JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] });
    attached.push((await attachSbom(`registry:${staging.host}/staging/bookworm@${digest}`, Buffer.from(sbom), { registry: client })).referrer!.digest);
    const index = await client.resolve(parseReference(`${staging.host}/staging/multi@${indexDigest}`));
    await attest('staging/multi', indexDigest, index.mediaType, index.size);
  }, 600_000);

  afterAll(async () => {
    await Promise.all([staging?.stop(), production?.stop()]);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('promotes the real image by digest from the htpasswd registry to the anonymous one, with what is attached', async () => {
    const result = await promote(`registry:${staging.host}/staging/bookworm@${digest}`, `registry:${production.host}/prod/bookworm:1.0`, {
      policy,
      registry: registry(),
    });
    expect(result.digest).toBe(digest);
    // The image's config and layers; the referrers' shared empty config, the bundle and the SBOM.
    expect(result.copy.blobs.streamed).toBe(image.description.layers.length + 1 + 3);
    expect(result.copy.referrersAttached).toBe(2);
    expect(result.evidence.referrers).toEqual([expect.objectContaining({ digest: attached[0], predicateType: SBOM_PREDICATE, authentic: true })]);
    // Independent readers: skopeo and plain HTTP see the source's manifest, byte for byte.
    expect(await skopeoInspectDigest(production, 'prod/bookworm:1.0')).toBe(digest);
    const served = await rawManifest(production, 'prod/bookworm', '1.0');
    expect(served.body.equals((await rawManifest(staging, 'staging/bookworm', digest)).body)).toBe(true);
    const json = served.json as Manifest;
    for (const blob of [json.config, ...json.layers]) expect((await rawBlob(production, 'prod/bookworm', blob.digest)).length).toBeGreaterThan(0);
    // The referrers, in the sha256-<hex> tag index the registry's lack of a referrers API calls for.
    const index = await rawManifest(production, 'prod/bookworm', `sha256-${digest.slice(7)}`);
    expect((index.json as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest).sort()).toEqual([...attached].sort());
    for (const referrer of attached) expect((await rawManifest(production, 'prod/bookworm', referrer)).digest).toBe(referrer);
    // Nothing of the staging registry's: no blob was mounted across registries.
    expect(writes(production).some((r) => r.path.includes('mount='))).toBe(false);
  });

  it('mounts blobs across repositories of one registry instead of copying them', async () => {
    const before = staging.requests().length;
    const result = await promote(`registry:${staging.host}/staging/bookworm:rc`, `registry:${staging.host}/release/bookworm:1.0`, { policy, registry: registry() });
    const requests = staging.requests().slice(before);
    const mounts = requests.filter((r) => r.method === 'POST' && r.path.includes('mount=') && r.status === 201);
    expect(mounts.length).toBe(image.description.layers.length + 1 + 3);
    expect(result.copy.blobs).toMatchObject({ mounted: mounts.length, streamed: 0 });
    expect(requests.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/'))).toEqual([]);
    expect(await skopeoInspectDigest(staging, 'release/bookworm:1.0')).toBe(digest);
  });

  it('refuses an unsigned image and writes nothing at the destination', async () => {
    const before = writes(production).length;
    let code = 'no error';
    try {
      await promote(`registry:${staging.host}/staging/unsigned:rc`, `registry:${production.host}/prod/unsigned:1.0`, { policy, registry: registry() });
    } catch (error) {
      code = isSealkitError(error) ? error.code : String(error);
    }
    expect(code).toBe('VERIFICATION_FAILED');
    expect(writes(production).length).toBe(before);
    expect((await rawRequest(production, `/v2/prod/unsigned/manifests/${unsignedDigest}`, { method: 'HEAD' })).status).toBe(404);
  });

  it('never moves a tag that names another digest, and writes nothing trying', async () => {
    const taken = await pushImage(path.join(image.dir, image.description.archives['docker-archive']), 'docker-archive', production, 'prod/taken:1.0');
    const before = writes(production).length;
    const io = captureIo(scratch, { SEALKIT_REGISTRY_PASSWORD: USER.password });
    const code = await main(
      ['promote', `registry:${staging.host}/staging/bookworm:rc`, `registry:${production.host}/prod/taken:1.0`, '--key', 'release.pub', '--registry-username', USER.username],
      io,
    );
    expect(code).toBe(1);
    expect(io.err()).toMatch(/^sealkit: REGISTRY_TAG_CONFLICT: .*already names sha256:/);
    expect(io.err()).not.toContain(USER.password);
    expect(writes(production).length).toBe(before);
    expect(await skopeoInspectDigest(production, 'prod/taken:1.0')).toBe(taken);
  });

  it('promotes again to the same tag without writing anything', async () => {
    const source = `registry:${staging.host}/staging/bookworm@${digest}`;
    const destination = `registry:${production.host}/prod/again:1.0`;
    await promote(source, destination, { policy, registry: registry() });
    const before = writes(production).length;
    const again = await promote(source, destination, { policy, registry: registry() });
    expect(again.unchanged).toBe(true);
    expect(writes(production).length).toBe(before);
  });

  it('keeps every platform of a multi-platform index, through the CLI, with a VSA attached', async () => {
    const io = captureIo(scratch, { SEALKIT_REGISTRY_PASSWORD: USER.password });
    const code = await main(
      [
        'promote', `registry:${staging.host}/staging/multi:rc`, `registry:${production.host}/prod/multi:1.0`,
        '--key', 'release.pub', '--require-predicate-type', SBOM_PREDICATE, '--registry-username', USER.username,
        '--vsa', '--vsa-key', 'vsa.key', '--json',
      ],
      io,
    );
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const printed = JSON.parse(io.out()) as { digest: string; unchanged: boolean; vsa: { referrer: string } };
    expect(printed.digest).toBe(indexDigest);
    const raw = await skopeoInspectRaw(production, 'prod/multi:1.0');
    expect(raw.digest).toBe(indexDigest);
    const platforms = (JSON.parse(raw.manifest.toString('utf8')) as { manifests: Array<{ digest: string; platform: { architecture: string } }> }).manifests;
    expect(platforms.map((p) => p.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
    for (const platform of platforms) {
      const child = await rawManifest(production, 'prod/multi', platform.digest);
      expect(child.digest).toBe(platform.digest);
      for (const blob of [(child.json as Manifest).config, ...(child.json as Manifest).layers]) {
        expect((await rawRequest(production, `/v2/prod/multi/blobs/${blob.digest}`, { method: 'HEAD' })).status).toBe(200);
      }
    }
    // The VSA: a bundle layer whose DSSE statement names the promoted index at the destination.
    const index = await rawManifest(production, 'prod/multi', `sha256-${indexDigest.slice(7)}`);
    const listed = (index.json as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> }).manifests;
    const vsa = listed.find((m) => m.digest === printed.vsa.referrer);
    expect(vsa?.annotations?.['dev.sigstore.bundle.predicateType']).toBe('https://slsa.dev/verification_summary/v1');
    const vsaManifest = (await rawManifest(production, 'prod/multi', printed.vsa.referrer)).json as { layers: Array<{ digest: string; mediaType: string }> };
    expect(vsaManifest.layers[0]?.mediaType).toBe(MEDIA_TYPES.sigstoreBundle);
    const bundle = JSON.parse((await rawBlob(production, 'prod/multi', vsaManifest.layers[0]!.digest)).toString('utf8')) as { dsseEnvelope: { payload: string } };
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as { subject: unknown; predicate: Record<string, unknown> };
    expect(statement.subject).toEqual([{ name: `${production.host}/prod/multi`, digest: { sha256: indexDigest.slice(7) } }]);
    expect(statement.predicate).toMatchObject({ resourceUri: `${production.host}/prod/multi@${indexDigest}`, verificationResult: 'PASSED' });
    // And sealkit verifies the promoted index in place at the destination: its attestation and the VSA.
    const verify = captureIo(scratch);
    expect(await main(['verify', `registry:${production.host}/prod/multi:1.0`, '--key', 'release.pub'], verify)).toBe(0);
  });
});
