/**
 * promote on in-memory registries (one with the OCI 1.1 referrers API, one without): the gate
 * runs before any write at the destination, refusals write nothing, images and indexes are
 * copied by digest with their referrers, tags never move, a repeated promotion writes nothing,
 * and the VSA is a signed verification summary attached to the promoted digest.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { isSealkitError } from '../../src/errors.js';
import { signStatement } from '../../src/sign/dsse.js';
import { bundleArtifact, pushArtifact } from '../../src/registry/attach.js';
import { RegistryClient } from '../../src/registry/client.js';
import { promote, type PromoteProgress } from '../../src/promote/promote.js';
import type { PromotionEvidence, PromotionVerifier } from '../../src/promote/gate.js';
import { VSA_PREDICATE_TYPE } from '../../src/promote/vsa.js';
import { parseReference, type ImageReference } from '../../src/registry/reference.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import { verifyBundle } from '../../src/verify/verify-bundle.js';
import type { VerificationResult } from '../../src/verify/verify-types.js';
import { startMemoryRegistry, type MemoryRegistry } from '../registry/support/memory-registry.js';

const registries: MemoryRegistry[] = [];
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.close()));
});

async function memory(referrersApi: boolean): Promise<MemoryRegistry> {
  const registry = await startMemoryRegistry({ referrersApi });
  registries.push(registry);
  return registry;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

const WRITES = new Set(['PUT', 'POST', 'PATCH', 'DELETE']);
const writes = (registry: MemoryRegistry) => registry.requests.filter((r) => WRITES.has(r.method));
const client = () => new RegistryClient({ dockerConfig: false, retryDelay: 1 });
const registry = { dockerConfig: false as const, retryDelay: 1 };

const KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PRIVATE = KEY.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC = KEY.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const OTHER_PUBLIC = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const SBOM_PREDICATE = 'https://cyclonedx.org/bom';

interface Pushed {
  ref: ImageReference;
  digest: string;
  size: number;
  mediaType: string;
  blobs: string[];
}

/** Pushes a one-layer image with a config, tagged `tag`. */
async function pushImage(host: string, repoTag: string, seed: string): Promise<Pushed> {
  const ref = parseReference(`${host}/${repoTag}`);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed }));
  const layer = Buffer.from(`layer of ${seed} `.repeat(1000));
  const c = client();
  await c.pushBlob(ref, { digest: sha256(config), size: config.length }, config);
  await c.pushBlob(ref, { digest: sha256(layer), size: layer.length }, layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
    }),
  );
  const digest = await c.putManifest(ref, manifest, MEDIA_TYPES.ociManifest);
  return { ref, digest, size: manifest.length, mediaType: MEDIA_TYPES.ociManifest, blobs: [sha256(config), sha256(layer)] };
}

/** Signs an SBOM attestation about `image` with KEY and attaches it. */
async function attest(image: Pushed, predicateType = SBOM_PREDICATE): Promise<string> {
  const { bundle } = await signStatement(
    {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: image.ref.name, digest: { sha256: image.digest.slice(7) } }],
      predicateType,
      predicate: { bomFormat: 'CycloneDX', specVersion: '1.6', components: [] },
    },
    { key: PRIVATE },
  );
  const at = parseReference(`${image.ref.name}@${image.digest}`);
  const referrer = await pushArtifact(client(), at, bundleArtifact({ mediaType: image.mediaType, digest: image.digest, size: image.size }, bundle));
  return referrer.digest;
}

/** A gate that records when it ran and answers `verified`. */
function fakeGate(verified: boolean, onCall: () => void = () => {}): PromotionVerifier {
  return async () => {
    onCall();
    const result: VerificationResult = {
      verified,
      level: verified ? 1 : 0,
      checks: verified ? [] : [{ id: 'signature', passed: false, detail: 'the signature does not match', category: 'integrity' }],
      signer: undefined,
      provenance: undefined,
      artifact: {},
      attestations: [{ source: 'r', about: 'yes', kind: 'dsse', predicateType: SBOM_PREDICATE, authentic: verified, level: 0 }],
    };
    const evidence: PromotionEvidence = { result, referrers: [{ digest: `sha256:${'a'.repeat(64)}`, source: 'referrers-api', predicateType: SBOM_PREDICATE, authentic: verified }] };
    return evidence;
  };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (isSealkitError(error)) return { code: error.code, message: error.message, details: { ...error.details } };
    throw error;
  }
  throw new Error('expected a failure');
}

describe('promote', () => {
  it('copies the image and its attestation by digest after the gate, tags the destination and proves the digest', async () => {
    const [source, target] = await Promise.all([memory(true), memory(false)]);
    const image = await pushImage(source.host, 'staging/app:rc1', 'one');
    const referrer = await attest(image);
    const stages: string[] = [];
    const result = await promote(`registry:${source.host}/staging/app:rc1`, `registry:${target.host}/prod/app:1.0`, {
      policy: { publicKeys: [PUBLIC], requiredPredicateTypes: [SBOM_PREDICATE] },
      registry,
      onProgress: (p: PromoteProgress) => stages.push(p.stage),
    });
    expect(result.digest).toBe(image.digest);
    expect(result.destination).toBe(`${target.host}/prod/app:1.0@${image.digest}`);
    expect(result.unchanged).toBe(false);
    expect(result.evidence.referrers).toEqual([expect.objectContaining({ digest: referrer, predicateType: SBOM_PREDICATE, authentic: true })]);
    // What the destination serves: the same manifest bytes under the tag, every blob, the referrer.
    expect(target.tags.get('prod/app:1.0')).toBe(image.digest);
    expect(target.manifests.get(image.digest)?.bytes.equals(source.manifests.get(image.digest)!.bytes)).toBe(true);
    for (const blob of image.blobs) expect(target.blobs.get(blob)?.equals(source.blobs.get(blob)!)).toBe(true);
    expect(target.manifests.has(referrer)).toBe(true);
    // No referrers API there: the referrer is listed in the sha256-<hex> tag index.
    const indexDigest = target.tags.get(`prod/app:sha256-${image.digest.slice(7)}`);
    const index = JSON.parse(target.manifests.get(indexDigest!)!.bytes.toString('utf8')) as { manifests: Array<{ digest: string }> };
    expect(index.manifests.map((m) => m.digest)).toEqual([referrer]);
    expect(stages.indexOf('verify')).toBeLessThan(stages.indexOf('copy'));
    expect(stages.slice(-2)).toEqual(['tag', 'prove']);
    // Verified again at the destination by the same default gate: the promoted copy verifies.
    const again = await promote(`${target.host}/prod/app:1.0`, `${target.host}/prod/app:1.0`, { policy: { publicKeys: [PUBLIC] }, registry });
    expect(again.unchanged).toBe(true);
  });

  it('runs the gate before the first write at the destination', async () => {
    const [source, target] = await Promise.all([memory(false), memory(false)]);
    await pushImage(source.host, 'app:rc', 'gate');
    let writesBefore = -1;
    await promote(`${source.host}/app:rc`, `${target.host}/app:1`, {
      policy: {},
      registry,
      verify: fakeGate(true, () => (writesBefore = writes(target).length)),
    });
    expect(writesBefore).toBe(0);
    expect(writes(target).length).toBeGreaterThan(0);
  });

  it('refuses an unsigned image, a wrong key and a missing attestation, writing nothing at the destination', async () => {
    const [source, target] = await Promise.all([memory(true), memory(false)]);
    const unsigned = await pushImage(source.host, 'app:unsigned', 'unsigned');
    const signed = await pushImage(source.host, 'app:signed', 'signed');
    await attest(signed);
    const unsignedFailure = await failure(promote(`${source.host}/app:unsigned`, `${target.host}/app:1`, { policy: { publicKeys: [PUBLIC] }, registry }));
    expect(unsignedFailure.code).toBe('VERIFICATION_FAILED');
    expect(unsignedFailure.message).toContain(unsigned.digest);
    const wrongKey = await failure(promote(`${source.host}/app:signed`, `${target.host}/app:1`, { policy: { publicKeys: [OTHER_PUBLIC] }, registry }));
    expect(wrongKey.code).toBe('VERIFICATION_FAILED');
    expect(JSON.stringify(wrongKey.details.checks)).toMatch(/"passed":false/);
    const missing = await failure(
      promote(`${source.host}/app:signed`, `${target.host}/app:1`, {
        policy: { publicKeys: [PUBLIC], requiredPredicateTypes: ['https://slsa.dev/provenance/v1'] },
        registry,
      }),
    );
    expect(missing.code).toBe('POLICY_FAILED');
    expect(missing.message).toContain('https://slsa.dev/provenance/v1');
    const level = await failure(promote(`${source.host}/app:signed`, `${target.host}/app:1`, { policy: { publicKeys: [PUBLIC], minLevel: 1 }, registry }));
    expect(level.code).toBe('POLICY_FAILED');
    const gate = await failure(promote(`${source.host}/app:signed`, `${target.host}/app:1`, { policy: {}, registry, verify: fakeGate(false) }));
    expect(gate.code).toBe('VERIFICATION_FAILED');
    expect(gate.message).toContain('signature: the signature does not match');
    expect(writes(target)).toEqual([]);
  });

  it('fails with the error a verification throws, never promoting and writing nothing', async () => {
    const [source, target] = await Promise.all([memory(true), memory(false)]);
    await pushImage(source.host, 'app:signed', 'signed');
    const broken: PromotionVerifier = () => {
      throw new Error('trust material unreadable');
    };
    await expect(promote(`${source.host}/app:signed`, `${target.host}/app:1`, { policy: {}, registry, verify: broken })).rejects.toThrow('trust material unreadable');
    const rejecting: PromotionVerifier = () => Promise.reject(new Error('registry went away'));
    await expect(promote(`${source.host}/app:signed`, `${target.host}/app:1`, { policy: {}, registry, verify: rejecting })).rejects.toThrow('registry went away');
    expect(writes(target)).toEqual([]);
  });

  it("answers with the gate's refusal when the destination failed while the gate decided", async () => {
    const source = await memory(false);
    await pushImage(source.host, 'app:rc', 'refused');
    const closed = await memory(false);
    const unreachable = closed.host;
    await closed.close();
    const slowRefusal: PromotionVerifier = async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return fakeGate(false)(...args);
    };
    const refused = await failure(promote(`${source.host}/app:rc`, `${unreachable}/app:1`, { policy: {}, registry: { ...registry, retries: 0 }, verify: slowRefusal }));
    expect(refused.code).toBe('VERIFICATION_FAILED');
    // A gate that passes lets the destination's failure through.
    const passed = await failure(promote(`${source.host}/app:rc`, `${unreachable}/app:1`, { policy: {}, registry: { ...registry, retries: 0 }, verify: fakeGate(true) }));
    expect(passed.code).toBe('REGISTRY_UNREACHABLE');
  });

  it('never moves a destination tag that names another digest', async () => {
    const [source, target] = await Promise.all([memory(false), memory(false)]);
    await pushImage(source.host, 'app:new', 'new');
    const old = await pushImage(target.host, 'app:1.0', 'old');
    const writesBefore = writes(target).length;
    const refused = await failure(promote(`${source.host}/app:new`, `${target.host}/app:1.0`, { policy: {}, registry, verify: fakeGate(true) }));
    expect(refused.code).toBe('REGISTRY_TAG_CONFLICT');
    expect(refused.message).toContain(old.digest);
    expect(refused.details).toMatchObject({ registry: target.host, current: old.digest });
    expect(writes(target).length).toBe(writesBefore);
    expect(target.tags.get('app:1.0')).toBe(old.digest);
  });

  it('writes nothing when promoting again to a tag that holds the digest, and no second VSA', async () => {
    const [source, target] = await Promise.all([memory(false), memory(false)]);
    const image = await pushImage(source.host, 'app:rc', 'again');
    await attest(image);
    const options = { policy: { publicKeys: [PUBLIC] }, registry, vsa: { key: PRIVATE } };
    const first = await promote(`${source.host}/app:rc`, `${target.host}/app:1`, options);
    expect(first.unchanged).toBe(false);
    expect(first.vsa).toBeDefined();
    const writesAfterFirst = writes(target).length;
    const second = await promote(`${source.host}/app:rc`, `${target.host}/app:1`, options);
    expect(second.unchanged).toBe(true);
    expect(second.vsa).toBeUndefined();
    expect(second.copy).toMatchObject({ manifestsWritten: 0, referrersAttached: 0, blobs: { mounted: 0, streamed: 0, present: 4 } });
    expect(writes(target).length).toBe(writesAfterFirst);
  });

  it('copies to a destination named by digest without tagging, and refuses another digest', async () => {
    const [source, target] = await Promise.all([memory(false), memory(false)]);
    const image = await pushImage(source.host, 'app:rc', 'digest');
    const result = await promote(`${source.host}/app:rc`, `${target.host}/app@${image.digest}`, { policy: {}, registry, verify: fakeGate(true) });
    expect(result.destination).toBe(`${target.host}/app@${image.digest}`);
    expect(target.manifests.has(image.digest)).toBe(true);
    expect([...target.tags.keys()]).toEqual([]);
    const other = `sha256:${'b'.repeat(64)}`;
    const refused = await failure(promote(`${source.host}/app:rc`, `${target.host}/app@${other}`, { policy: {}, registry, verify: fakeGate(true) }));
    expect(refused.code).toBe('INVALID_ARGUMENT');
  });

  it('copies an index with every platform manifest, children before the index', async () => {
    const [source, target] = await Promise.all([memory(false), memory(true)]);
    const amd = await pushImage(source.host, 'app:amd64', 'amd64');
    const arm = await pushImage(source.host, 'app:arm64', 'arm64');
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociIndex,
        manifests: [
          { mediaType: amd.mediaType, digest: amd.digest, size: amd.size, platform: { os: 'linux', architecture: 'amd64' } },
          { mediaType: arm.mediaType, digest: arm.digest, size: arm.size, platform: { os: 'linux', architecture: 'arm64' } },
        ],
      }),
    );
    const indexDigest = await client().putManifest(parseReference(`${source.host}/app:multi`), index, MEDIA_TYPES.ociIndex);
    const armSignature = await attest(arm);
    const result = await promote(`${source.host}/app:multi`, `${target.host}/app:multi`, { policy: {}, registry, verify: fakeGate(true) });
    expect(result.digest).toBe(indexDigest);
    expect(result.copy.manifestsWritten).toBe(3);
    for (const digest of [amd.digest, arm.digest, indexDigest, armSignature]) expect(target.manifests.has(digest), digest).toBe(true);
    for (const blob of [...amd.blobs, ...arm.blobs]) expect(target.blobs.has(blob)).toBe(true);
    const puts = target.requests.filter((r) => r.method === 'PUT' && r.url.includes('/manifests/')).map((r) => r.url.split('/manifests/')[1]);
    expect(puts.indexOf(indexDigest)).toBeGreaterThan(Math.max(puts.indexOf(amd.digest), puts.indexOf(arm.digest)));
    expect(puts.at(-1)).toBe('multi');
  });

  it('attaches a signed VSA of the decision to the promoted digest', async () => {
    const [source, target] = await Promise.all([memory(false), memory(true)]);
    const image = await pushImage(source.host, 'app:rc', 'vsa');
    const attestation = await attest(image);
    const result = await promote(`${source.host}/app:rc`, `${target.host}/app:2`, {
      policy: { publicKeys: [PUBLIC], requiredPredicateTypes: [SBOM_PREDICATE] },
      registry,
      vsa: { key: PRIVATE, verifierId: 'https://example.com/release-gate', policyUri: 'https://example.com/policy.json' },
    });
    const vsa = result.vsa!;
    expect(vsa.statement.predicateType).toBe(VSA_PREDICATE_TYPE);
    expect(vsa.statement.subject).toEqual([{ name: `${target.host}/app`, digest: { sha256: image.digest.slice(7) } }]);
    expect(vsa.statement.predicate).toMatchObject({
      verifier: { id: 'https://example.com/release-gate' },
      resourceUri: `${target.host}/app@${image.digest}`,
      policy: { uri: 'https://example.com/policy.json', digest: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } },
      inputAttestations: [{ uri: `${target.host}/app@${attestation}`, digest: { sha256: attestation.slice(7) } }],
      verificationResult: 'PASSED',
      verifiedLevels: ['SLSA_BUILD_LEVEL_0'],
    });
    expect(Number.isNaN(Date.parse(vsa.statement.predicate!.timeVerified))).toBe(false);
    // Attached at the destination to the promoted digest, and verifiable there.
    const listed = await client().referrers(parseReference(`${target.host}/app@${image.digest}`), image.digest);
    expect(listed.map((r) => r.digest).sort()).toEqual([attestation, vsa.referrer.digest].sort());
    expect(listed.find((r) => r.digest === vsa.referrer.digest)?.annotations?.['dev.sigstore.bundle.predicateType']).toBe(VSA_PREDICATE_TYPE);
    const verified = await verifyBundle(image.digest, vsa.bundle as unknown as Record<string, unknown>, { publicKeys: [PUBLIC] });
    expect(verified.verified).toBe(true);
  });

  it('stops at an aborted signal before writing', async () => {
    const [source, target] = await Promise.all([memory(false), memory(false)]);
    await pushImage(source.host, 'app:rc', 'abort');
    const controller = new AbortController();
    const refused = await failure(
      promote(`${source.host}/app:rc`, `${target.host}/app:1`, {
        policy: {},
        registry,
        signal: controller.signal,
        verify: fakeGate(true, () => controller.abort()),
      }),
    );
    expect(refused.code).toBe('ABORTED');
    expect(writes(target)).toEqual([]);
  });

  it('refuses options without a policy and malformed references as usage errors', async () => {
    expect((await failure(promote('registry:127.0.0.1:1/a:1', 'registry:127.0.0.1:1/b:1', undefined as never))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(promote('registry:', 'registry:127.0.0.1:1/b:1', { policy: {} }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(promote('registry:127.0.0.1:1/a:1', 'registry:127.0.0.1:1/b:1', { policy: { requiredPredicateTypes: [''] } }))).code).toBe('INVALID_ARGUMENT');
  });
});
