/**
 * Referrer lookups asked at the same time share their requests; a lookup asked after the last
 * one answered asks the registry again (a list can change), as does one with other options.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import { startMemoryRegistry, type MemoryRegistry } from './support/memory-registry.js';

const registries: MemoryRegistry[] = [];
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.close()));
});

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A registry without the referrers API holding an image and one referrer in its tag index. */
async function withReferrer(): Promise<{ registry: MemoryRegistry; digest: string; referrer: string }> {
  const registry = await startMemoryRegistry({ referrersApi: false });
  registries.push(registry);
  const client = new RegistryClient({ dockerConfig: false, retryDelay: 1 });
  const config = Buffer.from('{"os":"linux"}');
  const at = parseReference(`${registry.host}/app:1`);
  await client.pushBlob(at, { digest: sha256(config), size: config.length }, config);
  const configDescriptor = { mediaType: MEDIA_TYPES.ociConfig, digest: sha256(config), size: config.length };
  const image = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: configDescriptor, layers: [] }));
  const digest = await client.putManifest(at, image, MEDIA_TYPES.ociManifest);
  const attached = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      artifactType: 'application/example',
      config: configDescriptor,
      layers: [],
      subject: { mediaType: MEDIA_TYPES.ociManifest, digest, size: image.length },
    }),
  );
  const referrer = (await client.attachReferrer(at.atDigest(sha256(attached)), attached, MEDIA_TYPES.ociManifest)).digest;
  return { registry, digest, referrer };
}

const lookups = (registry: MemoryRegistry, digest: string) =>
  registry.requests.filter((r) => r.method === 'GET' && r.url.includes(`/manifests/sha256-${digest.slice(7)}`)).length;

describe('RegistryClient.referrers lookups', () => {
  it('shares the requests of lookups asked at the same time, and gives each caller its own list', async () => {
    const { registry, digest, referrer } = await withReferrer();
    const client = new RegistryClient({ dockerConfig: false, retryDelay: 1 });
    const ref = parseReference(`${registry.host}/app@${digest}`);
    const before = lookups(registry, digest);
    const [a, b] = await Promise.all([client.referrers(ref, digest), client.referrers(ref, digest)]);
    expect(a.map((r) => r.digest)).toEqual([referrer]);
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
    // the tag index, .sig and .att: three requests for both lookups
    expect(lookups(registry, digest) - before).toBe(3);
  });

  it('asks again once the last lookup answered, and for other options', async () => {
    const { registry, digest, referrer } = await withReferrer();
    const client = new RegistryClient({ dockerConfig: false, retryDelay: 1 });
    const ref = parseReference(`${registry.host}/app@${digest}`);
    const before = lookups(registry, digest);
    await client.referrers(ref, digest);
    await client.referrers(ref, digest);
    expect(lookups(registry, digest) - before).toBe(6);
    const [all, none] = await Promise.all([client.referrers(ref, digest, { legacyTags: false }), client.referrers(ref, digest, { artifactType: 'application/other' })]);
    expect(all.map((r) => r.digest)).toEqual([referrer]);
    expect(none).toEqual([]);
  });
});
