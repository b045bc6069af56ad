/**
 * Signing and attesting in place on Debian's docker-registry (distribution 2.8, no referrers
 * API: the tag index is used), anonymous and behind htpasswd, fed by skopeo with the real e2e
 * image and the multi-platform index. Keyless against a private Sigstore instance, and with a
 * key. Independent checks: skopeo's digest, the referrers read with plain HTTP requests and
 * verified with @sigstore/verify over the manifest's bytes, and an attestation attached by
 * @sigstore/oci that sealkit discovers.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { attachArtifactToImage } from '@sigstore/oci';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attestProvenance } from '../../src/attest/attest-provenance.js';
import { main } from '../../src/cli/main.js';
import { attachSbom } from '../../src/registry/attach.js';
import { discoverReferrers } from '../../src/registry/discover.js';
import { attestSbom } from '../../src/sign/attest-sbom.js';
import { signArtifact } from '../../src/sign/sign-artifact.js';
import { EMPTY_TRUSTED_ROOT, TEST_ISSUER, TEST_SUBJECT, keylessOptions, startSigstoreStack, verifyBundle, type SigstoreStack } from '../sign/support/index.js';
import { captureIo } from '../support/capture-io.js';
import { rawBlob, rawManifest, rawTags, skopeoInspectDigest, skopeoInspectRaw } from '../support/registry/raw.js';
import { skipRegistryTests, startRegistry, type RunningRegistry } from '../support/registry/registry-server.js';
import { pushImage, pushIndex } from '../support/registry/seed.js';
import { loadRealImage, type RealImage } from './image-oracles.js';

const USER = { username: 'release-bot', password: 'correct horse battery staple' };
const REPO = 'sealkit-e2e/bookworm';
const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
const PROVENANCE = { buildType: 'https://example.com/build/v1', builderId: 'https://example.com/builder', externalParameters: { ref: 'main' } };

interface ArtifactJson {
  schemaVersion: number;
  mediaType: string;
  artifactType: string;
  config: { mediaType: string; digest: string; size: number };
  layers: Array<{ mediaType: string; digest: string; size: number }>;
  subject: { mediaType: string; digest: string; size: number };
  annotations?: Record<string, string>;
}

describe.skipIf(skipRegistryTests({ auth: true }))('signing and attesting in place on real registries', () => {
  let image: RealImage;
  let anonymous: RunningRegistry;
  let secured: RunningRegistry;
  let stack: SigstoreStack;
  let dir: string;
  let keyPath: string;
  let publicKey: string;
  let manifestDigest: string;
  let indexDigest: string;

  const securedAccess = () => ({ registry: { credentials: { [secured.host]: USER }, dockerConfig: false as const } });
  const anonymousAccess = { registry: { dockerConfig: false as const } };

  /** The referrers of `digest` as the tag index lists them, read with plain HTTP. */
  async function tagIndex(registry: RunningRegistry, digest: string): Promise<Array<{ digest: string; artifactType?: string; annotations?: Record<string, string> }>> {
    const index = await rawManifest(registry, REPO, `sha256-${digest.slice(7)}`);
    return (index.json as { manifests: Array<{ digest: string; artifactType?: string }> }).manifests;
  }

  /** The referrer manifest and its one layer, read with plain HTTP and checked against their digests. */
  async function rawReferrer(registry: RunningRegistry, digest: string): Promise<{ manifest: ArtifactJson; layer: Buffer }> {
    const fetched = await rawManifest(registry, REPO, digest);
    expect(fetched.digest).toBe(digest);
    const manifest = fetched.json as ArtifactJson;
    return { manifest, layer: await rawBlob(registry, REPO, manifest.layers[0]?.digest ?? '') };
  }

  beforeAll(async () => {
    image = loadRealImage();
    manifestDigest = String((image.description as unknown as { manifestDigest?: unknown }).manifestDigest);
    dir = await mkdtemp(path.join(tmpdir(), 'sealkit-registry-sign-'));
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    keyPath = path.join(dir, 'key.pem');
    await writeFile(keyPath, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    publicKey = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    [anonymous, secured, stack] = await Promise.all([startRegistry(), startRegistry({ auth: USER }), startSigstoreStack()]);
    const archive = path.join(image.dir, image.description.archives['oci-archive']);
    await Promise.all([
      pushImage(archive, 'oci-archive', anonymous, `${REPO}:real`),
      pushImage(archive, 'oci-archive', secured, `${REPO}:real`),
    ]);
    indexDigest = (await pushIndex(anonymous, `${REPO}:multi`)).digest;
  });

  afterAll(async () => {
    await Promise.all([anonymous?.stop(), secured?.stop(), stack?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('signs an image keyless by tag in cosign 3\'s layout: the digest is skopeo\'s, and the attached statement names it', async () => {
    const result = await signArtifact(`registry:${anonymous.host}/${REPO}:real`, { ...keylessOptions(stack), ...anonymousAccess });
    expect(result.registry?.subject.digest).toBe(manifestDigest);
    expect(await skopeoInspectDigest(anonymous, `${REPO}:real`)).toBe(manifestDigest);

    const listed = await tagIndex(anonymous, manifestDigest);
    expect(listed.map((d) => [d.digest, d.artifactType])).toEqual([[result.registry?.referrer?.digest, BUNDLE]]);
    const { manifest, layer } = await rawReferrer(anonymous, listed[0]!.digest);
    const imageManifest = await rawManifest(anonymous, REPO, manifestDigest);
    expect(manifest).toMatchObject({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: BUNDLE,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY_DIGEST, size: 2 },
      layers: [{ mediaType: BUNDLE, size: layer.length }],
      subject: { mediaType: imageManifest.mediaType, digest: manifestDigest, size: imageManifest.body.length },
    });
    expect(manifest.annotations?.['dev.sigstore.bundle.content']).toBe('dsse-envelope');
    expect(manifest.annotations?.['dev.sigstore.bundle.predicateType']).toBe('https://sigstore.dev/cosign/sign/v1');
    const bundle = JSON.parse(layer.toString('utf8')) as { dsseEnvelope: { payload: string } };
    const signer = verifyBundle(bundle, { trustedRoot: stack.trustedRoot, identity: { subject: TEST_SUBJECT, issuer: TEST_ISSUER } });
    expect(signer.identity?.subjectAlternativeName).toBe(TEST_SUBJECT);
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as { subject: unknown; predicateType: string };
    expect(statement.predicateType).toBe('https://sigstore.dev/cosign/sign/v1');
    expect(statement.subject).toEqual([{ name: `${anonymous.host}/${REPO}`, digest: { sha256: manifestDigest.slice(7) } }]);
    // The signed tag still names the image, and the only new tag is the referrers index.
    expect((await rawManifest(anonymous, REPO, 'real')).digest).toBe(manifestDigest);
    expect(await rawTags(anonymous, REPO)).toEqual(['multi', 'real', `sha256-${manifestDigest.slice(7)}`].sort());
  });

  it('attests an SBOM and provenance with a key behind htpasswd; discover lists both; @sigstore/verify checks the statements', async () => {
    const sbom = { bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] };
    const ref = `registry:${secured.host}/${REPO}@${manifestDigest}`;
    const attested = await attestSbom(sbom, ref, { key: await readKey(), env: {}, ...securedAccess() });
    const provenance = await attestProvenance(ref, { key: await readKey(), env: {}, provenance: PROVENANCE, ...securedAccess() });
    for (const result of [attested, provenance]) {
      expect(result.statement.subject).toEqual([{ name: `${secured.host}/${REPO}`, digest: { sha256: manifestDigest.slice(7) } }]);
    }
    const found = await discoverReferrers(`registry:${secured.host}/${REPO}:real`, securedAccess());
    expect(found.subject.digest).toBe(manifestDigest);
    expect(found.referrers.map((r) => [r.predicateType, r.artifactType, r.source]).sort()).toEqual([
      ['https://cyclonedx.org/bom', BUNDLE, 'referrers-tag'],
      ['https://slsa.dev/provenance/v1', BUNDLE, 'referrers-tag'],
    ]);
    for (const referrer of found.referrers) {
      const { manifest, layer } = await rawReferrer(secured, referrer.digest);
      expect(manifest.subject.digest).toBe(manifestDigest);
      expect(manifest.annotations?.['dev.sigstore.bundle.predicateType']).toBe(referrer.predicateType);
      const bundle = JSON.parse(layer.toString('utf8')) as { dsseEnvelope: { payload: string } };
      verifyBundle(bundle, { trustedRoot: EMPTY_TRUSTED_ROOT, publicKeys: { [keyHint(attested)]: publicKey }, tlogThreshold: 0, timestampThreshold: 0, ctlogThreshold: 0 });
      const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as { subject: Array<{ digest: { sha256: string } }> };
      expect(`sha256:${statement.subject[0]?.digest.sha256}`).toBe(manifestDigest);
    }
  });

  it('refuses wrong credentials and a missing tag with their codes, and writes nothing', async () => {
    const tags = await rawTags(secured, REPO);
    const wrong = { registry: { credentials: { [secured.host]: { ...USER, password: 'wrong-password-5d1e' } }, dockerConfig: false as const } };
    const denied = await signArtifact(`registry:${secured.host}/${REPO}:real`, { key: await readKey(), env: {}, ...wrong }).catch((e: unknown) => e);
    expect(denied).toMatchObject({ code: 'REGISTRY_UNAUTHORIZED', details: { registry: secured.host } });
    expect(String((denied as Error).message)).not.toContain('wrong-password-5d1e');
    const missing = await signArtifact(`registry:${secured.host}/${REPO}:missing`, { key: await readKey(), env: {}, ...securedAccess() }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'REGISTRY_NOT_FOUND' });
    expect(await rawTags(secured, REPO)).toEqual(tags);
  });

  it('signs a multi-platform index as a whole from the command line, with the digest skopeo reports', async () => {
    const io = captureIo(dir, {});
    const code = await main(['sign', `registry:${anonymous.host}/${REPO}:multi`, '--key', keyPath], io);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const skopeo = await skopeoInspectRaw(anonymous, `${REPO}:multi`);
    expect(skopeo.digest).toBe(indexDigest);
    expect(io.out()).toContain(`signed ${anonymous.host}/${REPO}:multi@${indexDigest}`);
    const listed = await tagIndex(anonymous, indexDigest);
    expect(listed).toHaveLength(1);
    const { manifest } = await rawReferrer(anonymous, listed[0]!.digest);
    expect(manifest.subject).toEqual({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: indexDigest, size: skopeo.manifest.length });

    const json = captureIo(dir, {});
    expect(await main(['discover', `registry:${anonymous.host}/${REPO}:multi`, '--json'], json)).toBe(0);
    expect((JSON.parse(json.out()) as Array<{ digest: string }>).map((r) => r.digest)).toEqual([listed[0]!.digest]);
  });

  it('finds an attestation @sigstore/oci attached, and writes the same layout', async () => {
    const provenance = await attestProvenance({ name: `${secured.host}/${REPO}`, digest: { sha256: manifestDigest.slice(7) } }, { key: await readKey(), env: {}, provenance: PROVENANCE });
    const theirs = await attachArtifactToImage({
      imageName: `${secured.host}/${REPO}`,
      imageDigest: manifestDigest,
      artifact: Buffer.from(JSON.stringify(provenance.bundle)),
      mediaType: BUNDLE,
      annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://slsa.dev/provenance/v1' },
      credentials: USER,
    });
    const found = await discoverReferrers(`registry:${secured.host}/${REPO}:real`, securedAccess());
    const entry = found.referrers.find((r) => r.digest === theirs.digest);
    expect(entry).toMatchObject({ artifactType: BUNDLE, predicateType: 'https://slsa.dev/provenance/v1', source: 'referrers-tag' });
    expect(entry?.created).toMatch(/^\d{4}-\d\d-\d\dT/);
    // Same fields, in the same order, as the manifests sealkit writes.
    const ours = found.referrers.find((r) => r.digest !== theirs.digest && r.predicateType === 'https://slsa.dev/provenance/v1');
    const [a, b] = await Promise.all([rawReferrer(secured, theirs.digest), rawReferrer(secured, ours?.digest ?? '')]);
    expect(Object.keys(b.manifest)).toEqual(Object.keys(a.manifest));
    expect(b.manifest.config).toEqual(a.manifest.config);
    expect(b.manifest.subject).toEqual(a.manifest.subject);
    expect(Object.keys(b.manifest.annotations ?? {}).sort()).toEqual(Object.keys(a.manifest.annotations ?? {}).sort());
  });

  it('attaches an unsigned SBOM that plain HTTP reads back byte for byte', async () => {
    const sbom = Buffer.from(JSON.stringify({ spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: 'bookworm', packages: [] }));
    const result = await attachSbom(`registry:${anonymous.host}/${REPO}:real`, sbom, anonymousAccess);
    const { manifest, layer } = await rawReferrer(anonymous, result.referrer.digest);
    expect(manifest.artifactType).toBe('application/spdx+json');
    expect(layer).toEqual(sbom);
    expect((await tagIndex(anonymous, manifestDigest)).map((d) => d.digest)).toContain(result.referrer.digest);
  });

  it('keeps every entry of the tag index when SBOMs are attached to one image at once (the registry ignores If-Match)', async () => {
    const sboms = Array.from({ length: 8 }, (_, i) => Buffer.from(JSON.stringify({ spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: `concurrent-${i}`, packages: [] })));
    const results = await Promise.all(sboms.map((sbom) => attachSbom(`registry:${anonymous.host}/${REPO}@${indexDigest}`, sbom, anonymousAccess)));
    const listed = (await tagIndex(anonymous, indexDigest)).map((d) => d.digest);
    for (const result of results) expect(listed).toContain(result.referrer.digest);
  });

  async function readKey(): Promise<string> {
    const { readFile } = await import('node:fs/promises');
    return readFile(keyPath, 'utf8');
  }
});

function keyHint(result: { signer: { kind: string } }): string {
  return (result.signer as unknown as { keyHint: string }).keyHint;
}
