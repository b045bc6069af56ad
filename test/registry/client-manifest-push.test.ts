/**
 * Pushing a manifest: a refusal that names a blob as unknown is asked again a few times, since
 * distribution 2.8 rewrites a repository's blob link in place while the same blob is uploaded
 * again; any other refusal ends the push at once.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { isSealkitError } from '../../src/errors.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import { json, startFakeServer, type FakeServer } from './support/fake-registry.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const MANIFEST = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: { mediaType: MEDIA_TYPES.ociEmpty, digest: `sha256:${'4'.repeat(64)}`, size: 2 }, layers: [] }));
const DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;

/** A registry that refuses the first `refusals` manifest pushes with `code`, then stores it. */
async function refusing(code: string, refusals: number): Promise<FakeServer> {
  let refused = 0;
  const server = await startFakeServer(async (req, res) => {
    for await (const _ of req);
    if (refused < refusals) {
      refused++;
      return json(res, 400, { errors: [{ code, message: 'refused' }] });
    }
    res.writeHead(201, { 'docker-content-digest': DIGEST });
    res.end();
  });
  servers.push(server);
  return server;
}

const puts = (server: FakeServer) => server.requests.filter((r) => r.method === 'PUT').length;

describe('RegistryClient.putManifest', () => {
  it('pushes again after a blob was named unknown while its link was being rewritten', async () => {
    const server = await refusing('MANIFEST_BLOB_UNKNOWN', 2);
    const client = new RegistryClient({ dockerConfig: false });
    expect(await client.putManifest(parseReference(`${server.host}/app@${DIGEST}`), MANIFEST, MEDIA_TYPES.ociManifest)).toBe(DIGEST);
    expect(puts(server)).toBe(3);
  });

  it('gives up on a blob the registry keeps calling unknown, and at once on any other refusal', async () => {
    const missing = await refusing('MANIFEST_BLOB_UNKNOWN', 100);
    const client = new RegistryClient({ dockerConfig: false });
    const error = await client.putManifest(parseReference(`${missing.host}/app@${DIGEST}`), MANIFEST, MEDIA_TYPES.ociManifest).catch((e: unknown) => e);
    expect(isSealkitError(error, 'REGISTRY_REJECTED')).toBe(true);
    expect((error as Error).message).toContain('MANIFEST_BLOB_UNKNOWN');
    expect(puts(missing)).toBe(4);

    const invalid = await refusing('MANIFEST_INVALID', 100);
    const refused = await client.putManifest(parseReference(`${invalid.host}/app@${DIGEST}`), MANIFEST, MEDIA_TYPES.ociManifest).catch((e: unknown) => e);
    expect(isSealkitError(refused, 'REGISTRY_REJECTED')).toBe(true);
    expect(puts(invalid)).toBe(1);
  });
});
