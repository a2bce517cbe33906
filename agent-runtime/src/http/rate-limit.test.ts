import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.ts';

describe('RateLimiter', () => {
  it('allows a burst of perMinute, then tells how long to wait', () => {
    let now = 0;
    const limiter = new RateLimiter(6, () => now);
    for (let i = 0; i < 6; i++) expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(10);
    now += 10_000;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(10);
    expect(limiter.take('b')).toBe(0);
  });

  it('never allows more than perMinute plus the refill over any window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 300 }),
        (perMinute, gaps) => {
          let now = 0;
          const limiter = new RateLimiter(perMinute, () => now);
          let allowed = 0;
          for (const gap of gaps) {
            now += gap;
            if (limiter.take('client') === 0) allowed++;
          }
          const refill = Math.floor((now * perMinute) / 60_000);
          expect(allowed).toBeLessThanOrEqual(perMinute + refill);
        },
      ),
    );
  });

  it('keeps its table bounded under a flood of clients', () => {
    let now = 0;
    const limiter = new RateLimiter(10, () => now, 100);
    for (let i = 0; i < 1_000; i++) {
      now += 1;
      limiter.take(`addr:${i}`);
    }
    expect(limiter.size).toBeLessThanOrEqual(100);
  });
});
