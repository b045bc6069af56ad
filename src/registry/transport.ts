/**
 * One HTTP exchange with a registry (or its token or storage hosts): retries with back-off,
 * redirects followed by hand so that credentials never leave the origin they were meant for,
 * plain HTTP only where allowed, an idle timeout, and cancellation.
 * @module
 */
import type * as Http from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError } from '../errors.js';
import { RegistryError } from './errors.js';

// Imported as ES modules, node:http and node:https cost a registry command 40 ms of its start-up:
// an ES module namespace reads every export, and node:http's include lazy getters that load
// Node's fetch implementation, node:https's the TLS stack. Required, they cost 3 ms, and TLS
// loads only for the first https:// request.
const requireBuiltin = createRequire(import.meta.url);

function nodeModule<T>(name: 'node:http' | 'node:https'): T {
  return requireBuiltin(name) as T;
}

/** Request of {@link Transport.send}. */
export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** A buffer, or a function giving a fresh stream for each attempt. */
  body?: Buffer | (() => AsyncIterable<Uint8Array>);
  /** `Authorization` value, sent only to `url`'s origin (never after a redirect to another one). */
  authorization?: string;
  /** Retry after network errors, 429 and 5xx (true for GET and HEAD unless said otherwise). */
  retry?: boolean;
  /** Registry and reference named in errors. */
  context: { registry: string; reference: string };
}

/** A response's headers by name (any case); repeated headers are joined with `, `, as `Headers` does. */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/** An answer whose body is still to be read (or discarded with {@link HttpResponse.discard}). */
export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  /** The URL that answered, after redirects. */
  url: string;
  /** The body, each chunk resetting the idle timeout; ends the exchange when done. */
  chunks(): AsyncGenerator<Uint8Array>;
  /** Ends the exchange without reading the rest of the body. */
  discard(): Promise<void>;
}

/** Settings of a {@link Transport}. */
export interface TransportOptions {
  allowPlainHttp: (host: string) => boolean;
  signal?: AbortSignal;
  retries: number;
  retryDelay: number;
  timeout: number;
  userAgent: string;
  /** Longest `Retry-After` honoured, in milliseconds. */
  maxRetryAfter?: number;
}

const MAX_REDIRECTS = 10;
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
/** The largest rest of a discarded answer that is still read, to keep its connection for the next request. */
const REUSE_MAX_BYTES = 64 * 1024;

/** True for `localhost`, `127.0.0.0/8` and `::1` (with or without a port). */
export function isLoopback(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '::1' || /^127(?:\.\d{1,3}){3}$/.test(name);
}

/** Sends requests; see the module comment. */
export class Transport {
  constructor(private readonly options: TransportOptions) {}

  /** The base URL of a registry host: `http://` where plain HTTP is allowed, else `https://`. */
  baseUrl(host: string): string {
    return `${this.options.allowPlainHttp(host) ? 'http' : 'https'}://${host}`;
  }

  /** Sends `request`, following redirects and retrying what may be retried. */
  async send(request: HttpRequest): Promise<HttpResponse> {
    const retry = request.retry ?? (request.method === 'GET' || request.method === 'HEAD');
    const retries = retry ? this.options.retries : 0;
    for (let attempt = 0; ; attempt++) {
      this.throwIfAborted();
      let response: HttpResponse;
      try {
        response = await this.follow(request);
      } catch (error) {
        if (error instanceof RegistryError && error.code === 'REGISTRY_UNREACHABLE' && attempt < retries) {
          await this.backoff(attempt, undefined);
          continue;
        }
        throw error;
      }
      if (RETRY_STATUSES.has(response.status) && attempt < retries) {
        const retryAfter = response.headers.get('retry-after');
        await response.discard();
        await this.backoff(attempt, retryAfter);
        continue;
      }
      return response;
    }
  }

  private async follow(request: HttpRequest): Promise<HttpResponse> {
    let url = new URL(request.url);
    const origin = url.origin;
    let method = request.method;
    let body = request.body;
    let headers = { ...request.headers };
    for (let hop = 0; ; hop++) {
      this.checkScheme(url, request);
      const sameOrigin = url.origin === origin;
      const response = await this.exchange(url, method, {
        ...headers,
        'user-agent': this.options.userAgent,
        ...(sameOrigin && request.authorization !== undefined ? { authorization: request.authorization } : {}),
      }, body, request);
      if (![301, 302, 303, 307, 308].includes(response.status)) return response;
      const location = response.headers.get('location');
      await response.discard();
      if (location === null) {
        throw protocol(request, `a ${response.status} redirect without a Location`);
      }
      if (hop >= MAX_REDIRECTS) throw protocol(request, `more than ${MAX_REDIRECTS} redirects (a redirect loop)`);
      url = new URL(location, url);
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-/i.test(k)));
      }
    }
  }

  private checkScheme(url: URL, request: HttpRequest): void {
    if (url.protocol === 'https:') return;
    if (url.protocol === 'http:' && this.options.allowPlainHttp(url.host)) return;
    throw new RegistryError(
      'REGISTRY_INSECURE_REFUSED',
      `refusing ${url.protocol === 'http:' ? 'plain HTTP' : url.protocol} to ${url.host} while talking to ${request.context.registry} about ${request.context.reference}` +
        ' (plain HTTP is allowed for loopback hosts, or when asked for)',
      { details: { ...request.context, host: url.host } },
    );
  }

  /**
   * One request and its answer over `node:http`/`node:https`. A streamed body is written with
   * backpressure (a chunk is pulled from its source only once the socket took the last one) and
   * is never kept for a replay: a redirect or retry asks the body function for a fresh stream.
   */
  private async exchange(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: HttpRequest['body'],
    request: HttpRequest,
  ): Promise<HttpResponse> {
    const outer = this.options.signal;
    const timeout = this.options.timeout;
    let timedOut = false;
    let req: ClientRequest | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      req?.destroy(new Error(`no answer within ${timeout} ms`));
    }, timeout);
    const onAbort = (): void => {
      req?.destroy(new AbortError({ cause: outer?.reason }));
    };
    outer?.addEventListener('abort', onAbort, { once: true });
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    };
    const fail = (error: unknown): never => {
      finish();
      this.throwIfAborted(error);
      // A body stream that failed (a source blob that did not verify) is the real cause.
      if (error instanceof RegistryError || error instanceof AbortError) throw error;
      const why = timedOut ? `no answer within ${timeout} ms` : describe(error);
      throw new RegistryError('REGISTRY_UNREACHABLE', `cannot reach ${url.host} for ${request.context.reference}: ${why}`, {
        cause: error,
        details: { ...request.context, host: url.host },
      });
    };

    let sent: ClientRequest;
    let res: IncomingMessage;
    try {
      this.throwIfAborted();
      [sent, res] = await new Promise<[ClientRequest, IncomingMessage]>((resolve, reject) => {
        const client = url.protocol === 'https:' ? nodeModule<typeof Https>('node:https') : nodeModule<typeof Http>('node:http');
        const sent = client.request(url, { method, headers });
        req = sent;
        sent.on('response', (answer: IncomingMessage) => resolve([sent, answer]));
        // Stays on for the life of the exchange: a late socket error must not go unhandled.
        sent.on('error', reject);
        if (body === undefined) sent.end();
        else if (Buffer.isBuffer(body)) sent.end(body);
        else void writeBody(body(), sent, () => timer.refresh());
      });
    } catch (error) {
      return fail(error);
    }
    res.on('error', () => undefined);
    timer.refresh();
    const discard = async (): Promise<void> => {
      if (settled) return;
      // An answer that came before its request's body was all sent (a refusal, a redirect):
      // the rest is not sent, and its source is let go.
      if (!sent.writableFinished) {
        finish();
        sent.destroy();
        return;
      }
      // A short rest is read so that the connection serves the next request (which waits for
      // it, under the idle timeout, rather than open another); anything else closes it.
      const length = Number(res.headers['content-length']);
      const bodiless = method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304;
      if (bodiless || res.complete || (Number.isSafeInteger(length) && length <= REUSE_MAX_BYTES)) {
        const ended = new Promise<void>((resolve) => {
          res.once('end', resolve);
          res.once('close', resolve);
        });
        res.resume();
        await ended;
      } else {
        res.destroy();
      }
      finish();
    };
    return {
      status: res.statusCode ?? 0,
      headers: headerReader(res.rawHeaders),
      url: url.href,
      async *chunks() {
        if (settled) return;
        try {
          for await (const chunk of res as AsyncIterable<Buffer>) {
            timer.refresh();
            yield chunk;
          }
          finish();
        } catch (error) {
          return fail(error);
        } finally {
          if (!settled) {
            finish();
            res.destroy();
          }
          if (!sent.writableFinished) sent.destroy();
        }
      },
      discard,
    };
  }

  private async backoff(attempt: number, retryAfter: string | null | undefined): Promise<void> {
    const maxRetryAfter = this.options.maxRetryAfter ?? 60_000;
    let delay = this.options.retryDelay * 2 ** attempt * (1 + Math.random());
    const stated = parseRetryAfter(retryAfter);
    if (stated !== undefined) delay = Math.min(Math.max(stated, 0), maxRetryAfter);
    try {
      await sleep(delay, undefined, this.options.signal ? { signal: this.options.signal } : undefined);
    } catch (error) {
      this.throwIfAborted(error);
      throw error;
    }
  }

  private throwIfAborted(cause?: unknown): void {
    if (this.options.signal?.aborted) throw new AbortError({ cause: this.options.signal.reason ?? cause });
  }
}

/** `Retry-After` in milliseconds: seconds, or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Writes a streamed body: the next chunk is taken from `source` only once the socket has taken
 * the last one, so that a fast source never piles up in memory. A source that fails destroys
 * the request with its error, which the exchange then reports; a request that ends early (the
 * registry answered, or went away) stops the source.
 */
async function writeBody(source: AsyncIterable<Uint8Array>, req: ClientRequest, touch: () => void): Promise<void> {
  try {
    for await (const chunk of source) {
      if (req.destroyed) return;
      touch();
      if (!req.write(chunk) && !(await drained(req))) return;
    }
    req.end();
  } catch (error) {
    req.destroy(error as Error);
  }
}

/** Resolves true on `drain`, false when the request closed first. */
function drained(req: ClientRequest): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (open: boolean): void => {
      req.off('drain', onDrain);
      req.off('close', onClose);
      resolve(open);
    };
    const onDrain = (): void => settle(true);
    const onClose = (): void => settle(false);
    req.on('drain', onDrain);
    req.on('close', onClose);
  });
}

/**
 * Node's raw header list, read by name. Not a `Headers`: the first `Headers` a process makes
 * loads Node's whole fetch implementation, 35 ms of a registry command's start-up.
 */
function headerReader(raw: readonly string[]): ResponseHeaders {
  const byName = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = (raw[i + 1] as string).trim();
    const before = byName.get(name);
    byName.set(name, before === undefined ? value : `${before}, ${value}`);
  }
  return { get: (name) => byName.get(name.toLowerCase()) ?? null };
}

function describe(error: unknown): string {
  const own = error as { code?: unknown; message?: string; cause?: { code?: string; message?: string } };
  if (typeof own.code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(own.code)) return own.code;
  return own.cause?.code ?? own.cause?.message ?? own.message ?? String(error);
}

function protocol(request: HttpRequest, why: string): RegistryError {
  return new RegistryError('REGISTRY_PROTOCOL', `${request.context.registry} (${request.context.reference}): ${why}`, {
    details: { ...request.context },
  });
}

