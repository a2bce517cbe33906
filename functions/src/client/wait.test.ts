import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULE, pollDelay } from './wait.ts';

describe('pollDelay', () => {
  it('starts at 1 s and backs off to 5 s, by time alone (never by the number of agents)', () => {
    expect(Array.from({ length: 7 }, (_, poll) => pollDelay(poll))).toEqual([
      1000, 1500, 2250, 3375, 5000, 5000, 5000,
    ]);
    expect(DEFAULT_SCHEDULE.maxMs).toBe(5000);
  });
  it('polls at most 15 times in the first minute of a wait, then 12 a minute', () => {
    let elapsed = 0;
    let polls = 0;
    while (elapsed < 60_000) elapsed += pollDelay(polls++);
    expect(polls).toBe(15);
    expect(60_000 / pollDelay(100)).toBe(12);
  });
});
