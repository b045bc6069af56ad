/**
 * Bounded concurrency: the limiter never runs more than its limit and keeps the order tasks came
 * in; a task not started when the signal aborts fails with ABORTED; mapLimited keeps the order of
 * its items and reports the first failure; inBackground leaves no unhandled rejection.
 */
import { describe, expect, it } from 'vitest';
import { isSealkitError } from '../../src/errors.js';
import { inBackground, limiter, mapLimited, queuePerKey } from '../../src/util/concurrency.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('limiter', () => {
  it('runs at most its limit at once, in the order given', async () => {
    const run = limiter(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) =>
        run(async () => {
          started.push(i);
          running++;
          most = Math.max(most, running);
          await tick();
          await tick();
          running--;
          return i * 10;
        }),
      ),
    );
    expect(results).toEqual([0, 10, 20, 30, 40, 50]);
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('frees the slot of a task that fails', async () => {
    const run = limiter(1);
    await expect(run(() => Promise.reject(new Error('broken')))).rejects.toThrow('broken');
    await expect(run(() => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('fails the tasks not started yet once the signal aborts', async () => {
    const controller = new AbortController();
    const run = limiter(1, controller.signal);
    const first = run(async () => {
      controller.abort();
      await tick();
      return 'first';
    });
    const second = run(() => Promise.resolve('second')).catch((error: unknown) => error);
    await expect(first).resolves.toBe('first');
    expect(isSealkitError(await second, 'ABORTED')).toBe(true);
  });
});

describe('mapLimited', () => {
  it('keeps the order of its items, at most `limit` at once', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimited([3, 1, 2, 5, 4], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      for (let i = 0; i < n; i++) await tick();
      running--;
      return n * 2;
    });
    expect(out).toEqual([6, 2, 4, 10, 8]);
    expect(most).toBe(2);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const seen: number[] = [];
    const failure = await mapLimited([1, 2, 3, 4], 1, async (n) => {
      seen.push(n);
      if (n === 2) throw new Error(`item ${n}`);
      return n;
    }).catch((error: unknown) => error);
    expect((failure as Error).message).toBe('item 2');
    expect(seen).toEqual([1, 2]);
  });
});

describe('inBackground', () => {
  it('keeps a failure for whoever awaits it', async () => {
    const started = inBackground(Promise.reject(new Error('later')));
    await tick();
    await expect(started).rejects.toThrow('later');
  });
});

describe('queuePerKey', () => {
  it("runs one key's tasks one at a time in order, beside other keys, and goes on after a failure", async () => {
    const queue = queuePerKey();
    const log: string[] = [];
    const task = (name: string, fail = false) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([queue('a', task('a1', true)), queue('a', task('a2')), queue('b', task('b1'))]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['a1', 'a2', 'b1']);
    // b1 runs beside a1; a2 starts only once a1 has ended
    expect(log.indexOf('b1 start')).toBeLessThan(log.indexOf('a1 end'));
    expect(log.indexOf('a2 start')).toBeGreaterThan(log.indexOf('a1 end'));
  });
});
