/**
 * Turns whatever a Sigstore client threw (an `@sigstore/sign` InternalError wrapping an HTTP
 * error, a fetch failure, a timeout) into a {@link ServiceError} that names the service and
 * its URL and says what happened in words a person can act on.
 * @module
 */
import { AbortError, SealkitError, ServiceError, type SealkitErrorCode } from '../errors.js';
import type { HttpPolicy } from './http-policy.js';

/** The service a request went to. */
export interface ServiceRef {
  /** Human name: `Fulcio`, `Rekor`, `timestamp authority`, `GitHub Actions OIDC`. */
  name: string;
  url: string;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const TIMEOUT_TYPES = new Set(['request-timeout', 'body-timeout']);

/** Maps a failed exchange with `service` to a {@link SealkitError}; sealkit errors pass through. */
export function toServiceError(error: unknown, service: ServiceRef, policy: HttpPolicy): SealkitError {
  if (error instanceof SealkitError) return error;
  const chain = causes(error);
  const attempts = `${policy.retries + 1} attempt${policy.retries === 0 ? '' : 's'}`;
  const details = { service: service.name, url: service.url };

  const http = chain.find((e) => typeof e.statusCode === 'number' || typeof e.status === 'number');
  if (http) {
    const status = (http.statusCode ?? http.status) as number;
    // @sigstore/sign formats HTTP errors as "(status) message"; keep only the server's words.
    const said = String(http.message ?? '').replace(/^\(\d+\)\s*/, '') || 'no message';
    const retried = status >= 500 || status === 408 || status === 429 ? ` after ${attempts}` : '';
    return fail('SERVICE_ERROR', `${service.name} at ${service.url} answered HTTP ${status}${retried}: ${said}`, error, {
      ...details,
      status,
    });
  }
  if (chain.some((e) => TIMEOUT_TYPES.has(String(e.type)) || TIMEOUT_CODES.has(String(e.code)) || e.name === 'TimeoutError')) {
    return fail(
      'SERVICE_TIMEOUT',
      `${service.name} at ${service.url} did not answer within ${policy.timeout} ms (${attempts})`,
      error,
      details,
    );
  }
  const network = chain.find((e) => UNREACHABLE_CODES.has(String(e.code)));
  if (network) {
    return fail(
      'SERVICE_UNREACHABLE',
      `cannot reach ${service.name} at ${service.url}: ${describeNetworkError(String(network.code))} (${attempts})`,
      error,
      { ...details, errno: network.code },
    );
  }
  const last = chain[chain.length - 1];
  const reason = last?.message ? String(last.message) : String(error);
  return fail('SERVICE_ERROR', `${service.name} at ${service.url} failed: ${reason}`, error, details);
}

/** True for failures worth another attempt: network trouble, timeouts, 408, 429 and 5xx. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof AbortError) return false;
  for (const e of causes(error)) {
    const status = e.statusCode ?? e.status;
    if (typeof status === 'number') return status >= 500 || status === 408 || status === 429;
    if (UNREACHABLE_CODES.has(String(e.code)) || TIMEOUT_CODES.has(String(e.code)) || e.name === 'TimeoutError') return true;
  }
  return error instanceof TypeError; // fetch() reports network failures as TypeError("fetch failed")
}

/** An HTTP answer that was not 2xx, for sealkit's own fetch() calls. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  type?: unknown;
  name?: unknown;
  statusCode?: unknown;
  status?: unknown;
  cause?: unknown;
}

function causes(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current: unknown = error;
  while (current !== null && typeof current === 'object' && chain.length < 8) {
    chain.push(current as ErrorLike);
    current = (current as ErrorLike).cause;
  }
  return chain;
}

function describeNetworkError(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the URL right and the service up?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
    case 'UND_ERR_SOCKET':
      return 'the connection was closed';
    default:
      return code;
  }
}

function fail(code: SealkitErrorCode, message: string, cause: unknown, details: Record<string, unknown>): ServiceError {
  return new ServiceError(code, message, { cause, details });
}
