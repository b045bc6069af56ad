/**
 * executeCopy between two in-memory registries: blobs start largest first, so that the longest
 * transfer never waits for a slot behind small ones; every blob arrives byte for byte; what the
 * destination already holds is asked while the blobs move, not after the last one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { executeCopy } from '../../src/promote/copy.js';
import type { CopyPlan } from '../../src/promote/plan.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import { startMemoryRegistry, type MemoryRegistry } from '../registry/support/memory-registry.js';

const registries: MemoryRegistry[] = [];
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.close()));
});

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

describe('executeCopy', () => {
  it('starts the largest blobs first and copies each byte for byte', async () => {
    const source = await startMemoryRegistry({ referrersApi: false });
    const destination = await startMemoryRegistry({ referrersApi: false });
    registries.push(source, destination);
    const client = new RegistryClient({ dockerConfig: false, retryDelay: 1 });
    const from = parseReference(`${source.host}/staging/app@sha256:${'0'.repeat(64)}`);
    // In manifest order: a config, then layers of mixed sizes, the largest last.
    const contents = [Buffer.from('{"os":"linux"}'), randomBytes(3000), randomBytes(200), randomBytes(90_000), randomBytes(40_000)];
    const blobs = contents.map((data, i) => ({
      mediaType: i === 0 ? MEDIA_TYPES.ociConfig : 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: sha256(data),
      size: data.length,
    }));
    for (const [i, data] of contents.entries()) source.blobs.set(blobs[i]!.digest, data);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: blobs[0], layers: blobs.slice(1) }));
    const plan: CopyPlan = {
      top: { digest: sha256(manifest), mediaType: MEDIA_TYPES.ociManifest, bytes: manifest },
      blobs,
      manifests: [],
      referrers: [],
    };
    const to = parseReference(`${destination.host}/prod/app@${plan.top.digest}`);

    const summary = await executeCopy(plan, { sourceClient: client, destinationClient: client, source: from, destination: to, concurrency: 1 });

    const pushed = destination.requests
      .filter((r) => r.method === 'PUT' && r.url.includes('/blobs/uploads/'))
      .map((r) => new URL(r.url, 'http://x').searchParams.get('digest'));
    const bySize = [...blobs].sort((a, b) => b.size - a.size).map((b) => b.digest);
    expect(pushed).toEqual(bySize);
    for (const [i, data] of contents.entries()) expect(destination.blobs.get(blobs[i]!.digest)?.equals(data)).toBe(true);
    expect(summary.blobs).toEqual({ present: 0, mounted: 0, streamed: 5, bytesStreamed: contents.reduce((n, c) => n + c.length, 0) });
    expect(destination.manifests.get(plan.top.digest)?.bytes.equals(manifest)).toBe(true);
  });

  it('reads at the destination but writes nothing until beforeWrites settles, and nothing at all when it rejects', async () => {
    const source = await startMemoryRegistry({ referrersApi: false });
    const destination = await startMemoryRegistry({ referrersApi: false });
    registries.push(source, destination);
    const client = new RegistryClient({ dockerConfig: false, retryDelay: 1 });
    const layer = randomBytes(20_000);
    const config = Buffer.from('{"os":"linux"}');
    const blobs = [config, layer].map((data, i) => ({ mediaType: i === 0 ? MEDIA_TYPES.ociConfig : 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(data), size: data.length }));
    for (const [i, data] of [config, layer].entries()) source.blobs.set(blobs[i]!.digest, data);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: blobs[0], layers: blobs.slice(1) }));
    const plan: CopyPlan = { top: { digest: sha256(manifest), mediaType: MEDIA_TYPES.ociManifest, bytes: manifest }, blobs, manifests: [], referrers: [] };
    const ends = {
      sourceClient: client,
      destinationClient: client,
      source: parseReference(`${source.host}/staging/app@${plan.top.digest}`),
      destination: parseReference(`${destination.host}/prod/app@${plan.top.digest}`),
      concurrency: 2,
    };
    const writes = () => destination.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');

    const refused = await executeCopy(plan, { ...ends, beforeWrites: Promise.reject(new Error('the tag names another digest')) }).catch((e: unknown) => e);
    expect((refused as Error).message).toBe('the tag names another digest');
    expect(destination.requests.length).toBeGreaterThan(0);
    expect(writes()).toEqual([]);

    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const asked = source.requests.length;
    const copying = executeCopy(plan, { ...ends, beforeWrites: gate });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(writes()).toEqual([]);
    // The blobs to stream are asked of the source while the writes wait.
    const blobGets = () => [...new Set(source.requests.slice(asked).filter((r) => r.method === 'GET' && r.url.includes('/blobs/sha256:')).map((r) => r.url.split('/').at(-1)))].sort();
    expect(blobGets()).toEqual(blobs.map((b) => b.digest).sort());
    release();
    await copying;
    expect(destination.manifests.get(plan.top.digest)?.bytes.equals(manifest)).toBe(true);
  });

  it('asks the source again for a blob whose early request died while the writes waited', async () => {
    const source = await startMemoryRegistry({ referrersApi: false });
    const destination = await startMemoryRegistry({ referrersApi: false });
    registries.push(source, destination);
    // Abandons a request after 150 ms without a byte read: the early download of the layer,
    // which nobody reads while the writes wait 400 ms, dies that way.
    const client = new RegistryClient({ dockerConfig: false, retryDelay: 1, timeout: 150 });
    const layer = randomBytes(4 * 1024 * 1024);
    const config = Buffer.from('{"os":"linux"}');
    const blobs = [config, layer].map((data, i) => ({ mediaType: i === 0 ? MEDIA_TYPES.ociConfig : 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(data), size: data.length }));
    for (const [i, data] of [config, layer].entries()) source.blobs.set(blobs[i]!.digest, data);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: blobs[0], layers: blobs.slice(1) }));
    const plan: CopyPlan = { top: { digest: sha256(manifest), mediaType: MEDIA_TYPES.ociManifest, bytes: manifest }, blobs, manifests: [], referrers: [] };

    const summary = await executeCopy(plan, {
      sourceClient: client,
      destinationClient: client,
      source: parseReference(`${source.host}/staging/app@${plan.top.digest}`),
      destination: parseReference(`${destination.host}/prod/app@${plan.top.digest}`),
      concurrency: 2,
      beforeWrites: new Promise((resolve) => setTimeout(resolve, 400)),
    });

    expect(summary.blobs.streamed).toBe(2);
    expect(destination.blobs.get(blobs[1]!.digest)?.equals(layer)).toBe(true);
    expect(destination.blobs.get(blobs[0]!.digest)?.equals(config)).toBe(true);
    const layerGets = source.requests.filter((r) => r.method === 'GET' && r.url.endsWith(`/blobs/${blobs[1]!.digest}`));
    expect(layerGets).toHaveLength(2);
  });

  it('asks the destination for its manifests and referrers while the blobs move, and writes each once', async () => {
    const source = await startMemoryRegistry({ referrersApi: false });
    const destination = await startMemoryRegistry({ referrersApi: false });
    registries.push(source, destination);
    const client = new RegistryClient({ dockerConfig: false, retryDelay: 1 });
    const layers = [randomBytes(50_000), randomBytes(40_000), randomBytes(30_000)];
    const config = Buffer.from('{"os":"linux"}');
    const describe = (data: Buffer, mediaType: string) => ({ mediaType, digest: sha256(data), size: data.length });
    const image = {
      config: describe(config, MEDIA_TYPES.ociConfig),
      layers: layers.map((l) => describe(l, 'application/vnd.oci.image.layer.v1.tar+gzip')),
    };
    for (const data of [config, ...layers]) source.blobs.set(sha256(data), data);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, ...image }));
    const top = { digest: sha256(manifest), mediaType: MEDIA_TYPES.ociManifest, bytes: manifest };
    const empty = Buffer.from('{}');
    const sbom = Buffer.from('{"bomFormat":"CycloneDX"}');
    for (const data of [empty, sbom]) source.blobs.set(sha256(data), data);
    const referrer = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        artifactType: 'application/vnd.cyclonedx+json',
        config: describe(empty, MEDIA_TYPES.ociEmpty),
        layers: [describe(sbom, 'application/vnd.cyclonedx+json')],
        subject: { mediaType: top.mediaType, digest: top.digest, size: manifest.length },
      }),
    );
    const plan: CopyPlan = {
      top,
      blobs: [image.config, ...image.layers, describe(empty, MEDIA_TYPES.ociEmpty), describe(sbom, 'application/vnd.cyclonedx+json')],
      manifests: [],
      referrers: [
        {
          digest: sha256(referrer),
          mediaType: MEDIA_TYPES.ociManifest,
          bytes: referrer,
          subjectDigest: top.digest,
          source: 'referrers-tag',
          tag: undefined,
          artifactType: 'application/vnd.cyclonedx+json',
        },
      ],
    };
    const from = parseReference(`${source.host}/staging/app@${top.digest}`);
    const to = parseReference(`${destination.host}/prod/app@${top.digest}`);

    const summary = await executeCopy(plan, { sourceClient: client, destinationClient: client, source: from, destination: to, concurrency: 1 });

    const log = destination.requests.map((r) => `${r.method} ${r.url}`);
    const lastBlob = log.findLastIndex((line) => line.startsWith('PUT') && line.includes('/blobs/uploads/'));
    const askedForTop = log.findIndex((line) => line === `HEAD /v2/prod/app/manifests/${top.digest}`);
    const askedForReferrers = log.findIndex((line) => line.startsWith(`GET /v2/prod/app/manifests/sha256-${top.digest.slice(7)}`));
    expect(askedForTop).toBeGreaterThanOrEqual(0);
    expect(askedForReferrers).toBeGreaterThanOrEqual(0);
    expect(askedForTop).toBeLessThan(lastBlob);
    expect(askedForReferrers).toBeLessThan(lastBlob);
    expect(log.filter((line) => line.startsWith(`PUT /v2/prod/app/manifests/${top.digest}`))).toHaveLength(1);
    expect(summary).toMatchObject({ manifestsWritten: 1, referrersAttached: 1 });
    expect(destination.manifests.get(sha256(referrer))?.bytes.equals(referrer)).toBe(true);

    // Again: the destination holds it all, and nothing is written.
    const writes = destination.requests.length;
    const again = await executeCopy(plan, { sourceClient: client, destinationClient: client, source: from, destination: to, concurrency: 1 });
    expect(again).toMatchObject({ manifestsWritten: 0, referrersAttached: 0, blobs: { present: 6, streamed: 0 } });
    expect(destination.requests.slice(writes).filter((r) => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([]);
  });
});
