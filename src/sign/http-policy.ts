/**
 * How sealkit talks to Sigstore services: how long one attempt may take, how often a failed
 * attempt is retried and how long it backs off in between. The same policy drives the
 * `@sigstore/sign` clients and sealkit's own requests (OIDC token endpoints).
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError, UsageError } from '../errors.js';

/** Timeouts and retries of every HTTP exchange of one signing call. */
export interface HttpPolicy {
  /** Milliseconds one attempt may take. */
  timeout: number;
  /** Retries after the first attempt. */
  retries: number;
  /** First back-off delay in milliseconds; doubled (with jitter) after each retry. */
  retryDelay: number;
  /** True when the caller chose `timeout`; service minimums then give way to it. */
  timeoutChosen: boolean;
}

/** The defaults: generous enough for a busy public-good instance, short enough for CI. */
export const DEFAULT_HTTP_POLICY: Readonly<HttpPolicy> = {
  timeout: 15_000,
  retries: 2,
  retryDelay: 1_000,
  timeoutChosen: false,
};

/** Rekor v2 batches entries before it answers; sigstore clients give it at least 20 s. */
export const REKOR_V2_MIN_TIMEOUT = 20_000;

/** Builds the policy from user options, rejecting nonsense values. */
export function httpPolicy(options: { timeout?: number; retries?: number; retryDelay?: number }): HttpPolicy {
  const policy = {
    timeout: options.timeout ?? DEFAULT_HTTP_POLICY.timeout,
    retries: options.retries ?? DEFAULT_HTTP_POLICY.retries,
    retryDelay: options.retryDelay ?? DEFAULT_HTTP_POLICY.retryDelay,
    timeoutChosen: options.timeout !== undefined,
  };
  if (!Number.isFinite(policy.timeout) || policy.timeout <= 0) {
    throw new UsageError('INVALID_ARGUMENT', `timeout must be a positive number of milliseconds, not ${options.timeout}`);
  }
  if (!Number.isInteger(policy.retries) || policy.retries < 0) {
    throw new UsageError('INVALID_ARGUMENT', `retries must be a whole number >= 0, not ${options.retries}`);
  }
  if (!Number.isFinite(policy.retryDelay) || policy.retryDelay < 0) {
    throw new UsageError('INVALID_ARGUMENT', `retryDelay must be >= 0 milliseconds, not ${options.retryDelay}`);
  }
  return policy;
}

/**
 * The `timeout`/`retry` options `@sigstore/sign` clients take (make-fetch-happen + promise-retry).
 * `minTimeout` is a service's own minimum, applied unless the caller chose a timeout.
 */
export function sigstoreFetchOptions(policy: HttpPolicy, minTimeout = 0) {
  const delay = Math.max(policy.retryDelay, 1);
  return {
    timeout: policy.timeoutChosen ? policy.timeout : Math.max(policy.timeout, minTimeout),
    retry: { retries: policy.retries, factor: 2, minTimeout: delay, maxTimeout: delay * 16, randomize: true },
  };
}

/**
 * Runs `attempt` until it succeeds, it fails with an error `retryable` rejects, or the
 * retries run out; waits `retryDelay * 2^n` (with up to 100 % jitter) between attempts.
 */
export async function retryWithBackoff<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  policy: HttpPolicy,
  retryable: (error: unknown) => boolean,
  signal?: AbortSignal,
): Promise<T> {
  for (let n = 0; ; n++) {
    if (signal?.aborted) throw new AbortError({ cause: signal.reason });
    const attemptSignal = signal
      ? AbortSignal.any([signal, AbortSignal.timeout(policy.timeout)])
      : AbortSignal.timeout(policy.timeout);
    try {
      return await attempt(attemptSignal);
    } catch (error) {
      if (signal?.aborted) throw new AbortError({ cause: signal.reason });
      if (n >= policy.retries || !retryable(error)) throw error;
    }
    const delay = policy.retryDelay * 2 ** n * (1 + Math.random());
    await sleep(delay, undefined, signal ? { signal } : undefined).catch(() => {
      throw new AbortError({ cause: signal?.reason });
    });
  }
}

/** Rejects when `signal` aborts; `@sigstore/sign` calls cannot be cancelled, only abandoned. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new AbortError({ cause: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortError({ cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
