import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { isSealkitError } from '../../src/errors.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { json, startFakeServer, write, type FakeServer, type Handler } from './support/fake-registry.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Handler, address?: string): Promise<FakeServer> {
  const server = await startFakeServer(handler, address);
  servers.push(server);
  return server;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function client(extra: ConstructorParameters<typeof RegistryClient>[0] = {}): RegistryClient {
  return new RegistryClient({ dockerConfig: false, retryDelay: 1, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isSealkitError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
}

async function drain(iterable: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const MANIFEST = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 2 },
    layers: [],
  }),
);

describe('manifests', () => {
  it('reads a manifest by tag, checked against the digest the registry states', async () => {
    const server = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': sha256(MANIFEST) });
      res.end(req.method === 'HEAD' ? undefined : MANIFEST);
    });
    const fetched = await client().getManifest(parseReference(`${server.host}/app:1`));
    expect(fetched.digest).toBe(sha256(MANIFEST));
    expect(fetched.manifest.kind).toBe('manifest');
    expect(server.requests[0]?.headers.accept).toContain('application/vnd.oci.image.index.v1+json');
  });

  it('refuses a manifest that does not hash to the digest asked for', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end(MANIFEST);
    });
    const wrong = `sha256:${'b'.repeat(64)}`;
    const error = await failure(client().getManifest(parseReference(`${server.host}/app@${wrong}`)));
    expect(error.code).toBe('REGISTRY_DIGEST_MISMATCH');
    expect(error.message).toContain(server.host);
    expect(error.message).toContain(wrong);
  });

  it('refuses a 100 MB manifest with a Content-Length before reading it', async () => {
    const server = await serve(async (_req, res, count) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': String(100 * 1024 * 1024) });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let i = 0; i < 1600 && (await write(res, chunk)); i++) count(chunk.length);
      res.end();
    });
    const error = await failure(client().getManifest(parseReference(`${server.host}/app:big`)));
    expect(error.code).toBe('REGISTRY_MANIFEST_TOO_LARGE');
    expect(server.bytesSent()).toBeLessThan(32 * 1024 * 1024);
  });

  it('refuses a 100 MB manifest sent without a length once it passes the limit', async () => {
    const server = await serve(async (_req, res, count) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let i = 0; i < 1600 && (await write(res, chunk)); i++) count(chunk.length);
      res.end();
    });
    const error = await failure(client({ maxManifestBytes: 1024 * 1024 }).getManifest(parseReference(`${server.host}/app:big`)));
    expect(error.code).toBe('REGISTRY_MANIFEST_TOO_LARGE');
    expect(server.bytesSent()).toBeLessThan(32 * 1024 * 1024);
  });

  it('names the registry and the reference for an unknown tag, and a denied one', async () => {
    const server = await serve((req, res) => json(res, req.url?.includes('denied') ? 403 : 404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] }));
    const missing = await failure(client().getManifest(parseReference(`${server.host}/app:missing`)));
    expect(missing.code).toBe('REGISTRY_NOT_FOUND');
    expect(missing.message).toContain(`${server.host}/app:missing`);
    expect((await failure(client().resolve(parseReference(`${server.host}/app:denied`)))).code).toBe('REGISTRY_DENIED');
  });
});

describe('blobs', () => {
  const content = randomBytes(4096);
  const descriptor = { digest: sha256(content), size: content.length };

  it('streams a blob that matches its descriptor', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(content.length) });
      res.end(content);
    });
    const bytes = await drain(client().blob(parseReference(`${server.host}/app:1`), descriptor));
    expect(bytes.equals(content)).toBe(true);
  });

  it('reports progress up to the blob size', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(content.length) });
      res.write(content.subarray(0, 1000));
      setImmediate(() => res.end(content.subarray(1000)));
    });
    const seen: number[] = [];
    const registry = client({ onProgress: (event) => seen.push(event.bytes) });
    await drain(registry.blob(parseReference(`${server.host}/app:1`), descriptor));
    expect(seen.at(-1)).toBe(content.length);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('cuts a blob that never ends at its size and fails on the digest', async () => {
    const server = await serve(async (_req, res, count) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = randomBytes(64 * 1024);
      // 1 GiB at most, so that a client that keeps reading fails the byte bound below instead of hanging
      for (let i = 0; i < 16384 && (await write(res, chunk)); i++) count(chunk.length);
      res.end();
    });
    const error = await failure(drain(client().blob(parseReference(`${server.host}/app:1`), descriptor)));
    expect(error.code).toBe('REGISTRY_DIGEST_MISMATCH');
    expect(error.message).toContain(descriptor.digest);
    expect(server.bytesSent()).toBeLessThan(32 * 1024 * 1024);
  });

  it('fails a blob whose answer ends early', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(1000) });
      res.end(content.subarray(0, 1000));
    });
    const error = await failure(drain(client().blob(parseReference(`${server.host}/app:1`), descriptor)));
    expect(error.code).toBe('REGISTRY_DIGEST_MISMATCH');
    expect(error.message).toContain('ended after 1000 of its 4096 bytes');
  });

  it('fails a blob whose connection drops before its Content-Length', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(content.length) });
      res.write(content.subarray(0, 1000), () => res.destroy());
    });
    const error = await failure(drain(client().blob(parseReference(`${server.host}/app:1`), descriptor)));
    expect(error.code).toBe('REGISTRY_UNREACHABLE');
  });

  it('fails a blob of the right size with other content', async () => {
    const server = await serve((_req, res) => res.end(randomBytes(content.length)));
    const error = await failure(drain(client().blob(parseReference(`${server.host}/app:1`), descriptor)));
    expect(error.code).toBe('REGISTRY_DIGEST_MISMATCH');
  });

  it('stops an endless blob when the signal aborts', async () => {
    const controller = new AbortController();
    const server = await serve(async (_req, res) => {
      res.writeHead(200);
      const chunk = randomBytes(1024);
      for (let i = 0; i < 1_000_000 && (await write(res, chunk)); i++) if (i === 4) controller.abort();
    });
    const huge = { digest: descriptor.digest, size: 1 << 30 };
    const error = await failure(drain(client({ signal: controller.signal }).blob(parseReference(`${server.host}/app:1`), huge)));
    expect(error.code).toBe('ABORTED');
  });
});

describe('auth', () => {
  it('runs the token flow with the scope it needs, basic credentials to the realm, and caches the token', async () => {
    let realm = '';
    const server = await serve((req, res) => {
      if (req.url?.startsWith('/token')) return json(res, 200, { token: 'T1', expires_in: 300 });
      if (req.headers.authorization !== 'Bearer T1') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="fake",scope="repository:team/app:pull"` });
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end(MANIFEST);
    });
    realm = `${server.url}/token`;
    const registry = client({ credentials: { [server.host]: { username: 'alice', password: 's3cret' } } });
    await registry.getManifest(parseReference(`${server.host}/team/app:1`));
    await registry.getManifest(parseReference(`${server.host}/team/app:2`));
    const tokenRequests = server.requests.filter((r) => r.url.startsWith('/token'));
    expect(tokenRequests).toHaveLength(1);
    const url = new URL(tokenRequests[0]?.url ?? '', server.url);
    expect(url.searchParams.get('service')).toBe('fake');
    expect(url.searchParams.getAll('scope')).toEqual(['repository:team/app:pull']);
    expect(tokenRequests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
  });

  it('ends a registry that refuses every fresh token after one token request', async () => {
    let realm = '';
    const server = await serve((req, res) => {
      if (req.url?.startsWith('/token')) return json(res, 200, { access_token: `T${Math.random()}` });
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="fake"` });
      res.end();
    });
    realm = `${server.url}/token`;
    const error = await failure(client().getManifest(parseReference(`${server.host}/app:1`)));
    expect(error.code).toBe('REGISTRY_UNAUTHORIZED');
    expect(server.requests.filter((r) => r.url.startsWith('/token')).length).toBe(1);
    expect(server.requests.length).toBeLessThanOrEqual(3);
  });

  it('ends a token endpoint that redirects in a cycle', async () => {
    let realm = '';
    const server = await serve((req, res) => {
      if (req.url?.startsWith('/token')) {
        res.writeHead(302, { location: req.url === '/token-a' ? '/token-b' : '/token-a' });
        return res.end();
      }
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}"` });
      res.end();
    });
    realm = `${server.url}/token-a`;
    const error = await failure(client().getManifest(parseReference(`${server.host}/app:1`)));
    expect(error.code).toBe('REGISTRY_PROTOCOL');
    expect(error.message).toMatch(/redirect/);
    expect(server.requests.length).toBeLessThan(20);
  });

  it('answers a basic challenge, and names the registry without the password when refused', async () => {
    const good = `Basic ${Buffer.from('bob:right-password').toString('base64')}`;
    const server = await serve((req, res) => {
      if (req.headers.authorization !== good) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' });
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end(MANIFEST);
    });
    const ref = parseReference(`${server.host}/app:1`);
    await client({ credentials: { [server.host]: { username: 'bob', password: 'right-password' } } }).getManifest(ref);
    const error = await failure(client({ credentials: { [server.host]: { username: 'bob', password: 'wrong-password' } } }).getManifest(ref));
    expect(error.code).toBe('REGISTRY_UNAUTHORIZED');
    expect(error.message).toContain(server.host);
    expect(error.message).not.toContain('wrong-password');
    const anonymous = await failure(client().getManifest(ref));
    expect(anonymous.code).toBe('REGISTRY_UNAUTHORIZED');
  });
});

describe('redirects', () => {
  it('never forwards Authorization to another host', async () => {
    const content = randomBytes(2048);
    const storage = await serve((_req, res) => res.end(content), '127.0.0.2');
    const good = `Basic ${Buffer.from('bob:pw').toString('base64')}`;
    const server = await serve((req, res) => {
      if (req.headers.authorization !== good) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' });
        return res.end();
      }
      if (req.url?.includes('/blobs/')) {
        res.writeHead(307, { location: req.url.includes('hop') ? `${storage.url}/data` : `${req.url}?hop=1` });
        return res.end();
      }
      res.writeHead(404);
      res.end();
    });
    const registry = client({ credentials: { [server.host]: { username: 'bob', password: 'pw' } }, plainHttp: () => true });
    const bytes = await drain(registry.blob(parseReference(`${server.host}/app:1`), { digest: sha256(content), size: content.length }));
    expect(bytes.equals(content)).toBe(true);
    // the same-origin hop kept the credentials; the other host never saw them
    expect(server.requests.filter((r) => r.url.includes('hop=1')).map((r) => r.headers.authorization)).toEqual([good]);
    expect(storage.requests).toHaveLength(1);
    expect(storage.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('refuses a redirect to plain HTTP on a host that is not loopback', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(302, { location: 'http://storage.example.invalid/blob' });
      res.end();
    });
    const error = await failure(drain(client().blob(parseReference(`${server.host}/app:1`), { digest: `sha256:${'c'.repeat(64)}`, size: 1 })));
    expect(error.code).toBe('REGISTRY_INSECURE_REFUSED');
    expect(error.message).toContain('storage.example.invalid');
  });
});

describe('retries', () => {
  it('retries a 429 after its Retry-After, then succeeds', async () => {
    let calls = 0;
    const server = await serve((_req, res) => {
      if (++calls === 1) {
        res.writeHead(429, { 'retry-after': '0' });
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end(MANIFEST);
    });
    const fetched = await client().getManifest(parseReference(`${server.host}/app:1`));
    expect(fetched.digest).toBe(sha256(MANIFEST));
    expect(server.requests).toHaveLength(2);
  });

  it('reports REGISTRY_RATE_LIMITED when 429 outlasts the retries', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(429, { 'retry-after': '0' });
      res.end();
    });
    const error = await failure(client({ retries: 2 }).getManifest(parseReference(`${server.host}/app:1`)));
    expect(error.code).toBe('REGISTRY_RATE_LIMITED');
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a push of a streamed blob', async () => {
    const server = await serve((req, res) => {
      if (req.method === 'POST') {
        res.writeHead(202, { location: '/v2/app/blobs/uploads/u1' });
        return res.end();
      }
      res.writeHead(503);
      res.end();
    });
    const data = randomBytes(100);
    const error = await failure(
      client().pushBlob(parseReference(`${server.host}/app:1`), { digest: sha256(data), size: data.length }, async function* () {
        yield data;
      }),
    );
    expect(error.code).toBe('REGISTRY_UNREACHABLE');
    expect(server.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });
});

describe('referrers', () => {
  const subject = sha256(MANIFEST);
  const tag = `sha256-${subject.slice(7)}`;
  const index = (manifests: unknown[]) => ({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests });
  const bundle = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'d'.repeat(64)}`, size: 500, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' };

  it('reads the tag-schema index when the registry has no referrers API', async () => {
    const server = await serve((req, res) => {
      if (req.url?.includes('/referrers/')) return json(res, 404, { errors: [{ code: 'UNSUPPORTED' }] });
      if (req.url?.endsWith(`/manifests/${tag}`)) return json(res, 200, index([bundle]), { 'content-type': 'application/vnd.oci.image.index.v1+json' });
      json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] });
    });
    const found = await client().referrers(parseReference(`${server.host}/app:1`), subject);
    expect(found).toEqual([{ ...bundle, source: 'referrers-tag', tag }]);
  });

  it('refuses a referrers index that points at its own subject', async () => {
    const server = await serve((req, res) => {
      if (req.url?.includes('/referrers/')) return json(res, 404, {});
      if (req.url?.endsWith(`/manifests/${tag}`)) {
        return json(res, 200, index([{ ...bundle, digest: subject, size: MANIFEST.length }]), { 'content-type': 'application/vnd.oci.image.index.v1+json' });
      }
      json(res, 404, {});
    });
    const error = await failure(client().referrers(parseReference(`${server.host}/app:1`), subject));
    expect(error.code).toBe('REGISTRY_PROTOCOL');
    expect(error.message).toContain('names the subject');
  });

  it('refuses a referrers list from the API that names the subject', async () => {
    const server = await serve((req, res) => {
      if (req.url?.includes('/referrers/')) {
        return json(res, 200, index([{ ...bundle, digest: subject }]), { 'content-type': 'application/vnd.oci.image.index.v1+json' });
      }
      json(res, 404, {});
    });
    expect((await failure(client().referrers(parseReference(`${server.host}/app:1`), subject))).code).toBe('REGISTRY_PROTOCOL');
  });

  it('stops following referrers API pages that link back to themselves', async () => {
    const server = await serve((req, res) => {
      if (req.url?.includes('/referrers/')) {
        return json(res, 200, index([]), { 'content-type': 'application/vnd.oci.image.index.v1+json', link: `<${req.url}>; rel="next"` });
      }
      json(res, 404, {});
    });
    const error = await failure(client().referrers(parseReference(`${server.host}/app:1`), subject));
    expect(error.code).toBe('REGISTRY_PROTOCOL');
    // 100 pages, and the tag index and cosign's two tags asked beside them
    expect(server.requests.length).toBeLessThanOrEqual(103);
  });
});
