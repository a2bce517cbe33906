import { describe, expect, it } from 'vitest';
import { Busy, FairScheduler, type Release } from './fair-scheduler.ts';

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('the fair scheduler', () => {
  it('grants an agent its share, queues a bounded number more, and refuses the rest with Busy', async () => {
    const scheduler = new FairScheduler({ perAgent: 2, queuePerAgent: 1, total: 10 });
    const first = await scheduler.acquire('flood');
    await scheduler.acquire('flood');
    let third: Release | undefined;
    void scheduler.acquire('flood').then((release) => {
      third = release;
    });
    await expect(scheduler.acquire('flood')).rejects.toBeInstanceOf(Busy);
    expect(scheduler.refused).toBe(1);
    // Another agent is not held back by the flood at all.
    const quiet = await scheduler.acquire('quiet');
    expect(scheduler.active).toBe(3);
    await settled();
    expect(third).toBeUndefined();
    first();
    first(); // releasing twice frees one slot, not two
    await settled();
    expect(third).toBeTypeOf('function');
    expect(scheduler.runningFor('flood')).toBe(2);
    quiet();
    expect(scheduler.active).toBe(2);
  });

  it('hands freed slots round robin across agents with work waiting', async () => {
    const scheduler = new FairScheduler({ perAgent: 5, queuePerAgent: 5, total: 1 });
    const order: string[] = [];
    const holder = await scheduler.acquire('a');
    const waits = [
      ...['a', 'a', 'a'].map((agent) => scheduler.acquire(agent).then((r) => [agent, r] as const)),
      ...['b', 'b', 'b'].map((agent) => scheduler.acquire(agent).then((r) => [agent, r] as const)),
    ];
    let release = holder;
    for (let i = 0; i < waits.length; i++) {
      release();
      const [agent, next] = await Promise.race(
        waits.map((wait, index) => wait.then((granted) => ({ granted, index }))),
      ).then(({ granted, index }) => {
        waits[index] = new Promise(() => {}); // taken
        return granted;
      });
      order.push(agent);
      release = next;
    }
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('drops a waiter whose client went away, and refuses one that waited too long', async () => {
    const scheduler = new FairScheduler({ perAgent: 1, queuePerAgent: 5, total: 10, maxWaitMs: 50 });
    const holder = await scheduler.acquire('a');
    const gone = new AbortController();
    const abandoned = scheduler.acquire('a', gone.signal);
    gone.abort(new Error('client closed'));
    await expect(abandoned).rejects.toThrow('client closed');
    expect(scheduler.queued).toBe(0);
    const started = Date.now();
    await expect(scheduler.acquire('a')).rejects.toThrow(/waited 50 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    holder();
    expect(scheduler.active).toBe(0);
  });
});
