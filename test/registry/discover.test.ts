/**
 * Discovery of what is attached to an image, through the API and `sealkit discover`, on an
 * in-memory registry: an index signed as a whole, cosign's older tags, a hostile tag index,
 * text from the registry made printable, and the registry flags of the signing commands.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { RegistryClient } from '../../src/registry/client.js';
import { discoverReferrers } from '../../src/registry/discover.js';
import { parseReference } from '../../src/registry/reference.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import { captureIo } from '../support/capture-io.js';
import { startMemoryRegistry, type MemoryRegistry } from './support/memory-registry.js';

const sha256 = (data: string | Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const EMPTY = Buffer.from('{}');
const client = () => new RegistryClient({ dockerConfig: false, retryDelay: 1 });

function manifest(layer: string, extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociEmpty, digest: sha256(EMPTY), size: 2 },
      layers: [{ mediaType: 'application/octet-stream', digest: sha256(layer), size: layer.length }],
      ...extra,
    }),
  );
}

let registry: MemoryRegistry;
let dir: string;
let keyPath: string;
let sbomPath: string;
let amd: { digest: string; size: number };
let indexDigest: string;

beforeAll(async () => {
  registry = await startMemoryRegistry({ referrersApi: false });
  dir = await mkdtemp(join(tmpdir(), 'sealkit-discover-'));
  keyPath = join(dir, 'key.pem');
  await writeFile(keyPath, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
  sbomPath = join(dir, 'sbom.cdx.json');
  await writeFile(sbomPath, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1 }));
  const ref = parseReference(`${registry.host}/multi:1`);
  const image = manifest('amd64');
  amd = { digest: await client().putManifest(ref.withDigest(sha256(image)), image, MEDIA_TYPES.ociManifest), size: image.length };
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: [{ mediaType: MEDIA_TYPES.ociManifest, ...amd, platform: { os: 'linux', architecture: 'amd64' } }],
    }),
  );
  indexDigest = await client().putManifest(ref, index, MEDIA_TYPES.ociIndex);
});
afterAll(async () => {
  await registry?.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const io = captureIo(dir, env);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('sealkit discover and the signing commands in place', () => {
  it('signs an index as a whole, prints its digest, and discover lists the bundle on the index only', async () => {
    const signed = await run(['sign', `registry:${registry.host}/multi:1`, '--key', keyPath]);
    expect(signed.err).toBe('');
    expect(signed.code).toBe(0);
    expect(signed.out).toContain(`signed ${registry.host}/multi:1@${indexDigest}`);
    const referrer = /attached as (sha256:[0-9a-f]{64})/.exec(signed.out)?.[1];
    expect(referrer).toBeDefined();

    const listed = await run(['discover', `registry:${registry.host}/multi:1`, '--json']);
    expect(listed.code).toBe(0);
    const entries = JSON.parse(listed.out) as Array<Record<string, unknown>>;
    expect(entries).toEqual([
      {
        digest: referrer,
        artifactType: MEDIA_TYPES.sigstoreBundle,
        mediaType: MEDIA_TYPES.ociManifest,
        size: registry.manifests.get(referrer ?? '')?.bytes.length,
        // Signed offline with a key: no log entry dates it, so it is the signing time.
        created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        // an image signature in cosign 3's layout
        predicateType: 'https://sigstore.dev/cosign/sign/v1',
        source: 'referrers-tag',
      },
    ]);
    expect((await discoverReferrers(`${registry.host}/multi@${amd.digest}`, { registry: { dockerConfig: false } })).referrers).toEqual([]);
  });

  it('prints a table with predicate types, and says when nothing is attached', async () => {
    const attested = await run(['attest-sbom', sbomPath, '--subject', `registry:${registry.host}/multi:1`, '--key', keyPath]);
    expect(attested.code).toBe(0);
    expect(attested.out).toContain(`for ${registry.host}/multi:1@${indexDigest}`);
    const table = await run(['discover', `registry:${registry.host}/multi:1`]);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toBe(`${registry.host}/multi:1@${indexDigest} (${MEDIA_TYPES.ociIndex})`);
    expect(lines[1]).toMatch(/^DIGEST\s+ARTIFACT TYPE\s+PREDICATE TYPE\s+SIZE\s+CREATED\s+SOURCE$/);
    expect(lines.slice(2).some((l) => l.includes('https://cyclonedx.org/bom') && l.endsWith('referrers-tag'))).toBe(true);
    expect(lines).toHaveLength(4);
    const empty = await run(['discover', `${registry.host}/multi@${amd.digest}`]);
    expect(empty.out.split('\n')[1]).toBe('nothing attached');
  });

  it("lists cosign's .sig tag, and escapes control characters a registry put in an annotation", async () => {
    const ref = parseReference(`${registry.host}/legacy:1`);
    const image = manifest('legacy');
    const digest = await client().putManifest(ref, image, MEDIA_TYPES.ociManifest);
    const signature = manifest('sig', { annotations: { 'org.opencontainers.image.created': '2024\u001b[2J' } });
    await client().putManifest(ref.withTag(`sha256-${digest.slice(7)}.sig`), signature, MEDIA_TYPES.ociManifest);
    const found = await discoverReferrers(ref, { registry: { dockerConfig: false } });
    expect(found.referrers.map((r) => [r.digest, r.source])).toEqual([[sha256(signature), 'cosign-signature']]);
    const table = await run(['discover', `registry:${registry.host}/legacy:1`]);
    expect(table.out).not.toContain('\u001b');
    expect(table.out).toContain('2024\\u001b[2J');
    expect((await discoverReferrers(ref, { registry: { dockerConfig: false }, legacyTags: false })).referrers).toEqual([]);
  });

  it("names the predicate types of cosign's .att layers without asking the registry again", async () => {
    const ref = parseReference(`${registry.host}/legacy-att:1`);
    const digest = await client().putManifest(ref, manifest('legacy-att'), MEDIA_TYPES.ociManifest);
    const layer = (name: string, predicateType: string) => ({ mediaType: 'application/vnd.dsse.envelope.v1+json', digest: sha256(name), size: name.length, annotations: { predicateType } });
    const attestations = (layers: unknown[]) => Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: { mediaType: MEDIA_TYPES.ociEmpty, digest: sha256(EMPTY), size: 2 }, layers }));
    const att = attestations([layer('a', 'https://cyclonedx.org/bom'), layer('b', 'https://cyclonedx.org/bom')]);
    await client().putManifest(ref.withTag(`sha256-${digest.slice(7)}.att`), att, MEDIA_TYPES.ociManifest);
    const before = registry.requests.length;
    const found = await discoverReferrers(ref, { registry: { dockerConfig: false } });
    expect(found.referrers).toEqual([expect.objectContaining({ digest: sha256(att), source: 'cosign-attestation', predicateType: 'https://cyclonedx.org/bom' })]);
    const attReads = registry.requests.slice(before).filter((r) => r.method === 'GET' && (r.url.endsWith('.att') || r.url.endsWith(sha256(att))));
    expect(attReads).toHaveLength(1);

    const mixed = attestations([layer('a', 'https://cyclonedx.org/bom'), layer('c', 'https://slsa.dev/provenance/v1')]);
    await client().putManifest(ref.withTag(`sha256-${digest.slice(7)}.att`), mixed, MEDIA_TYPES.ociManifest);
    const json = await run(['discover', `registry:${registry.host}/legacy-att:1`, '--json']);
    expect(JSON.parse(json.out)).toEqual([expect.objectContaining({ digest: sha256(mixed), predicateType: 'https://cyclonedx.org/bom, https://slsa.dev/provenance/v1' })]);
  });

  it('fails with one line and exit 1 on a referrers index that names itself', async () => {
    const ref = parseReference(`${registry.host}/loop:1`);
    const digest = await client().putManifest(ref, manifest('loop'), MEDIA_TYPES.ociManifest);
    const selfRef = { mediaType: MEDIA_TYPES.ociManifest, digest, size: 1 };
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [selfRef] }));
    await client().putManifest(ref.withTag(`sha256-${digest.slice(7)}`), index, MEDIA_TYPES.ociIndex);
    const result = await run(['discover', `registry:${registry.host}/loop:1`]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^sealkit: REGISTRY_PROTOCOL: .*names the subject/);
    expect(result.err.trimEnd().split('\n')).toHaveLength(1);
  });

  it('attaches an SBOM unsigned, and refuses flags that would do nothing (exit 2)', async () => {
    const attached = await run(['attest-sbom', sbomPath, '--subject', `registry:${registry.host}/multi:1`, '--unsigned']);
    expect(attached.code).toBe(0);
    expect(attached.out).toContain(`(application/vnd.cyclonedx+json, unsigned) to ${registry.host}/multi:1@${indexDigest}`);
    const typed = await discoverReferrers(`${registry.host}/multi:1`, { registry: { dockerConfig: false }, artifactType: MEDIA_TYPES.cyclonedxJson });
    expect(typed.referrers).toHaveLength(1);

    const refused = [
      ['attest-sbom', sbomPath, '--subject', `registry:${registry.host}/multi:1`, '--unsigned', '--key', keyPath],
      ['attest-sbom', sbomPath, '--subject', sbomPath, '--unsigned'],
      ['sign', `registry:${registry.host}/multi:1`, '--key', keyPath, '--no-upload'],
      ['sign', sbomPath, '--key', keyPath, '--bundle', join(dir, 'b.json'), '--plain-http'],
      ['attest', sbomPath, '--no-upload', '--bundle', join(dir, 'b.json')],
      ['discover'],
      ['discover', 'registry:'],
    ];
    const before = registry.requests.length;
    for (const args of refused) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(2);
    }
    expect(registry.requests.length).toBe(before);
  });

  it('with --no-upload writes the bundle and attaches nothing', async () => {
    const before = registry.manifests.size;
    const out = join(dir, 'no-upload.sigstore.json');
    const result = await run(['sign', `registry:${registry.host}/multi:1`, '--key', keyPath, '--no-upload', '--bundle', out]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('not attached: --no-upload');
    expect(registry.manifests.size).toBe(before);
  });
});
