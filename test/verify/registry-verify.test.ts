/**
 * Verifying in place on an in-memory OCI registry (with and without the referrers API): bundles
 * attached by signArtifact and attestSbom (key-signed and keyless against the local Sigstore
 * stack) verify against the manifest digest and name their referrer; nothing attached, a bundle
 * about another image, a referrer whose subject is another image, too many referrers, a blob that
 * does not match its digest, and a missing image all fail closed. Cosign's older `.sig` and `.att`
 * tags, signed here with a key, verify through the payload's manifest digest.
 */
import { createHash, sign } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isSealkitError } from '../../src/errors.js';
import { RegistryClient, type RegistryClientOptions } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import { signStatement } from '../../src/sign/dsse.js';
import { attestSbom, signArtifact } from '../../src/sign/index.js';
import { COSIGN_ANNOTATIONS, DSSE_ENVELOPE_MEDIA_TYPE, SIMPLE_SIGNING_MEDIA_TYPE } from '../../src/verify/cosign-legacy.js';
import { verifyBundle, verifySlsaLevel } from '../../src/verify/index.js';
import type { RegistryVerificationResult, VerifyRegistryOptions } from '../../src/verify/registry-input.js';
import { startMemoryRegistry, type MemoryRegistry } from '../registry/support/memory-registry.js';
import { TEST_ISSUER, TEST_SUBJECT, keylessOptions, startSigstoreStack, type SigstoreStack } from '../sign/support/index.js';
import { IN_TOTO, dsseBundle, newKey, pae, statement } from './support/crafted-bundles.js';

const registries: MemoryRegistry[] = [];
let stack: SigstoreStack;
beforeAll(async () => {
  stack = await startSigstoreStack();
});
afterAll(async () => {
  await stack.close();
});
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.close()));
});

const key = newKey();
const clientOptions: RegistryClientOptions = { dockerConfig: false, retryDelay: 1 };
const client = () => new RegistryClient(clientOptions);
const EMPTY = Buffer.from('{}');
const SBOM = { bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] };

function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function manifest(layers: Array<{ mediaType: string; data: Buffer; annotations?: Record<string, string> }>, extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociEmpty, digest: sha256(EMPTY), size: EMPTY.length },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: sha256(l.data), size: l.data.length, ...(l.annotations ? { annotations: l.annotations } : {}) })),
      ...extra,
    }),
  );
}

/** An image (one layer) tagged app:1 in a fresh registry; `digest` is its manifest digest. */
async function image(referrersApi = false, name = 'app') {
  const registry = await startMemoryRegistry({ referrersApi });
  registries.push(registry);
  const layer = Buffer.from(`layer of ${name}`);
  registry.blobs.set(sha256(layer), layer);
  registry.blobs.set(sha256(EMPTY), EMPTY);
  const bytes = manifest([{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', data: layer }]);
  const ref = parseReference(`${registry.host}/${name}:1`);
  const digest = await client().putManifest(ref, bytes, MEDIA_TYPES.ociManifest);
  return { registry, ref, digest, bytes, text: `registry:${registry.host}/${name}:1` };
}

/** Attaches `bundle` as a Sigstore bundle referrer of `subject`, as the attach code lays it out. */
async function attachBundle(registry: MemoryRegistry, subject: { digest: string; bytes: Buffer }, bundle: unknown, name = 'app') {
  const data = Buffer.from(JSON.stringify(bundle));
  registry.blobs.set(sha256(data), data);
  const bytes = manifest([{ mediaType: MEDIA_TYPES.sigstoreBundle, data }], {
    artifactType: MEDIA_TYPES.sigstoreBundle,
    subject: { mediaType: MEDIA_TYPES.ociManifest, digest: subject.digest, size: subject.bytes.length },
  });
  // By digest: a tagged reference would move the tag to the referrer.
  return client().attachReferrer(parseReference(`${registry.host}/${name}@${subject.digest}`), bytes, MEDIA_TYPES.ociManifest);
}

function failed(result: RegistryVerificationResult): string[] {
  return result.checks.filter((c) => !c.passed).map((c) => c.id);
}

describe.each([false, true])('referrers API %s', (referrersApi) => {
  it('verifies a key-signed signature and an SBOM attestation attached in place, naming each referrer', async () => {
    const { text, digest } = await image(referrersApi);
    const signed = await signArtifact(text, { key: key.privateKey, registry: clientOptions });
    const attested = await attestSbom(SBOM, text, { key: key.privateKey, registry: clientOptions });
    const referrers = [signed.registry?.referrer?.digest, attested.registry?.referrer?.digest];
    expect(referrers.every((d) => d !== undefined)).toBe(true);

    const result = await verifyBundle(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions });
    expect(failed(result)).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.subject.digest).toBe(digest);
    expect(result.artifact).toEqual({ sha256: digest.slice('sha256:'.length) });
    expect(result.attestations.map((a) => a.referrer).sort()).toEqual([...referrers].sort());
    expect(result.attestations.every((a) => a.about === 'yes' && a.authentic)).toBe(true);
    expect(new Set(result.attestations.map((a) => a.referrerSource))).toEqual(new Set([referrersApi ? 'referrers-api' : 'referrers-tag']));
    // Every per-attestation check names the referrer it is about.
    const sourced = result.checks.filter((c) => c.source !== undefined);
    expect(sourced.length).toBeGreaterThan(4);
    expect(sourced.every((c) => c.referrer !== undefined && referrers.includes(c.referrer) && c.source === c.referrer)).toBe(true);
    expect(result.checks[0]).toMatchObject({ id: 'attestations.match', passed: true });
  });
});

describe('signatures in the newer cosign layout', () => {
  it('a DSSE statement of predicate type cosign/sign/v1 about the image verifies it; about another image it does not', async () => {
    const { registry, text, digest, bytes } = await image(true);
    const about = (subjectDigest: string) => ({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: `${registry.host}/app`, digest: { sha256: subjectDigest.slice('sha256:'.length) } }],
      predicateType: 'https://sigstore.dev/cosign/sign/v1',
      predicate: {},
    });
    const other = sha256('another image');
    const stray = await signStatement(about(other), { key: key.privateKey });
    await attachBundle(registry, { digest, bytes }, stray.bundle);
    const alone = await verifyBundle(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions });
    expect(alone.verified).toBe(false);

    const signed = await signStatement(about(digest), { key: key.privateKey });
    const referrer = await attachBundle(registry, { digest, bytes }, signed.bundle);
    const result = await verifyBundle(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions });
    expect(result.verified).toBe(true);
    const proving = result.attestations.filter((a) => a.about === 'yes' && a.authentic);
    expect(proving.map((a) => [a.referrer, a.predicateType])).toEqual([[referrer.digest, 'https://sigstore.dev/cosign/sign/v1']]);
    const wrongKey = await verifyBundle(text as `registry:${string}`, { publicKeys: [newKey().pem], registry: clientOptions });
    expect(wrongKey.verified).toBe(false);
  });
});

describe('keyless, against the local Sigstore stack', () => {
  it('verifies a keyless signature in place with its identity, and not with another', async () => {
    const { text, registry } = await image(false);
    await signArtifact(text, keylessOptions(stack, { registry: clientOptions }));
    const policy: VerifyRegistryOptions = { trustedRoot: stack.trustedRoot, certificateIdentity: TEST_SUBJECT, certificateIssuer: TEST_ISSUER, registry: clientOptions };
    const result = await verifyBundle(text as `registry:${string}`, policy);
    expect(failed(result)).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.signer).toMatchObject({ kind: 'certificate', identity: { subject: TEST_SUBJECT } });

    const other = await verifyBundle(`registry:${registry.host}/app:1`, { ...policy, certificateIdentity: `${TEST_SUBJECT}x` });
    expect(other.verified).toBe(false);
    expect(failed(other)).toContain('identity.subject');
  });
});

describe('fails closed', () => {
  it('nothing attached: not verified, with a check that says none was found', async () => {
    const { text } = await image();
    const result = await verifyBundle(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions });
    expect(result.verified).toBe(false);
    expect(result.checks).toEqual([expect.objectContaining({ id: 'attestations.match', passed: false, detail: expect.stringMatching(/no Sigstore bundle is attached/) })]);
  });

  it('a bundle about another image is set aside, and alone it verifies nothing', async () => {
    const { registry, digest, bytes, text } = await image();
    const about = statement([{ name: 'other', digest: { sha256: 'f'.repeat(64) } }], 'https://cyclonedx.org/bom', SBOM);
    const descriptor = await attachBundle(registry, { digest, bytes }, dsseBundle(about, key));
    const result = await verifyBundle(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions });
    expect(result.verified).toBe(false);
    expect(result.attestations).toEqual([expect.objectContaining({ about: 'no', referrer: descriptor.digest })]);
    expect(failed(result)).toEqual(['attestations.match']);

    // Beside a genuine one it is set aside and the genuine one verifies.
    await attachBundle(registry, { digest, bytes }, dsseBundle(statement([{ name: 'app', digest: { sha256: digest.slice(7) } }], 'https://cyclonedx.org/bom', SBOM), key));
    const both = await verifyBundle(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions });
    expect(both.verified).toBe(true);
  });

  it('a referrer listed for the image whose subject is another image fails verification', async () => {
    const { registry, digest, bytes, text, ref } = await image();
    const other = manifest([{ mediaType: 'application/octet-stream', data: Buffer.from('other') }]);
    registry.blobs.set(sha256(Buffer.from('other')), Buffer.from('other'));
    const otherDigest = await client().putManifest(ref.withTag('other'), other, MEDIA_TYPES.ociManifest);
    // A genuine bundle about the image, in a referrer that names another subject, listed in the image's tag index.
    const genuine = Buffer.from(JSON.stringify(dsseBundle(statement([{ digest: { sha256: digest.slice(7) } }], 'https://cyclonedx.org/bom', SBOM), key)));
    registry.blobs.set(sha256(genuine), genuine);
    const lying = manifest([{ mediaType: MEDIA_TYPES.sigstoreBundle, data: genuine }], {
      artifactType: MEDIA_TYPES.sigstoreBundle,
      subject: { mediaType: MEDIA_TYPES.ociManifest, digest: otherDigest, size: other.length },
    });
    const lyingDigest = await client().putManifest(parseReference(`${registry.host}/app@${sha256(lying)}`), lying, MEDIA_TYPES.ociManifest);
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: [{ mediaType: MEDIA_TYPES.ociManifest, digest: lyingDigest, size: lying.length, artifactType: MEDIA_TYPES.sigstoreBundle }],
    }));
    await client().putManifest(ref.withTag(`sha256-${digest.slice(7)}`), index, MEDIA_TYPES.ociIndex);
    void bytes;
    const result = await verifyBundle(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions });
    expect(result.verified).toBe(false);
    expect(result.checks).toContainEqual(expect.objectContaining({ id: 'attestation.format', passed: false, referrer: lyingDigest, detail: expect.stringMatching(/its subject is/) }));
  });

  it('more bundle referrers than the bound: LIMIT_EXCEEDED, nothing partly verified', async () => {
    const { registry, digest, bytes, text } = await image(true);
    for (let i = 0; i < 6; i++) {
      await attachBundle(registry, { digest, bytes }, dsseBundle(statement([{ name: String(i), digest: { sha256: digest.slice(7) } }], 'https://cyclonedx.org/bom', SBOM), key));
    }
    const error = await verifyBundle(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions, maxReferrers: 5 }).catch((e: unknown) => e);
    expect(isSealkitError(error, 'LIMIT_EXCEEDED')).toBe(true);
    const fine = await verifyBundle(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions, maxReferrers: 6 });
    expect(fine.verified).toBe(true);
    // Their bytes are bounded too.
    const small = await verifyBundle(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions, maxAttestationBytes: 1000 }).catch((e: unknown) => e);
    expect(isSealkitError(small, 'LIMIT_EXCEEDED')).toBe(true);
  });

  it('the default bound refuses an image with 65 attached bundles', async () => {
    const { registry, digest, bytes, text } = await image(true);
    const one = dsseBundle(statement([{ digest: { sha256: digest.slice(7) } }], 'https://cyclonedx.org/bom', {}), key);
    for (let i = 0; i < 65; i++) await attachBundle(registry, { digest, bytes }, { ...one, pad: i });
    const error = await verifyBundle(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions }).catch((e: unknown) => e);
    expect(isSealkitError(error, 'LIMIT_EXCEEDED')).toBe(true);
  });

  it('a bundle blob that does not match its digest is a registry error, not a verdict', async () => {
    const { registry, text } = await image();
    const signed = await signArtifact(text, { key: key.privateKey, registry: clientOptions });
    const referrer = registry.manifests.get(signed.registry!.referrer!.digest)!;
    const layer = (JSON.parse(referrer.bytes.toString('utf8')) as { layers: Array<{ digest: string }> }).layers[0]!;
    const original = registry.blobs.get(layer.digest)!;
    // one bit of the bundle changed, its size kept: only the digest tells
    const tampered = Buffer.from(original);
    const middle = tampered.length >> 1;
    tampered[middle] = (tampered[middle] ?? 0) ^ 0x01;
    registry.blobs.set(layer.digest, tampered);
    const error = await verifyBundle(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions }).catch((e: unknown) => e);
    expect(isSealkitError(error, 'REGISTRY_DIGEST_MISMATCH')).toBe(true);
  });

  it('named by digest, a signed image whose referrers list cannot be read is a registry error, never a verdict', async () => {
    const { registry, digest, text } = await image();
    await signArtifact(text, { key: key.privateKey, registry: clientOptions });
    const byDigest = `registry:${registry.host}/app@${digest}` as const;
    expect((await verifyBundle(byDigest, { publicKeys: [key.pem], registry: clientOptions })).verified).toBe(true);
    // The tag index now lists itself: the list read beside the manifest fails, and so does verification.
    const tag = `sha256-${digest.slice(7)}`;
    const listed = registry.manifests.get(registry.tags.get(`app:${tag}`)!)!;
    const self = JSON.parse(listed.bytes.toString('utf8')) as { manifests: Array<{ digest: string; mediaType: string; size: number }> };
    const looped = Buffer.from(JSON.stringify({ ...self, manifests: [...self.manifests, { mediaType: MEDIA_TYPES.ociIndex, digest: digest, size: 1 }] }));
    await client().putManifest(parseReference(`${registry.host}/app:${tag}`), looped, MEDIA_TYPES.ociIndex);
    const error = await verifyBundle(byDigest, { publicKeys: [key.pem], registry: clientOptions }).catch((e: unknown) => e);
    expect(isSealkitError(error, 'REGISTRY_PROTOCOL')).toBe(true);
  });

  it('a missing image is REGISTRY_NOT_FOUND; a malformed reference and a bad policy are usage errors', async () => {
    const { registry } = await image();
    const missing = await verifyBundle(`registry:${registry.host}/app:nope`, { publicKeys: [key.pem], registry: clientOptions }).catch((e: unknown) => e);
    expect(isSealkitError(missing, 'REGISTRY_NOT_FOUND')).toBe(true);
    await expect(verifyBundle('registry:', { registry: clientOptions })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(verifyBundle(`registry:${registry.host}/app:1`, { minLevel: 7 as 1, registry: clientOptions })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect((verifyBundle as (...a: unknown[]) => Promise<unknown>)(`registry:${registry.host}/app:1`, {}, {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(verifySlsaLevel(`registry:${registry.host}/app:1`, { attestations: [] } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('verifySlsaLevel requires L1 by default: a signature alone is not provenance', async () => {
    const { text } = await image();
    await signArtifact(text, { key: key.privateKey, registry: clientOptions });
    const result = await verifySlsaLevel(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions });
    expect(result.verified).toBe(false);
    expect(failed(result)).toEqual(['level.minimum']);
    const any = await verifySlsaLevel(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions, minLevel: 0 });
    expect(any.verified).toBe(true);
  });
});

describe("cosign's older tags, signed with a key", () => {
  function simpleSigning(digest: string, reference: string): Buffer {
    return Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': reference }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: null }));
  }

  async function putLegacy(registry: MemoryRegistry, digest: string, suffix: 'sig' | 'att', layers: Array<{ mediaType: string; data: Buffer; annotations?: Record<string, string> }>) {
    for (const l of layers) registry.blobs.set(sha256(l.data), l.data);
    const bytes = manifest(layers);
    return client().putManifest(parseReference(`${registry.host}/app:sha256-${digest.slice(7)}.${suffix}`), bytes, MEDIA_TYPES.ociManifest);
  }

  it('a .sig whose payload names the image verifies; one naming another image is set aside', async () => {
    const { registry, digest, text } = await image();
    const payload = simpleSigning(digest, `${registry.host}/app`);
    const signature = sign('sha256', payload, key.privateKey).toString('base64');
    const sigDigest = await putLegacy(registry, digest, 'sig', [{ mediaType: SIMPLE_SIGNING_MEDIA_TYPE, data: payload, annotations: { [COSIGN_ANNOTATIONS.signature]: signature } }]);
    const result = await verifyBundle(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions });
    expect(failed(result)).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.attestations).toEqual([expect.objectContaining({ about: 'yes', authentic: true, referrer: sigDigest, referrerSource: 'cosign-signature', kind: 'message-signature' })]);
    expect(result.signer).toMatchObject({ kind: 'key' });
    // Another key does not verify it.
    const stranger = await verifyBundle(text as `registry:${string}`, { publicKeys: [newKey().pem], registry: clientOptions });
    expect(stranger.verified).toBe(false);
    expect(failed(stranger)).toContain('signature');

    // A valid signature of a payload about another image proves nothing about this one.
    const elsewhere = simpleSigning(`sha256:${'e'.repeat(64)}`, `${registry.host}/app`);
    await putLegacy(registry, digest, 'sig', [
      { mediaType: SIMPLE_SIGNING_MEDIA_TYPE, data: elsewhere, annotations: { [COSIGN_ANNOTATIONS.signature]: sign('sha256', elsewhere, key.privateKey).toString('base64') } },
    ]);
    const moved = await verifyBundle(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions });
    expect(moved.verified).toBe(false);
    expect(moved.attestations).toEqual([expect.objectContaining({ about: 'no', referrerSource: 'cosign-signature' })]);
  });

  it('an .att DSSE envelope about the image verifies; a tampered payload does not', async () => {
    const { registry, digest, text } = await image();
    const payload = Buffer.from(JSON.stringify(statement([{ name: 'app', digest: { sha256: digest.slice(7) } }], 'https://cyclonedx.org/bom', SBOM)));
    const sig = sign('sha256', pae(IN_TOTO, payload), key.privateKey).toString('base64');
    const envelope = (p: Buffer) => Buffer.from(JSON.stringify({ payloadType: IN_TOTO, payload: p.toString('base64'), signatures: [{ keyid: '', sig }] }));
    const annotations = { [COSIGN_ANNOTATIONS.signature]: '', predicateType: 'https://cyclonedx.org/bom' };
    await putLegacy(registry, digest, 'att', [{ mediaType: DSSE_ENVELOPE_MEDIA_TYPE, data: envelope(payload), annotations }]);
    const result = await verifyBundle(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions });
    expect(failed(result)).toEqual([]);
    expect(result.attestations).toEqual([expect.objectContaining({ about: 'yes', referrerSource: 'cosign-attestation', predicateType: 'https://cyclonedx.org/bom' })]);

    const tampered = Buffer.from(payload.toString('utf8').replace('"bomFormat"', '"BomFormat"'));
    await putLegacy(registry, digest, 'att', [{ mediaType: DSSE_ENVELOPE_MEDIA_TYPE, data: envelope(tampered), annotations }]);
    const bad = await verifyBundle(text as `registry:${string}`, { publicKeys: [key.pem], registry: clientOptions });
    expect(bad.verified).toBe(false);
    expect(failed(bad)).toContain('signature');
  });
});
