import { describe, expect, it } from 'vitest';
import { POOL_TRUST_MS, PoolKeeper } from './pool.ts';

describe("a process's memory of the pool", () => {
  it('trusts a pool found ready for a minute, and never a wait or a failure', async () => {
    let now = 1_000;
    const keeper = new PoolKeeper(() => now);
    expect(keeper.recent()).toBeUndefined();
    const ready = Promise.resolve({ kind: 'ready' as const, applied: [] });
    keeper.remember(ready);
    await ready;
    expect(keeper.recent()).toBe(ready);
    now += POOL_TRUST_MS - 1;
    expect(keeper.recent()).toBe(ready);
    now += 1;
    expect(keeper.recent()).toBeUndefined();

    const waiting = Promise.resolve({ kind: 'waiting' as const });
    keeper.remember(waiting);
    await waiting;
    await Promise.resolve();
    expect(keeper.recent()).toBeUndefined();

    const failed = Promise.reject(new Error('unreachable'));
    failed.catch(() => {});
    keeper.remember(failed);
    await failed.catch(() => {});
    await Promise.resolve();
    expect(keeper.recent()).toBeUndefined();
  });
});
