/**
 * The client against Debian's docker-registry (distribution 2.8, no referrers API): pushes and
 * pulls checked with skopeo and plain HTTP requests, mounts seen in the registry's access log,
 * the referrers tag-schema index, auth with htpasswd, and a blob tampered with on disk.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSealkitError } from '../../src/errors.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference, type ImageReference } from '../../src/registry/reference.js';
import { MEDIA_TYPES, PREDICATE_TYPE_ANNOTATION } from '../../src/registry/types.js';
import { rawBlob, rawManifest, rawTags, skopeoInspectDigest, skopeoInspectRaw, storedBlobPath } from '../support/registry/raw.js';
import { skipRegistryTests, startRegistry, type RunningRegistry } from '../support/registry/registry-server.js';

const USER = { username: 'ci-bot', password: 'a long test password' };
const skip = skipRegistryTests({ auth: true });

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function blob(data: Buffer) {
  return { data, digest: sha256(data), size: data.length };
}

async function drain(iterable: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isSealkitError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

describe.skipIf(skip)('RegistryClient on docker-registry 2.8', () => {
  let open: RunningRegistry;
  let locked: RunningRegistry;
  const config = blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })));
  const layer = blob(randomBytes(300_000));
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.size }],
    }),
  );
  const anonymous = () => new RegistryClient({ dockerConfig: false });
  const withLogin = () => new RegistryClient({ dockerConfig: false, credentials: { [locked.host]: USER } });
  let imageDigest: string;
  let image: ImageReference;

  beforeAll(async () => {
    [open, locked] = await Promise.all([startRegistry(), startRegistry({ auth: USER })]);
    image = parseReference(`${open.host}/tiny/app:1`);
    const client = anonymous();
    await client.pushBlob(image, config, config.data);
    await client.pushBlob(image, layer, async function* () {
      for (let i = 0; i < layer.size; i += 65536) yield layer.data.subarray(i, i + 65536);
    });
    imageDigest = await client.putManifest(image, manifestBytes, MEDIA_TYPES.ociManifest);
  });

  afterAll(async () => {
    await Promise.all([open?.stop(), locked?.stop()]);
  });

  it('pushes a manifest that skopeo reads back byte for byte', async () => {
    expect(imageDigest).toBe(sha256(manifestBytes));
    expect(await skopeoInspectDigest(open, 'tiny/app:1')).toBe(imageDigest);
    expect((await skopeoInspectRaw(open, 'tiny/app:1')).manifest.equals(manifestBytes)).toBe(true);
  });

  it('resolves and reads the manifest by tag and by digest, and streams the blobs', async () => {
    const client = anonymous();
    expect(await client.resolve(image)).toEqual({ digest: imageDigest, mediaType: MEDIA_TYPES.ociManifest, size: manifestBytes.length });
    const byDigest = await client.getManifest(parseReference(`${open.host}/tiny/app@${imageDigest}`));
    expect(byDigest.bytes.equals(manifestBytes)).toBe(true);
    expect((await drain(client.blob(image, layer))).equals(layer.data)).toBe(true);
    expect((await client.readBlob(image, config)).equals(config.data)).toBe(true);
  });

  it('lists tags, and knows which blobs a repository has', async () => {
    const client = anonymous();
    await client.putManifest(image.withTag('2'), manifestBytes, MEDIA_TYPES.ociManifest);
    expect((await client.listTags(image)).sort()).toEqual(['1', '2']);
    expect((await rawTags(open, 'tiny/app')).sort()).toEqual(['1', '2']);
    expect(await client.hasBlob(image, layer.digest)).toBe(true);
    expect(await client.hasBlob(image, sha256(Buffer.from('absent')))).toBe(false);
  });

  it('mounts a blob into another repository without uploading it', async () => {
    const client = anonymous();
    const other = parseReference(`${open.host}/tiny/other:1`);
    await client.copyBlob(image, other, layer);
    const uploads = open.requests().filter((r) => r.path.startsWith('/v2/tiny/other/blobs/uploads/'));
    expect(uploads.map((r) => [r.method, r.status])).toEqual([['POST', 201]]);
    expect(uploads[0]?.path).toContain(`mount=${encodeURIComponent(layer.digest)}`);
    expect((await rawBlob(open, 'tiny/other', layer.digest)).equals(layer.data)).toBe(true);
  });

  it('copies blobs and the manifest to another registry with basic auth', async () => {
    const client = new RegistryClient({ dockerConfig: false, credentials: { [locked.host]: USER } });
    const target = parseReference(`${locked.host}/prod/app:1`);
    for (const d of [config, layer]) await client.copyBlob(image, target, d);
    expect(await client.putManifest(target, manifestBytes, MEDIA_TYPES.ociManifest)).toBe(imageDigest);
    expect(await skopeoInspectDigest(locked, 'prod/app:1', USER)).toBe(imageDigest);
    expect((await rawBlob(locked, 'prod/app', layer.digest)).equals(layer.data)).toBe(true);
  });

  it('refuses wrong credentials and names a missing tag', async () => {
    const wrong = new RegistryClient({ dockerConfig: false, credentials: { [locked.host]: { ...USER, password: 'nope' } } });
    expect(await code(wrong.resolve(parseReference(`${locked.host}/prod/app:1`)))).toBe('REGISTRY_UNAUTHORIZED');
    expect(await code(anonymous().resolve(parseReference(`${locked.host}/prod/app:1`)))).toBe('REGISTRY_UNAUTHORIZED');
    expect(await code(withLogin().resolve(parseReference(`${locked.host}/prod/app:missing`)))).toBe('REGISTRY_NOT_FOUND');
  });

  it('attaches referrers through the sha256-<hex> tag index and lists them', async () => {
    const client = anonymous();
    const empty = blob(Buffer.from('{}'));
    const attach = async (payload: Buffer, annotations: Record<string, string>) => {
      const layerBlob = blob(payload);
      await client.pushBlob(image, empty, empty.data);
      await client.pushBlob(image, layerBlob, layerBlob.data);
      const referrer = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_TYPES.ociManifest,
          artifactType: MEDIA_TYPES.sigstoreBundle,
          config: { mediaType: MEDIA_TYPES.ociEmpty, digest: empty.digest, size: empty.size },
          layers: [{ mediaType: MEDIA_TYPES.sigstoreBundle, digest: layerBlob.digest, size: layerBlob.size }],
          subject: { mediaType: MEDIA_TYPES.ociManifest, digest: imageDigest, size: manifestBytes.length },
          annotations,
        }),
      );
      return client.attachReferrer(image, referrer, MEDIA_TYPES.ociManifest);
    };
    const first = await attach(Buffer.from('{"bundle":1}'), { [PREDICATE_TYPE_ANNOTATION]: 'https://slsa.dev/provenance/v1' });
    const again = await attach(Buffer.from('{"bundle":1}'), { [PREDICATE_TYPE_ANNOTATION]: 'https://slsa.dev/provenance/v1' });
    const second = await attach(Buffer.from('{"bundle":2}'), {});
    expect(again).toEqual(first);
    const tag = `sha256-${imageDigest.slice(7)}`;
    const index = JSON.parse((await rawManifest(open, 'tiny/app', tag)).body.toString('utf8')) as { mediaType: string; manifests: unknown[] };
    expect(index.mediaType).toBe(MEDIA_TYPES.ociIndex);
    expect(index.manifests).toEqual([first, second]);
    expect(first).toMatchObject({ artifactType: MEDIA_TYPES.sigstoreBundle, annotations: { [PREDICATE_TYPE_ANNOTATION]: 'https://slsa.dev/provenance/v1' } });
    const found = await client.referrers(image, imageDigest);
    expect(found).toEqual([
      { ...first, source: 'referrers-tag', tag },
      { ...second, source: 'referrers-tag', tag },
    ]);
    expect(await client.referrers(image, imageDigest, { artifactType: 'application/other' })).toEqual([]);
    expect(await client.referrers(image, sha256(Buffer.from('nothing attached')))).toEqual([]);
  });

  it('fails a blob tampered with on the registry disk', async () => {
    const client = anonymous();
    const victim = blob(randomBytes(10_000));
    await client.pushBlob(image, victim, victim.data);
    const forged = Buffer.from(victim.data);
    forged[5000] = (forged[5000] ?? 0) ^ 0xff;
    await writeFile(storedBlobPath(open, victim.digest), forged);
    expect(await code(drain(client.blob(image, victim)))).toBe('REGISTRY_DIGEST_MISMATCH');
  });

  it('lets the registry refuse an upload that does not match its digest', async () => {
    const data = randomBytes(1000);
    const error = await code(anonymous().pushBlob(image, { digest: sha256(Buffer.from('other')), size: data.length }, data));
    expect(error).toBe('REGISTRY_DIGEST_MISMATCH');
  });
});
