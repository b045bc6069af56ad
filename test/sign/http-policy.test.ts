import { describe, expect, it } from 'vitest';
import { abortable, httpPolicy, retryWithBackoff, sigstoreFetchOptions } from '../../src/sign/http-policy.js';

describe('retryWithBackoff', () => {
  const policy = httpPolicy({ retries: 3, retryDelay: 20, timeout: 1000 });

  it('retries retryable failures with growing delays, then succeeds', async () => {
    const times: number[] = [];
    const result = await retryWithBackoff(
      async () => {
        times.push(Date.now());
        if (times.length < 3) throw new Error('flaky');
        return 'ok';
      },
      policy,
      () => true,
    );
    expect(result).toBe('ok');
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(19);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(39); // doubled
  });

  it('stops at once on a failure that is not retryable, and after the last retry', async () => {
    let calls = 0;
    await expect(retryWithBackoff(async () => { calls++; throw new Error('no'); }, policy, () => false)).rejects.toThrow('no');
    expect(calls).toBe(1);
    calls = 0;
    await expect(retryWithBackoff(async () => { calls++; throw new Error('again'); }, policy, () => true)).rejects.toThrow('again');
    expect(calls).toBe(4);
  });

  it('gives each attempt a signal that fires after the timeout, and honours the caller abort', async () => {
    const short = httpPolicy({ retries: 0, timeout: 30 });
    const reason = await retryWithBackoff((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), short, () => false).catch((e: Error) => e.name);
    expect(reason).toBe('TimeoutError');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    await expect(retryWithBackoff(async () => { throw new Error('x'); }, policy, () => true, controller.signal)).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(abortable(new Promise(() => {}), AbortSignal.timeout(10))).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('hands the same policy to the @sigstore/sign clients, keeping service minimums unless a timeout was chosen', () => {
    expect(sigstoreFetchOptions(httpPolicy({}), 20_000).timeout).toBe(20_000);
    expect(sigstoreFetchOptions(httpPolicy({ timeout: 300 }), 20_000).timeout).toBe(300);
    expect(sigstoreFetchOptions(httpPolicy({ retries: 4, retryDelay: 50 })).retry).toMatchObject({ retries: 4, factor: 2, minTimeout: 50 });
  });
});
