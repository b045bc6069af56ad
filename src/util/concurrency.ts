/**
 * Bounded concurrency for network work: a limiter for tasks that come one by one, a bounded map
 * for a known list, a queue per key, and a way to start work early without an unhandled rejection.
 * @module
 */
import { throwIfAborted } from '../errors.js';

/**
 * Runs the tasks given to it at most `limit` at a time, in the order they were given; with
 * `signal`, a task that has not started when it is aborted fails with `ABORTED` instead.
 */
export function limiter(limit: number, signal?: AbortSignal): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    // A finished task hands its slot to the next waiting one, so that `running` never passes `limit`.
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      throwIfAborted(signal);
      return await task();
    } finally {
      const next = waiting.shift();
      if (next !== undefined) next();
      else running--;
    }
  };
}

/** Maps `items` through `work`, at most `limit` at once, keeping their order; the first failure wins. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const runner = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
  return results;
}

/** `promise`, whose failure is reported where it is awaited, not as an unhandled rejection while it waits. */
export function inBackground<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * Runs the tasks given under one key one at a time, in the order they were given; tasks under
 * other keys run beside them. A key is forgotten once its queue is empty.
 */
export function queuePerKey(): <T>(key: string, task: () => Promise<T>) => Promise<T> {
  const queues = new Map<string, Promise<void>>();
  return async (key, task) => {
    const before = queues.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const queue = before.then(() => mine);
    queues.set(key, queue);
    try {
      await before;
      return await task();
    } finally {
      release();
      if (queues.get(key) === queue) queues.delete(key);
    }
  };
}
