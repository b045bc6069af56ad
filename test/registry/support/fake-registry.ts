/**
 * A scriptable HTTP server on a loopback address, standing in for a registry (or its token or
 * storage host) that misbehaves in one chosen way. Every request is recorded with its headers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/** A running fake server. */
export interface FakeServer {
  /** `127.0.0.1:PORT` (or whichever address it listens on). */
  host: string;
  url: string;
  requests: SeenRequest[];
  /** Bytes the server wrote in response bodies, over all requests. */
  bytesSent: () => number;
  close: () => Promise<void>;
}

/** Handles one request; `count` is how many bytes the handler wrote (to bound hostile answers). */
export type Handler = (req: IncomingMessage, res: ServerResponse, count: (bytes: number) => void) => unknown;

/** Starts a server on `address` (default 127.0.0.1) and an ephemeral port. */
export async function startFakeServer(handler: Handler, address = '127.0.0.1'): Promise<FakeServer> {
  const requests: SeenRequest[] = [];
  let sent = 0;
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    Promise.resolve(handler(req, res, (n) => (sent += n))).catch((error: unknown) => {
      res.destroy(error as Error);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = `${address}:${port}`;
  return {
    host,
    url: `http://${host}`,
    requests,
    bytesSent: () => sent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes `chunk` unless the client went away; resolves once it drained. */
export function write(res: ServerResponse, chunk: Buffer): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => {
    if (res.write(chunk)) return resolve(!res.destroyed);
    const settle = (open: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(open);
    };
    const onDrain = () => settle(!res.destroyed);
    const onClose = () => settle(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/** JSON body answer. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(bytes.length), ...headers });
  res.end(bytes);
}
