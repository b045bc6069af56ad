/**
 * One HTTP exchange with a registry (or its token or storage hosts): retries with back-off,
 * redirects followed by hand so that credentials never leave the origin they were meant for,
 * plain HTTP only where allowed, an idle timeout, and cancellation.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError } from '../errors.js';
import { RegistryError } from './errors.js';

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

/** An answer whose body is still to be read (or discarded with {@link HttpResponse.discard}). */
export interface HttpResponse {
  status: number;
  headers: Headers;
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

  private async exchange(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: HttpRequest['body'],
    request: HttpRequest,
  ): Promise<HttpResponse> {
    const idle = new AbortController();
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, idle.signal]) : idle.signal;
    const timer = setTimeout(() => idle.abort(), this.options.timeout);
    const fail = (error: unknown): never => {
      clearTimeout(timer);
      this.throwIfAborted(error);
      if (error instanceof RegistryError) throw error;
      // A body stream that failed (a source blob that did not verify) is the real cause.
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof RegistryError || cause instanceof AbortError) throw cause;
      const why = idle.signal.aborted ? `no answer within ${this.options.timeout} ms` : describe(error);
      throw new RegistryError('REGISTRY_UNREACHABLE', `cannot reach ${url.host} for ${request.context.reference}: ${why}`, {
        cause: error,
        details: { ...request.context, host: url.host },
      });
    };
    let response: Response;
    try {
      const init: RequestInit & { duplex?: 'half' } = { method, headers, redirect: 'manual', signal };
      if (Buffer.isBuffer(body)) init.body = body;
      else if (body !== undefined) {
        const source = body();
        init.body = ReadableStream.from(touching(source, timer)) as unknown as ReadableStream<Uint8Array>;
        init.duplex = 'half';
      }
      response = await fetch(url, init);
    } catch (error) {
      return fail(error);
    }
    timer.refresh();
    let done = false;
    const finish = async (): Promise<void> => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      await response.body?.cancel().catch(() => undefined);
    };
    const options = this.options;
    return {
      status: response.status,
      headers: response.headers,
      url: url.href,
      async *chunks() {
        if (response.body === null) {
          done = true;
          clearTimeout(timer);
          return;
        }
        const reader = response.body.getReader();
        try {
          for (;;) {
            let next: { done: true; value?: undefined } | { done: false; value: Uint8Array };
            try {
              next = await reader.read();
            } catch (error) {
              done = true;
              if (options.signal?.aborted) throw new AbortError({ cause: options.signal.reason });
              return fail(error);
            }
            if (next.done) break;
            timer.refresh();
            yield next.value;
          }
        } finally {
          if (!done) {
            done = true;
            clearTimeout(timer);
            await reader.cancel().catch(() => undefined);
          }
          reader.releaseLock();
        }
      },
      discard: finish,
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

async function* touching(source: AsyncIterable<Uint8Array>, timer: NodeJS.Timeout): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    timer.refresh();
    yield chunk;
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

function protocol(request: HttpRequest, why: string): RegistryError {
  return new RegistryError('REGISTRY_PROTOCOL', `${request.context.registry} (${request.context.reference}): ${why}`, {
    details: { ...request.context },
  });
}
