/**
 * Referrers on an in-memory registry: the OCI 1.1 referrers API when it has one (and then no
 * fallback tag written), the tag index when it has none, cosign's older `.sig`/`.att` tags, and
 * platform selection from an index.
 */
import { createHash } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isSealkitError } from '../../src/errors.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import { startMemoryRegistry, type MemoryRegistry } from './support/memory-registry.js';
import { json, startFakeServer } from './support/fake-registry.js';

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

const client = () => new RegistryClient({ dockerConfig: false, retryDelay: 1 });
const EMPTY = Buffer.from('{}');

function imageManifest(layer: Buffer, extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociEmpty, digest: sha256(EMPTY), size: EMPTY.length },
      layers: [{ mediaType: 'application/octet-stream', digest: sha256(layer), size: layer.length }],
      ...extra,
    }),
  );
}

async function seed(registry: MemoryRegistry) {
  const ref = parseReference(`${registry.host}/app:1`);
  const image = imageManifest(Buffer.from('layer'));
  const digest = await client().putManifest(ref, image, MEDIA_TYPES.ociManifest);
  const subject = { mediaType: MEDIA_TYPES.ociManifest, digest, size: image.length };
  const referrer = (name: string, artifactType: string) =>
    imageManifest(Buffer.from(name), { artifactType, subject, annotations: { name } });
  return { ref, digest, referrer };
}

describe('referrers', () => {
  it('uses the referrers API where there is one, and writes no fallback tag', async () => {
    const registry = await memory(true);
    const { ref, digest, referrer } = await seed(registry);
    const writer = client();
    const bundle = await writer.attachReferrer(ref, referrer('bundle', MEDIA_TYPES.sigstoreBundle), MEDIA_TYPES.ociManifest);
    const sbom = await writer.attachReferrer(ref, referrer('sbom', MEDIA_TYPES.cyclonedxJson), MEDIA_TYPES.ociManifest);
    expect([...registry.tags.keys()]).toEqual(['app:1']);
    expect((await client().resolve(ref)).digest).toBe(digest);
    const all = await client().referrers(ref, digest);
    expect(all.map((r) => [r.digest, r.artifactType, r.source])).toEqual([
      [bundle.digest, MEDIA_TYPES.sigstoreBundle, 'referrers-api'],
      [sbom.digest, MEDIA_TYPES.cyclonedxJson, 'referrers-api'],
    ]);
    expect((await client().referrers(ref, digest, { artifactType: MEDIA_TYPES.cyclonedxJson })).map((r) => r.digest)).toEqual([sbom.digest]);
    expect(registry.requests.some((r) => r.url.includes('/referrers/') && r.url.includes('artifactType='))).toBe(true);
  });

  it('writes and reads the tag index where there is no API', async () => {
    const registry = await memory(false);
    const { ref, digest, referrer } = await seed(registry);
    const bundle = await client().attachReferrer(ref, referrer('bundle', MEDIA_TYPES.sigstoreBundle), MEDIA_TYPES.ociManifest);
    const tag = `sha256-${digest.slice(7)}`;
    expect(registry.tags.has(`app:${tag}`)).toBe(true);
    expect((await client().resolve(ref)).digest).toBe(digest);
    const found = await client().referrers(ref, digest);
    expect(found).toEqual([{ ...bundle, source: 'referrers-tag', tag }]);
  });

  it('adds its entry again when another writer replaced the tag index after it (a registry that ignores If-Match)', async () => {
    const registry = await memory(false);
    const { ref, digest, referrer } = await seed(registry);
    const tag = `sha256-${digest.slice(7)}`;
    // Another process, which read the index before this one wrote it, writes its own right after:
    // a proxy plays it by replacing the index once, as soon as the first write of it is done.
    const other = await client().putManifest(ref.atDigest(sha256(referrer('other', 'application/spdx+json'))), referrer('other', 'application/spdx+json'), MEDIA_TYPES.ociManifest);
    const otherIndex = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [{ mediaType: MEDIA_TYPES.ociManifest, digest: other, size: 1 }] }));
    let replaced = false;
    const order: string[] = [];
    const proxy = createServer((req, res) => {
      const onTag = req.url?.endsWith(`/manifests/${tag}`) === true;
      if (onTag) order.push(req.method ?? '');
      const upstream = request(`${registry.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        const done = async () => {
          if (onTag && req.method === 'PUT' && !replaced) {
            replaced = true;
            await client().putManifest(ref.withTag(tag), otherIndex, MEDIA_TYPES.ociIndex);
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        };
        void done();
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const at = parseReference(`127.0.0.1:${(proxy.address() as AddressInfo).port}/app:1`);
      const attached = await client().attachReferrer(at, referrer('sbom', 'application/spdx+json'), MEDIA_TYPES.ociManifest);
      const listed = (await client().referrers(ref, digest, { legacyTags: false })).map((r) => r.digest).sort();
      expect(listed).toEqual([attached.digest, other].sort());
      // read, write, read back (replaced), write again, read back
      expect(order).toEqual(['GET', 'PUT', 'GET', 'PUT', 'GET']);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('updates one tag index one writer at a time within a process, whichever clients attach', async () => {
    const registry = await memory(false);
    const { ref, digest, referrer } = await seed(registry);
    const tag = `sha256-${digest.slice(7)}`;
    const before = registry.requests.length;
    const attached = await Promise.all(
      ['sbom', 'bundle', 'vsa'].map((name) => client().attachReferrer(ref, referrer(name, 'application/example'), MEDIA_TYPES.ociManifest)),
    );
    const onTag = registry.requests.slice(before).filter((r) => r.url.endsWith(`/manifests/${tag}`)).map((r) => r.method);
    // Each writer reads, writes and reads back before the next one reads.
    expect(onTag).toEqual(['GET', 'PUT', 'GET', 'GET', 'PUT', 'GET', 'GET', 'PUT', 'GET']);
    const listed = (await client().referrers(ref, digest, { legacyTags: false })).map((r) => r.digest).sort();
    expect(listed).toEqual(attached.map((a) => a.digest).sort());
  });

  it('gives up after five updates of a tag index that never keeps its entry, or is always taken by another writer', async () => {
    for (const answer of [412, 201]) {
      const puts: string[] = [];
      const server = await startFakeServer(async (req, res) => {
        const url = req.url ?? '';
        if (req.method === 'PUT' && url.includes('/manifests/sha256:')) {
          const chunks: Buffer[] = [];
          for await (const chunk of req) chunks.push(chunk as Buffer);
          res.writeHead(201, { 'docker-content-digest': sha256(Buffer.concat(chunks)) });
          return res.end();
        }
        if (req.method === 'PUT') {
          puts.push(req.headers['if-match'] ?? '');
          res.writeHead(answer);
          return res.end();
        }
        if (req.method === 'GET' && url.includes('/manifests/sha256-')) {
          const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [] }));
          res.writeHead(200, { 'content-type': MEDIA_TYPES.ociIndex, etag: '"v1"', 'content-length': String(index.length) });
          return res.end(index);
        }
        return json(res, 404, { errors: [{ code: 'NAME_UNKNOWN' }] });
      });
      try {
        const subject = { mediaType: MEDIA_TYPES.ociManifest, digest: `sha256:${'1'.repeat(64)}`, size: 10 };
        const manifest = imageManifest(Buffer.from('sbom'), { artifactType: 'application/spdx+json', subject });
        const error = await client().attachReferrer(parseReference(`${server.host}/app:1`), manifest, MEDIA_TYPES.ociManifest).catch((e: unknown) => e);
        expect(isSealkitError(error, 'REGISTRY_REJECTED')).toBe(true);
        expect((error as Error).message).toContain('kept changing');
        expect(puts).toEqual(Array(5).fill('"v1"'));
      } finally {
        await server.close();
      }
    }
  });

  it('asks for the tag index beside the API the first time, and lists only what the API names where it answers', async () => {
    const registry = await memory(true);
    const { ref, digest, referrer } = await seed(registry);
    const bundle = await client().attachReferrer(ref, referrer('bundle', MEDIA_TYPES.sigstoreBundle), MEDIA_TYPES.ociManifest);
    // A stale tag index left by a writer that did not know the API: not what the API says.
    const strayManifest = imageManifest(Buffer.from('stray'));
    const stray = await client().putManifest(ref.withDigest(sha256(strayManifest)), strayManifest, MEDIA_TYPES.ociManifest);
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [{ mediaType: MEDIA_TYPES.ociManifest, digest: stray, size: 10 }] }));
    await client().putManifest(ref.withTag(`sha256-${digest.slice(7)}`), index, MEDIA_TYPES.ociIndex);
    const reader = client();
    const before = registry.requests.length;
    expect((await reader.referrers(ref, digest)).map((r) => [r.digest, r.source])).toEqual([[bundle.digest, 'referrers-api']]);
    const first = registry.requests.slice(before).map((r) => r.url);
    expect(first.filter((url) => url.includes(`/referrers/${digest}`))).toHaveLength(1);
    expect(first.filter((url) => url.endsWith(`/manifests/sha256-${digest.slice(7)}`))).toHaveLength(1);
    // Once the API is known, the tag index is not read again.
    const again = registry.requests.length;
    await reader.referrers(ref, digest);
    expect(registry.requests.slice(again).filter((r) => r.url.endsWith(`/manifests/sha256-${digest.slice(7)}`))).toHaveLength(0);
  });

  it("reads cosign's older .sig and .att tags, and can leave them out", async () => {
    const registry = await memory(false);
    const { ref, digest } = await seed(registry);
    const tag = `sha256-${digest.slice(7)}`;
    const signature = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(EMPTY), size: 2 },
        layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: sha256(Buffer.from('x')), size: 1, annotations: { 'dev.cosignproject.cosign/signature': 'MEUC' } }],
      }),
    );
    const attestation = imageManifest(Buffer.from('dsse'));
    await client().putManifest(ref.withTag(`${tag}.sig`), signature, MEDIA_TYPES.ociManifest);
    await client().putManifest(ref.withTag(`${tag}.att`), attestation, MEDIA_TYPES.ociManifest);
    const found = await client().referrers(ref, digest);
    expect(found.map((r) => [r.source, r.tag, r.digest, r.artifactType])).toEqual([
      ['cosign-signature', `${tag}.sig`, sha256(signature), 'application/vnd.dev.cosign.simplesigning.v1+json'],
      ['cosign-attestation', `${tag}.att`, sha256(attestation), 'application/octet-stream'],
    ]);
    expect(await client().referrers(ref, digest, { legacyTags: false })).toEqual([]);
  });

  it('refuses to attach a manifest without a subject', async () => {
    const registry = await memory(false);
    const { ref } = await seed(registry);
    const error = await client().attachReferrer(ref, imageManifest(Buffer.from('x')), MEDIA_TYPES.ociManifest).catch((e: unknown) => e);
    expect(isSealkitError(error, 'REGISTRY_REJECTED')).toBe(true);
  });
});

describe('getImageManifest', () => {
  it('follows an index to the platform asked for, and names the platforms it has otherwise', async () => {
    const registry = await memory(false);
    const ref = parseReference(`${registry.host}/multi:1`);
    const amd = imageManifest(Buffer.from('amd64'));
    const arm = imageManifest(Buffer.from('arm64'));
    const writer = client();
    const amdDigest = await writer.putManifest(ref.withDigest(sha256(amd)), amd, MEDIA_TYPES.ociManifest);
    const armDigest = await writer.putManifest(parseReference(`${registry.host}/multi@${sha256(arm)}`), arm, MEDIA_TYPES.ociManifest);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociIndex,
        manifests: [
          { mediaType: MEDIA_TYPES.ociManifest, digest: amdDigest, size: amd.length, platform: { os: 'linux', architecture: 'amd64' } },
          { mediaType: MEDIA_TYPES.ociManifest, digest: armDigest, size: arm.length, platform: { os: 'linux', architecture: 'arm64' } },
        ],
      }),
    );
    const indexDigest = await writer.putManifest(ref, index, MEDIA_TYPES.ociIndex);
    const arm64 = await client().getImageManifest(ref, { platform: 'linux/arm64/v8' });
    expect(arm64.manifest.digest).toBe(armDigest);
    expect(arm64.index?.digest).toBe(indexDigest);
    expect((await client().getImageManifest(ref)).manifest.digest).toBe(amdDigest);
    const error = await client().getImageManifest(ref, { platform: 'linux/s390x' }).catch((e: unknown) => e);
    expect(isSealkitError(error, 'PLATFORM_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toContain('linux/amd64, linux/arm64');
  });
});
