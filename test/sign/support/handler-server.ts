/**
 * A real `node:http` server on 127.0.0.1 that answers with `@sigstore/mock` handlers (or any
 * handler of the same shape), records every request, and can be told to fail the next few.
 * No request interception: clients talk TCP to it like to any Sigstore service.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The shape of `@sigstore/mock` handlers: a POST path and a body -> answer function. */
export interface MockHandler {
  path: string;
  fn: (body: string) => Promise<{ statusCode: number; response: string | ArrayBufferView; contentType?: string }>;
}

/** A request the server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A running server. */
export interface HandlerServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Answers the next `count` requests with `status` and a JSON `{ message }` body. */
  failNext(count: number, status: number, message?: string): void;
  /** Replaces the handlers (e.g. once the URL is known to a handler that needs it). */
  use(handlers: MockHandler[]): void;
  close(): Promise<void>;
}

/** Starts a server routing POST requests to `handlers` by exact path. */
export async function startHandlerServer(initialHandlers: MockHandler[] = []): Promise<HandlerServer> {
  let handlers = initialHandlers;
  const requests: RecordedRequest[] = [];
  let failures: { count: number; status: number; message: string } = { count: 0, status: 500, message: '' };
  const server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
      if (failures.count > 0) {
        failures.count--;
        return sendJson(res, failures.status, { code: failures.status, message: failures.message });
      }
      const handler = handlers.find((h) => h.path === path);
      if (!handler || req.method !== 'POST') return sendJson(res, 404, { message: `no handler for ${req.method} ${path}` });
      const answer = await handler.fn(body);
      res.writeHead(answer.statusCode, { 'content-type': answer.contentType ?? 'text/plain' });
      res.end(toBytes(answer.response));
    });
  });
  const url = await listen(server);
  return {
    url,
    requests,
    failNext(count, status, message = `injected HTTP ${status}`) {
      failures = { count, status, message };
    },
    use(next) {
      handlers = next;
    },
    close: () => closeServer(server),
  };
}

/** Listens on an ephemeral 127.0.0.1 port and returns the base URL. */
export function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

/** Closes `server`, cutting kept-alive and hanging connections so that it cannot linger. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function toBytes(response: string | ArrayBufferView): string | Buffer {
  return typeof response === 'string' ? response : Buffer.from(response.buffer, response.byteOffset, response.byteLength);
}
