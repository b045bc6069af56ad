/**
 * Artifact manifests attached to images: their exact bytes and digest, the annotations of
 * bundles and SBOMs, and signing, attesting and attaching in place on an in-memory registry
 * with and without the referrers API, checked with `@sigstore/verify` over the manifest.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SerializedBundle } from '@sigstore/bundle';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attestProvenance } from '../../src/attest/attest-provenance.js';
import { isSealkitError } from '../../src/errors.js';
import { attachSbom, buildArtifactManifest, bundleArtifact, sbomMediaType } from '../../src/registry/attach.js';
import { RegistryClient } from '../../src/registry/client.js';
import { discoverReferrers } from '../../src/registry/discover.js';
import { parseReference } from '../../src/registry/reference.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import { attestSbom } from '../../src/sign/attest-sbom.js';
import { IMAGE_SIGNATURE_PREDICATE_TYPE, signArtifact } from '../../src/sign/sign-artifact.js';
import { EMPTY_TRUSTED_ROOT, verifyBundle } from '../sign/support/index.js';
import { startMemoryRegistry, type MemoryRegistry } from './support/memory-registry.js';

const sha256 = (data: string | Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
const SUBJECT = { mediaType: MEDIA_TYPES.ociManifest, digest: sha256('image'), size: 5 };

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const KEY = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const PUBLIC_KEY = publicKey.export({ format: 'pem', type: 'spki' }).toString();
const offline = { trustedRoot: EMPTY_TRUSTED_ROOT, tlogThreshold: 0, timestampThreshold: 0, ctlogThreshold: 0 };

const CYCLONEDX = Buffer.from(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] }));
const SPDX = Buffer.from(JSON.stringify({ spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: 'x', packages: [] }));
const PROVENANCE = {
  buildType: 'https://example.com/build/v1',
  builderId: 'https://example.com/builder',
  externalParameters: { ref: 'main' },
};

describe('buildArtifactManifest', () => {
  it('writes the manifest byte for byte: fixed key order, empty config, one layer, sorted annotations', () => {
    const artifact = buildArtifactManifest({
      subject: { ...SUBJECT, annotations: { dropped: 'yes' } },
      layerMediaType: MEDIA_TYPES.cyclonedxJson,
      layer: Buffer.from('sbom'),
      annotations: { 'z.last': '2', 'a.first': '1' },
    });
    const expected =
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",' +
      '"artifactType":"application/vnd.cyclonedx+json",' +
      `"config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"${EMPTY_DIGEST}","size":2},` +
      `"layers":[{"mediaType":"application/vnd.cyclonedx+json","digest":"${sha256('sbom')}","size":4}],` +
      `"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"${SUBJECT.digest}","size":5},` +
      '"annotations":{"a.first":"1","z.last":"2"}}';
    expect(artifact.bytes.toString('utf8')).toBe(expected);
    expect(artifact.digest).toBe(sha256(expected));
    expect(artifact.blobs.map((b) => [b.descriptor.digest, b.bytes.toString()])).toEqual([
      [EMPTY_DIGEST, '{}'],
      [sha256('sbom'), 'sbom'],
    ]);
    // The same input gives the same digest: attaching twice lists the artifact once.
    expect(buildArtifactManifest({ subject: SUBJECT, layerMediaType: MEDIA_TYPES.cyclonedxJson, layer: Buffer.from('sbom'), annotations: { 'a.first': '1', 'z.last': '2' } }).digest).toBe(artifact.digest);
  });

  it('leaves annotations out when there are none, and refuses a media type that is not type/subtype', () => {
    const artifact = buildArtifactManifest({ subject: SUBJECT, layerMediaType: 'application/json', layer: Buffer.from('{}') });
    expect(JSON.parse(artifact.bytes.toString())).not.toHaveProperty('annotations');
    for (const bad of ['json', '', 'a/b c', 'application/json\n']) {
      expect(() => buildArtifactManifest({ subject: SUBJECT, layerMediaType: bad, layer: Buffer.from('') })).toThrow(/not a media type/);
    }
  });
});

describe('bundleArtifact', () => {
  const message = { mediaType: MEDIA_TYPES.sigstoreBundle, verificationMaterial: { tlogEntries: [{ integratedTime: '1700000000' }] }, messageSignature: {} } as unknown as SerializedBundle;
  const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [], predicateType: 'https://slsa.dev/provenance/v1', predicate: {} };
  const dsse = {
    mediaType: MEDIA_TYPES.sigstoreBundle,
    verificationMaterial: { tlogEntries: [] },
    dsseEnvelope: { payloadType: 'application/vnd.in-toto+json', payload: Buffer.from(JSON.stringify(statement)).toString('base64'), signatures: [] },
  } as unknown as SerializedBundle;

  it('marks a message signature, dated by its log entry', () => {
    const artifact = bundleArtifact(SUBJECT, message);
    expect(artifact.artifactType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(artifact.annotations).toEqual({ 'dev.sigstore.bundle.content': 'message-signature', 'org.opencontainers.image.created': '2023-11-14T22:13:20Z' });
    expect(artifact.blobs[1]?.bytes.toString()).toBe(JSON.stringify(message));
    expect(artifact.blobs[1]?.descriptor.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
  });

  it('marks a DSSE attestation with its predicate type; created can be given or left out', () => {
    const artifact = bundleArtifact(SUBJECT, dsse, { created: new Date('2024-01-02T03:04:05.678Z') });
    expect(artifact.annotations).toEqual({
      'dev.sigstore.bundle.content': 'dsse-envelope',
      'dev.sigstore.bundle.predicateType': 'https://slsa.dev/provenance/v1',
      'org.opencontainers.image.created': '2024-01-02T03:04:05Z',
    });
    expect(bundleArtifact(SUBJECT, dsse, { created: false }).annotations).not.toHaveProperty('org.opencontainers.image.created');
  });

  it('refuses a bundle with neither content', () => {
    const empty = { mediaType: MEDIA_TYPES.sigstoreBundle, verificationMaterial: {} } as unknown as SerializedBundle;
    expect(() => bundleArtifact(SUBJECT, empty)).toThrow(/neither a message signature nor a DSSE envelope/);
  });
});

describe('sbomMediaType', () => {
  it('names CycloneDX JSON and XML, SPDX 2 and SPDX 3 JSON-LD', () => {
    expect(sbomMediaType(CYCLONEDX)).toBe('application/vnd.cyclonedx+json');
    expect(sbomMediaType(SPDX)).toBe('application/spdx+json');
    expect(sbomMediaType(Buffer.from(JSON.stringify({ '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld', '@graph': [] })))).toBe('application/spdx+json');
    expect(sbomMediaType(Buffer.from('<?xml version="1.0"?>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"/>'))).toBe('application/vnd.cyclonedx+xml');
  });

  it('refuses what is not an SBOM with FORMAT_UNSUPPORTED', () => {
    for (const text of ['{"name":"x"}', '[]', 'not json', '<html/>', '']) {
      let error: unknown;
      try {
        sbomMediaType(Buffer.from(text));
      } catch (caught) {
        error = caught;
      }
      expect(isSealkitError(error, 'FORMAT_UNSUPPORTED'), text).toBe(true);
    }
  });
});

describe.each([true, false])('in place on a registry (referrers API: %s)', (referrersApi) => {
  let registry: MemoryRegistry;
  let dir: string;
  let imageDigest: string;
  let imageBytes: Buffer;
  const client = () => new RegistryClient({ dockerConfig: false, retryDelay: 1 });
  const ref = () => `registry:${registry.host}/app:1`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sealkit-attach-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeAll(async () => {
    registry = await startMemoryRegistry({ referrersApi });
    const layer = Buffer.from('layer');
    await client().pushBlob(parseReference(`${registry.host}/app:1`), { digest: sha256(layer), size: layer.length }, layer);
    imageBytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        config: { mediaType: MEDIA_TYPES.ociEmpty, digest: EMPTY_DIGEST, size: 2 },
        layers: [{ mediaType: 'application/octet-stream', digest: sha256(layer), size: layer.length }],
      }),
    );
    imageDigest = await client().putManifest(parseReference(`${registry.host}/app:1`), imageBytes, MEDIA_TYPES.ociManifest);
  });
  afterEach(() => {
    registry.requests.length = 0;
  });
  afterAll(async () => {
    await registry.close();
  });

  it('signs the manifest a tag names as cosign 3 does, attaches the bundle, and @sigstore/verify accepts it', async () => {
    const bundlePath = join(dir, `image-${referrersApi}.sigstore.json`);
    const result = await signArtifact(ref(), { key: KEY, env: {}, registry: { dockerConfig: false }, bundlePath });
    expect(result.registry?.subject).toEqual({ mediaType: MEDIA_TYPES.ociManifest, digest: imageDigest, size: imageBytes.length });
    expect(result.registry?.reference).toBe(`${registry.host}/app:1@${imageDigest}`);
    expect(result.bundle.messageSignature).toBeUndefined();
    const statement = JSON.parse(Buffer.from(result.bundle.dsseEnvelope?.payload ?? '', 'base64').toString('utf8')) as Record<string, unknown>;
    expect(statement).toEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: `${registry.host}/app`, digest: { sha256: imageDigest.slice(7) } }],
      predicateType: IMAGE_SIGNATURE_PREDICATE_TYPE,
      predicate: {},
    });
    expect(JSON.parse(await readFile(bundlePath, 'utf8'))).toEqual(result.bundle);

    const referrer = result.registry?.referrer;
    const stored = registry.manifests.get(referrer?.digest ?? '');
    const manifest = JSON.parse(stored?.bytes.toString() ?? '{}') as { subject: unknown; artifactType: string; layers: Array<{ digest: string }>; annotations: Record<string, string> };
    expect(manifest.subject).toEqual({ mediaType: MEDIA_TYPES.ociManifest, digest: imageDigest, size: imageBytes.length });
    expect(manifest.artifactType).toBe(MEDIA_TYPES.sigstoreBundle);
    expect(manifest.annotations['dev.sigstore.bundle.content']).toBe('dsse-envelope');
    expect(manifest.annotations['dev.sigstore.bundle.predicateType']).toBe(IMAGE_SIGNATURE_PREDICATE_TYPE);
    const bundle = JSON.parse(registry.blobs.get(manifest.layers[0]?.digest ?? '')?.toString() ?? 'null') as SerializedBundle;
    expect(bundle).toEqual(result.bundle);
    verifyBundle(bundle, { ...offline, publicKeys: { [(result.signer as { keyHint: string }).keyHint]: PUBLIC_KEY } });
    const forged = { ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope!, payload: Buffer.from(JSON.stringify({ ...statement, subject: [{ name: 'x', digest: { sha256: '0'.repeat(64) } }] })).toString('base64') } };
    expect(() => verifyBundle(forged, { ...offline, publicKeys: { k: PUBLIC_KEY } })).toThrow();
    expect(registry.tags.has(`app:sha256-${imageDigest.slice(7)}`)).toBe(!referrersApi);
    // Attaching never moves the tag that was signed.
    expect(registry.tags.get('app:1')).toBe(imageDigest);
  });

  it('signs an image with an Ed25519 key (a DSSE envelope needs no message digest)', async () => {
    const ed25519 = generateKeyPairSync('ed25519');
    const result = await signArtifact(ref(), { key: ed25519.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), env: {}, registry: { dockerConfig: false }, upload: false });
    expect(result.bundle.dsseEnvelope?.signatures).toHaveLength(1);
    expect(result.registry?.subject.digest).toBe(imageDigest);
  });

  it('attests an SBOM and provenance about the image by digest, and discover lists all with their predicate types', async () => {
    const sbom = await attestSbom(CYCLONEDX, ref(), { key: KEY, env: {}, registry: { dockerConfig: false } });
    expect(sbom.statement.subject).toEqual([{ name: `${registry.host}/app`, digest: { sha256: imageDigest.slice(7) } }]);
    const provenance = await attestProvenance([ref(), { artifact: ref(), name: 'pkg:oci/app' }], {
      key: KEY,
      env: {},
      provenance: PROVENANCE,
      registry: client(),
    });
    expect(provenance.statement.subject.map((s) => s.name)).toEqual([`${registry.host}/app`, 'pkg:oci/app']);
    // One image, named twice: the bundle is attached once.
    expect(provenance.registry).toHaveLength(1);

    const found = await discoverReferrers(ref(), { registry: { dockerConfig: false } });
    expect(found.subject.digest).toBe(imageDigest);
    const byDigest = new Map(found.referrers.map((r) => [r.digest, r]));
    expect(byDigest.get(sbom.registry?.referrer?.digest ?? '')).toMatchObject({
      artifactType: MEDIA_TYPES.sigstoreBundle,
      mediaType: MEDIA_TYPES.ociManifest,
      predicateType: 'https://cyclonedx.org/bom',
      source: referrersApi ? 'referrers-api' : 'referrers-tag',
    });
    expect(byDigest.get(provenance.registry?.[0]?.referrer?.digest ?? '')?.predicateType).toBe('https://slsa.dev/provenance/v1');
    for (const referrer of found.referrers) {
      expect(referrer.size).toBe(registry.manifests.get(referrer.digest)?.bytes.length);
    }
  });

  it('with upload: false reads the registry but writes nothing to it', async () => {
    const before = registry.manifests.size;
    const result = await signArtifact(ref(), { key: KEY, env: {}, registry: { dockerConfig: false }, upload: false });
    expect(result.registry?.referrer).toBeUndefined();
    expect(result.registry?.subject.digest).toBe(imageDigest);
    expect(registry.manifests.size).toBe(before);
    expect(registry.requests.every((r) => r.method === 'GET' || r.method === 'HEAD')).toBe(true);
  });

  it('attaches an unsigned SBOM as an artifact of its media type, once however often', async () => {
    const path = join(dir, `spdx-${referrersApi}.json`);
    await writeFile(path, SPDX);
    const first = await attachSbom(ref(), path, { registry: { dockerConfig: false } });
    const again = await attachSbom(`${registry.host}/app@${imageDigest}`, SPDX, { registry: { dockerConfig: false } });
    expect(again.referrer.digest).toBe(first.referrer.digest);
    expect(first.mediaType).toBe('application/spdx+json');
    const listed = (await discoverReferrers(ref(), { registry: { dockerConfig: false }, artifactType: 'application/spdx+json' })).referrers;
    expect(listed.map((r) => r.digest)).toEqual([first.referrer.digest]);
    expect(listed[0]?.created).toBeUndefined();
    const stored = JSON.parse(registry.manifests.get(first.referrer.digest)?.bytes.toString() ?? '{}') as { layers: Array<{ digest: string }> };
    expect(registry.blobs.get(stored.layers[0]?.digest ?? '')).toEqual(SPDX);
  });

  it('fails before any request on a malformed reference, and names the registry for a missing tag', async () => {
    await expect(signArtifact('registry:', { key: KEY, env: {} })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(discoverReferrers('registry:UPPER/Case:1')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(registry.requests).toHaveLength(0);
    const missing = `registry:${registry.host}/app:missing`;
    await expect(signArtifact(missing, { key: KEY, env: {}, registry: { dockerConfig: false } })).rejects.toMatchObject({
      code: 'REGISTRY_NOT_FOUND',
      details: { registry: registry.host },
    });
    await expect(attachSbom(missing, CYCLONEDX, { registry: { dockerConfig: false } })).rejects.toMatchObject({ code: 'REGISTRY_NOT_FOUND' });
    await expect(attachSbom(ref(), Buffer.from('{"name":"not an sbom"}'), { registry: { dockerConfig: false } })).rejects.toMatchObject({ code: 'FORMAT_UNSUPPORTED' });
  });
});
