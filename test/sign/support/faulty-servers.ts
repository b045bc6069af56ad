/**
 * Services that misbehave, for failure-path tests: one that always answers an HTTP error,
 * one that accepts connections and never answers, and a URL where nothing listens.
 * @module
 */
import { createServer, type Server } from 'node:http';
import { closeServer, listen } from './handler-server.js';

/** A running faulty server. */
export interface FaultyServer {
  url: string;
  /** Number of requests received (each retry is one). */
  readonly hits: number;
  close(): Promise<void>;
}

/** Always answers `status` with a JSON `{ message }` body, like Sigstore services do. */
export function startFailingServer(status: number, message = `server error ${status}`): Promise<FaultyServer> {
  return start((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: status, message }));
  });
}

/** Reads requests and never answers them; test clients must give up through their timeout. */
export function startHangingServer(): Promise<FaultyServer> {
  return start((req) => {
    req.resume();
  });
}

/** A URL on 127.0.0.1 where nothing listens (a port bound, then released). */
export async function unusedUrl(): Promise<string> {
  const server = createServer();
  const url = await listen(server);
  await closeServer(server);
  return url;
}

async function start(handler: Parameters<typeof createServer>[1]): Promise<FaultyServer> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    handler?.(req, res);
  });
  const url = await listen(server);
  return {
    url,
    get hits() {
      return hits;
    },
    close: () => closeServer(server),
  };
}
