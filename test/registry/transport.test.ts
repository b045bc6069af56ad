/**
 * The transport's transfer paths against loopback servers: a streamed request body is written
 * with backpressure and never kept, a redirect of a streamed upload asks its source again, a
 * failing source ends the upload with its own error, and answers that were read or discarded
 * leave their connection open for the next request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { isSealkitError } from '../../src/errors.js';
import { RegistryClient } from '../../src/registry/client.js';
import { RegistryError } from '../../src/registry/errors.js';
import { parseReference } from '../../src/registry/reference.js';
import { Transport } from '../../src/registry/transport.js';
import { write } from './support/fake-registry.js';

interface Running {
  host: string;
  url: string;
  /** TCP connections the server accepted. */
  connections: () => number;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => unknown, address = '127.0.0.1'): Promise<Running> {
  let connections = 0;
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((error: unknown) => res.destroy(error as Error));
  });
  server.on('connection', () => connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, address, () => resolve()));
  const host = `${address}:${(server.address() as AddressInfo).port}`;
  return { host, url: `http://${host}`, connections: () => connections };
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function client(extra: ConstructorParameters<typeof RegistryClient>[0] = {}): RegistryClient {
  return new RegistryClient({ dockerConfig: false, retryDelay: 1, ...extra });
}

/** Reads a request body to its end, counting its bytes and keeping none. */
async function consume(req: IncomingMessage): Promise<number> {
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) bytes += chunk.length;
  return bytes;
}

/** V8's full collection, made callable in this worker. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Collects twice, a turn of the event loop apart, so that memory freed by the first is no longer counted. */
async function settledCollection(gc: () => void): Promise<void> {
  gc();
  await new Promise<void>((resolve) => setImmediate(resolve));
  gc();
}

describe('streamed uploads', () => {
  it('keeps none of the chunks it has sent while the upload is still open', async () => {
    const gc = collector();
    const chunkBytes = 1024 * 1024;
    const chunks = 96;
    const total = chunkBytes * chunks;
    let heldAtEnd = Number.NaN;
    const server = await serve(async (req, res) => {
      if (req.method === 'POST') {
        res.writeHead(202, { location: '/v2/app/blobs/uploads/u1' });
        return res.end();
      }
      const received = await consume(req);
      // The whole body has arrived and the client still waits for this answer: whatever of
      // the body it held on to is still reachable now.
      await settledCollection(gc);
      heldAtEnd = process.memoryUsage().arrayBuffers;
      res.writeHead(received === total ? 201 : 400);
      res.end();
    });
    // Each chunk is its own allocation (not the shared pool), so that a kept chunk shows.
    const source = async function* (): AsyncGenerator<Buffer> {
      for (let i = 0; i < chunks; i++) yield Buffer.allocUnsafeSlow(chunkBytes).fill(i);
    };
    await settledCollection(gc);
    const before = process.memoryUsage().arrayBuffers;
    // The registry checks the digest; this server does not, so any digest will do.
    await client().pushBlob(parseReference(`${server.host}/app:1`), { digest: `sha256:${'0'.repeat(64)}`, size: total }, source);
    // Kept chunks would be all 96 MiB of them; in flight are a few socket writes at most.
    expect(heldAtEnd - before).toBeLessThan(total / 2);
  });

  it('asks its source for a fresh stream when the upload is redirected, and sends the credentials only to the registry', async () => {
    const data = randomBytes(200_000);
    const storage = await serve(async (req, res) => {
      const received = await consume(req);
      res.writeHead(received === data.length && req.headers.authorization === undefined ? 201 : 400);
      res.end();
    }, '127.0.0.2');
    const good = `Basic ${Buffer.from('bob:pw').toString('base64')}`;
    const server = await serve(async (req, res) => {
      if (req.headers.authorization !== good) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' });
        return res.end();
      }
      if (req.method === 'POST') {
        res.writeHead(202, { location: '/v2/app/blobs/uploads/u1' });
        return res.end();
      }
      // The storage host takes the upload; this answer does not wait for the body.
      res.writeHead(307, { location: `${storage.url}/upload` });
      res.end();
      req.resume();
    });
    let opened = 0;
    const source = async function* (): AsyncGenerator<Buffer> {
      opened++;
      for (let offset = 0; offset < data.length; offset += 50_000) yield data.subarray(offset, offset + 50_000);
    };
    const registry = client({ credentials: { [server.host]: { username: 'bob', password: 'pw' } }, plainHttp: () => true });
    await registry.pushBlob(parseReference(`${server.host}/app:1`), { digest: sha256(data), size: data.length }, source);
    expect(opened).toBe(2);
  });

  it('ends with the error of a source that fails, and stops sending', async () => {
    let serverSaw: (outcome: { complete: boolean; bytes: number }) => void = () => undefined;
    let serverGot: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (serverGot = resolve));
    const seen = new Promise<{ complete: boolean; bytes: number }>((resolve) => (serverSaw = resolve));
    const server = await serve((req, res) => {
      if (req.method === 'POST') {
        res.writeHead(202, { location: '/v2/app/blobs/uploads/u1' });
        return res.end();
      }
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        serverGot();
      });
      req.on('error', () => undefined);
      req.on('close', () => serverSaw({ complete: req.complete, bytes }));
    });
    const failing = async function* (): AsyncGenerator<Buffer> {
      yield Buffer.alloc(1000);
      // fails once the upload is under way at the server
      await started;
      throw new RegistryError('REGISTRY_DIGEST_MISMATCH', 'the source blob hashes to something else');
    };
    let caught: unknown;
    try {
      await client().pushBlob(parseReference(`${server.host}/app:1`), { digest: `sha256:${'0'.repeat(64)}`, size: 5000 }, failing);
    } catch (error) {
      caught = error;
    }
    expect(isSealkitError(caught, 'REGISTRY_DIGEST_MISMATCH')).toBe(true);
    expect((caught as Error).message).toContain('the source blob hashes to something else');
    // The connection went before the 5000 bytes it promised: the registry cannot take a partial blob.
    const outcome = await seen;
    expect(outcome.complete).toBe(false);
    expect(outcome.bytes).toBeLessThan(5000);
  });
  it('stops a streamed upload when the signal aborts, and closes its source', async () => {
    const controller = new AbortController();
    const server = await serve((req, res) => {
      if (req.method === 'POST') {
        res.writeHead(202, { location: '/v2/app/blobs/uploads/u1' });
        return res.end();
      }
      // reads the body and never answers; the upload ends only by the client's abort
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes >= 1024 * 1024) controller.abort();
      });
      req.on('error', () => undefined);
    });
    let closed: () => void = () => undefined;
    const sourceClosed = new Promise<void>((resolve) => (closed = resolve));
    let produced = 0;
    const endless = async function* (): AsyncGenerator<Buffer> {
      try {
        // 1 GiB at most, so that a client that ignores the abort fails the bound below instead of hanging
        for (let i = 0; i < 16384; i++) {
          produced += 64 * 1024;
          yield Buffer.alloc(64 * 1024);
        }
      } finally {
        closed();
      }
    };
    let caught: unknown;
    try {
      await client({ signal: controller.signal }).pushBlob(parseReference(`${server.host}/app:1`), { digest: `sha256:${'0'.repeat(64)}`, size: 1 << 30 }, endless);
    } catch (error) {
      caught = error;
    }
    expect(isSealkitError(caught, 'ABORTED')).toBe(true);
    // the source is let go (a source blob's own request is closed with it)
    await sourceClosed;
    expect(produced).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('connections', () => {
  it('keeps one connection for answers that were read, discarded or had no body', async () => {
    const manifest = Buffer.from('{"schemaVersion":2}');
    const server = await serve((req, res) => {
      if (req.url?.includes('/blobs/')) {
        const error = Buffer.from('{"errors":[{"code":"BLOB_UNKNOWN"}]}');
        res.writeHead(404, { 'content-type': 'application/json', 'content-length': String(error.length) });
        return res.end(req.method === 'HEAD' ? undefined : error);
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(manifest.length) });
      res.end(req.method === 'HEAD' ? undefined : manifest);
    });
    const transport = new Transport({ allowPlainHttp: () => true, retries: 0, retryDelay: 1, timeout: 10_000, userAgent: 'test' });
    const context = { registry: server.host, reference: `${server.host}/app:1` };
    for (let i = 0; i < 3; i++) {
      const head = await transport.send({ method: 'HEAD', url: `${server.url}/v2/app/manifests/1`, context });
      await head.discard();
      const missing = await transport.send({ method: 'HEAD', url: `${server.url}/v2/app/blobs/sha256:${'1'.repeat(64)}`, context });
      await missing.discard();
      const get = await transport.send({ method: 'GET', url: `${server.url}/v2/app/manifests/1`, context });
      const chunks: Buffer[] = [];
      for await (const chunk of get.chunks()) chunks.push(Buffer.from(chunk));
      expect(Buffer.concat(chunks).equals(manifest)).toBe(true);
      const unread = await transport.send({ method: 'GET', url: `${server.url}/v2/app/blobs/sha256:${'2'.repeat(64)}`, context });
      expect(unread.status).toBe(404);
      await unread.discard();
    }
    expect(server.connections()).toBe(1);
  });

  it('closes the connection of a discarded answer that is long or has no length, rather than reading it', async () => {
    let written = 0;
    const server = await serve(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024);
      // chunked and endless: a client that reads it to its end never returns
      while (written < 1024 * 1024 * 1024 && (await write(res, chunk))) written += chunk.length;
    });
    const transport = new Transport({ allowPlainHttp: () => true, retries: 0, retryDelay: 1, timeout: 10_000, userAgent: 'test' });
    const response = await transport.send({ method: 'GET', url: `${server.url}/v2/app/blobs/x`, context: { registry: server.host, reference: 'x' } });
    await response.discard();
    const after = await transport.send({ method: 'GET', url: `${server.url}/v2/app/blobs/y`, context: { registry: server.host, reference: 'y' } });
    await after.discard();
    expect(server.connections()).toBe(2);
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('https', () => {
  // A self-signed certificate for 127.0.0.1 made for this test alone (openssl req -x509, P-256,
  // 100 years); no system trusts it.
  const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgwX3dwKBcY27VAat8
lUDgtYIRRVzMyhz85XUdS6oLWtyhRANCAARyjB8XZi+NdbCjemsOzj1rBHzSirt0
6rb1I8L8FGhqL89nFilwAp7st7ftD4yGHMwp8Mr+B31t9NUuPiZ1wL91
-----END PRIVATE KEY-----`;
  const CERT = `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIUWlzac9l5vGrWwFR3ftngQrusovswCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEzMDE4MjAxN1oYDzIxMjYxMTA2
MTgyMDE3WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARyjB8XZi+NdbCjemsOzj1rBHzSirt06rb1I8L8FGhqL89nFilwAp7s
t7ftD4yGHMwp8Mr+B31t9NUuPiZ1wL91o2QwYjAdBgNVHQ4EFgQUXHfB9XCy6Kp9
pHuUShM3x872yBEwHwYDVR0jBBgwFoAUXHfB9XCy6Kp9pHuUShM3x872yBEwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
IQCML4oDPxLqVfTOIl/ik5CtERZl/JXq0UNXUMxCs1/PwQIgXXI0IKgNBhUJ7A/R
v6YavmjKuECPqKPRpYWq+TeJzF0=
-----END CERTIFICATE-----`;

  it('speaks TLS to a registry not allowed plain HTTP, and refuses a certificate nobody trusts', async () => {
    let requests = 0;
    const server = createHttpsServer({ key: KEY, cert: CERT }, (_req, res) => {
      requests++;
      res.end('{}');
    });
    servers.push(server as unknown as Server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    let caught: unknown;
    try {
      await client({ plainHttp: false, retries: 0 }).getManifest(parseReference(`${host}/app:1`));
    } catch (error) {
      caught = error;
    }
    expect(isSealkitError(caught, 'REGISTRY_UNREACHABLE')).toBe(true);
    expect((caught as Error).message).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(requests).toBe(0);
  });
});
