import { describe, expect, it } from 'vitest';
import { decideUnexplained, type SweepGuard } from './sweep-guard.ts';

const HOUR = 3_600_000;
const options = { maxShare: 0.1, windowMs: 24 * HOUR };
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Runs sweeps in turn over the same guard, as the store would keep it, returning each decision. */
function sweeps(runs: { unexplained: string[]; at: number; fleetSize?: number }[]) {
  let guard: SweepGuard | undefined;
  return runs.map(({ unexplained, at, fleetSize = 20 }) => {
    const decision = decideUnexplained({ unexplained, fleetSize, guard, now: at, options });
    if (decision.next) guard = decision.next;
    return decision;
  });
}

describe('the sweep guard', () => {
  it('deletes a name only when two consecutive sweeps found it unexplained', () => {
    const [first, second] = sweeps([
      { unexplained: ['lost'], at: T0 },
      { unexplained: ['lost'], at: T0 + 60_000 },
    ]);
    expect(first).toMatchObject({ deletable: [], pending: ['lost'] });
    expect(second).toMatchObject({ deletable: ['lost'], pending: [] });
  });

  it('forgets a name that one sweep in between did not find unexplained', () => {
    const runs = sweeps([
      { unexplained: ['flaky'], at: T0 },
      { unexplained: [], at: T0 + 60_000 },
      { unexplained: ['flaky'], at: T0 + 120_000 },
    ]);
    expect(runs.map((run) => run.deletable)).toEqual([[], [], []]);
    expect(runs[2]?.pending).toEqual(['flaky']);
  });

  it('counts deletions across runs: a store that loses one config a minute is stopped at the budget', () => {
    // Fleet of 20, share 0.1: 2 deletions without a tombstone a day.
    const runs = sweeps([
      { unexplained: ['a'], at: T0 },
      { unexplained: ['a'], at: T0 + 60_000 },
      { unexplained: ['b'], at: T0 + 120_000 },
      { unexplained: ['b'], at: T0 + 180_000 },
      { unexplained: ['c'], at: T0 + 240_000 },
      { unexplained: ['c'], at: T0 + 300_000 },
    ]);
    expect(runs.map((run) => run.deletable)).toEqual([[], ['a'], [], ['b'], [], []]);
    expect(runs[4]?.refused?.agents).toEqual(['c']);
    expect(runs[4]?.refused?.reason).toMatch(/after 2 such deletions in the last 24 h, would exceed 2/);
    expect(runs[5]?.refused?.agents).toEqual(['c']);
  });

  it('gives the budget back once the window has passed', () => {
    const runs = sweeps([
      { unexplained: ['a', 'b'], at: T0 },
      { unexplained: ['a', 'b'], at: T0 + 60_000 },
      { unexplained: ['c'], at: T0 + 2 * 60_000 },
      { unexplained: ['c'], at: T0 + 3 * 60_000 },
      // The refused sweeps saw `c` too: the first one past the window deletes it.
      { unexplained: ['c'], at: T0 + 25 * HOUR },
    ]);
    expect(runs.map((run) => run.deletable)).toEqual([[], ['a', 'b'], [], [], ['c']]);
    expect(runs[2]?.refused?.agents).toEqual(['c']);
    expect(runs[3]?.refused?.agents).toEqual(['c']);
  });

  it('refuses all of them at once when they are more than the budget, as a store emptied by mistake', () => {
    const names = Array.from({ length: 20 }, (_, index) => `agent-${index}`);
    const [decision] = sweeps([{ unexplained: names, at: T0 }]);
    expect(decision?.deletable).toEqual([]);
    expect(decision?.refused?.agents).toHaveLength(20);
    expect(decision?.refused?.reason).toMatch(
      /^20 of 20 agents have objects .* would exceed 2 .*: refused, none of them is deleted/,
    );
  });

  it('deletes nothing unexplained in a fleet too small for its share', () => {
    const runs = sweeps([
      { unexplained: ['x'], at: T0, fleetSize: 9 },
      { unexplained: ['x'], at: T0 + 60_000, fleetSize: 9 },
    ]);
    expect(runs.map((run) => [run.deletable, run.refused?.agents])).toEqual([
      [[], ['x']],
      [[], ['x']],
    ]);
  });

  it('asks for no write when nothing changed, so an idle sweep writes nothing', () => {
    expect(
      decideUnexplained({ unexplained: [], fleetSize: 20, guard: undefined, now: T0, options }).next,
    ).toBeUndefined();
    const [, second, third] = sweeps([
      { unexplained: ['p'], at: T0, fleetSize: 5 },
      { unexplained: ['p'], at: T0 + 60_000, fleetSize: 5 },
      { unexplained: ['p'], at: T0 + 120_000, fleetSize: 5 },
    ]);
    expect([second?.next, third?.next]).toEqual([undefined, undefined]);
  });
});
