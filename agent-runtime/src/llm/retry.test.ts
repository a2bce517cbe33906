import { describe, expect, it } from 'vitest';
import { UpstreamError } from './model-port.ts';
import { type RetryHooks, withRetry } from './retry.ts';

/** A clock that only moves when the retry loop sleeps. */
function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  const hooks: RetryHooks = {
    now: () => now,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  return { hooks, sleeps, advance: (ms: number) => (now += ms) };
}

const never = new AbortController().signal;
const failing = (...errors: UpstreamError[]) => {
  let calls = 0;
  const attempt = async () => {
    const err = errors[calls++];
    if (err) throw err;
    return 'ok';
  };
  return { attempt, calls: () => calls };
};

describe('withRetry', () => {
  it('retries transient failures with exponential backoff and jitter', async () => {
    const { hooks, sleeps } = fakeClock();
    const { attempt, calls } = failing(
      new UpstreamError('rate-limited', '429'),
      new UpstreamError('server', '500'),
    );
    expect(await withRetry(attempt, { budgetMs: 10_000, maxRetries: 3 }, never, hooks)).toBe('ok');
    expect(calls()).toBe(3);
    // 200 ms * 2^n, times 0.75 with random() = 0.5.
    expect(sleeps).toEqual([150, 300]);
  });

  it('never retries a rejection and records the attempt count', async () => {
    const { hooks } = fakeClock();
    const { attempt, calls } = failing(new UpstreamError('rejected', '400'));
    const err = await withRetry(attempt, { budgetMs: 10_000, maxRetries: 3 }, never, hooks).catch((e) => e);
    expect(err).toMatchObject({ kind: 'rejected', attempts: 1 });
    expect(calls()).toBe(1);
  });

  it('stops after maxRetries', async () => {
    const { hooks } = fakeClock();
    const errors = Array.from({ length: 5 }, () => new UpstreamError('server', '500'));
    const { attempt, calls } = failing(...errors);
    const err = await withRetry(attempt, { budgetMs: 60_000, maxRetries: 2 }, never, hooks).catch((e) => e);
    expect(err).toMatchObject({ kind: 'server', attempts: 3 });
    expect(calls()).toBe(3);
  });

  it('honours Retry-After, and gives up when it would overrun the budget', async () => {
    const { hooks, sleeps } = fakeClock();
    const { attempt } = failing(
      new UpstreamError('rate-limited', '429', { retryAfterMs: 1_000 }),
      new UpstreamError('rate-limited', '429', { retryAfterMs: 5_000 }),
    );
    const err = await withRetry(attempt, { budgetMs: 4_000, maxRetries: 5 }, never, hooks).catch((e) => e);
    expect(sleeps).toEqual([1_000]);
    expect(err).toMatchObject({ kind: 'rate-limited', attempts: 2, retryAfterMs: 5_000 });
  });

  it('reports each failure and whether another attempt follows', async () => {
    const { hooks } = fakeClock();
    const seen: [string, number, boolean][] = [];
    const { attempt } = failing(
      new UpstreamError('connection', 'refused'),
      new UpstreamError('connection', 'refused'),
    );
    await withRetry(attempt, { budgetMs: 10_000, maxRetries: 1 }, never, {
      ...hooks,
      onFailure: (e, n, retrying) => seen.push([e.kind, n, retrying]),
    }).catch(() => {});
    expect(seen).toEqual([
      ['connection', 1, true],
      ['connection', 2, false],
    ]);
  });

  it('gives each attempt an equal share of the remaining budget', async () => {
    const started = Date.now();
    const abortedAfter: number[] = [];
    const hang = (signal: AbortSignal) =>
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => {
          abortedAfter.push(Date.now() - started);
          reject(signal.reason);
        }),
      );
    const hooks: RetryHooks = { now: Date.now, random: () => 0, sleep: async () => {} };
    const err = await withRetry(hang, { budgetMs: 600, maxRetries: 2, baseDelayMs: 1 }, never, hooks).catch(
      (e) => e,
    );
    expect(err).toMatchObject({ kind: 'timeout', attempts: 3 });
    expect(abortedAfter).toHaveLength(3);
    expect(abortedAfter[0]).toBeGreaterThanOrEqual(190);
    expect(abortedAfter[0]).toBeLessThan(350);
    expect(abortedAfter[2]).toBeGreaterThanOrEqual(590);
  });

  it('throws the caller reason at once when the caller aborts, without retrying', async () => {
    const { hooks } = fakeClock();
    const controller = new AbortController();
    let calls = 0;
    const attempt = async () => {
      calls++;
      controller.abort(new Error('client gone'));
      throw new UpstreamError('server', '500');
    };
    const err = await withRetry(attempt, { budgetMs: 10_000, maxRetries: 3 }, controller.signal, hooks).catch(
      (e) => e,
    );
    expect(err).toMatchObject({ message: 'client gone' });
    expect(calls).toBe(1);
  });
});
