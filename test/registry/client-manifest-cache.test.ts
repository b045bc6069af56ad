/**
 * The client's manifests by digest: a manifest read once by its digest (or by a tag that named
 * it) is not asked for again in the same repository; `fresh` asks anyway; failures and other
 * repositories are never answered from it.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { isSealkitError } from '../../src/errors.js';
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

const manifestGets = (registry: MemoryRegistry, digestOrTag: string) =>
  registry.requests.filter((r) => r.method === 'GET' && r.url.endsWith(`/manifests/${digestOrTag}`)).length;

async function withImage(): Promise<{ registry: MemoryRegistry; client: RegistryClient; digest: string }> {
  const registry = await startMemoryRegistry({ referrersApi: false });
  registries.push(registry);
  const client = new RegistryClient({ dockerConfig: false, retryDelay: 1 });
  const config = Buffer.from('{"os":"linux"}');
  await client.pushBlob(parseReference(`${registry.host}/app:1`), { digest: sha256(config), size: config.length }, config);
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: { mediaType: MEDIA_TYPES.ociConfig, digest: sha256(config), size: config.length }, layers: [] }),
  );
  const digest = await client.putManifest(parseReference(`${registry.host}/app:1`), manifest, MEDIA_TYPES.ociManifest);
  return { registry, client: new RegistryClient({ dockerConfig: false, retryDelay: 1 }), digest };
}

describe('RegistryClient manifests by digest', () => {
  it('reads a manifest named by digest once, also when asked for at the same time', async () => {
    const { registry, client, digest } = await withImage();
    const ref = parseReference(`${registry.host}/app@${digest}`);
    const [a, b] = await Promise.all([client.getManifest(ref), client.getManifest(ref)]);
    const c = await client.getManifest(ref);
    expect([a.digest, b.digest, c.digest]).toEqual([digest, digest, digest]);
    expect(manifestGets(registry, digest)).toBe(1);
  });

  it('remembers a manifest read by tag under its digest, but reads the tag again', async () => {
    const { registry, client, digest } = await withImage();
    await client.getManifest(parseReference(`${registry.host}/app:1`));
    await client.getManifest(parseReference(`${registry.host}/app@${digest}`));
    await client.getManifest(parseReference(`${registry.host}/app:1`));
    expect(manifestGets(registry, digest)).toBe(0);
    expect(manifestGets(registry, '1')).toBe(2);
  });

  it('asks again when fresh, in another repository, and after a failure', async () => {
    const { registry, client, digest } = await withImage();
    const ref = parseReference(`${registry.host}/app@${digest}`);
    await client.getManifest(ref);
    await client.getManifest(ref, { fresh: true });
    expect(manifestGets(registry, digest)).toBe(2);

    // (this registry serves every digest in every repository; a real one need not)
    await client.getManifest(parseReference(`${registry.host}/other@${digest}`));
    expect(registry.requests.filter((r) => r.method === 'GET' && r.url === `/v2/other/manifests/${digest}`)).toHaveLength(1);
    const missing = parseReference(`${registry.host}/app@sha256:${'a'.repeat(64)}`);
    for (let i = 0; i < 2; i++) {
      const error = await client.getManifest(missing).catch((e: unknown) => e);
      expect(isSealkitError(error, 'REGISTRY_NOT_FOUND')).toBe(true);
    }
    expect(manifestGets(registry, `sha256:${'a'.repeat(64)}`)).toBe(2);
  });
});
