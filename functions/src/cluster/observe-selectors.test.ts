import { describe, expect, it } from 'vitest';
import { MAX_SELECTOR_QUERY, observeSelectors } from './observe-selectors.ts';

const names = (count: number, length: number) =>
  Array.from({ length: count }, (_, i) => `a${String(i).padStart(length - 1, '0')}`);
const namesIn = (selector: string) => /in \(([^)]*)\)/.exec(selector)?.[1]?.split(',') ?? [];
const queryLength = (selector: string) => new URLSearchParams({ labelSelector: selector }).toString().length;

describe('observeSelectors', () => {
  it('selects one agent, a fleet, or everything managed with one selector', () => {
    expect(observeSelectors({ agent: 'web', fleet: 'f1' })).toEqual([
      'app.kubernetes.io/managed-by=fleetplane,fleetplane.io/agent=web,fleetplane.io/fleet=f1',
    ]);
    expect(observeSelectors({})).toEqual(['app.kubernetes.io/managed-by=fleetplane,fleetplane.io/agent']);
  });

  it('selects a set of agents within a fleet by one set-based selector', () => {
    expect(observeSelectors({ fleet: 'f1', agents: ['a', 'b', 'a'] })).toEqual([
      'app.kubernetes.io/managed-by=fleetplane,fleetplane.io/agent,fleetplane.io/agent in (a,b),fleetplane.io/fleet=f1',
    ]);
  });

  it('selects nothing for an empty set of agents (not everything)', () => {
    expect(observeSelectors({ fleet: 'f1', agents: [] })).toEqual([]);
  });

  it('keeps a page of 100 of the longest names in one list call', () => {
    const selectors = observeSelectors({ fleet: 'f'.repeat(16), agents: names(100, 40) });
    expect(selectors).toHaveLength(1);
    expect(queryLength(selectors[0] as string)).toBeLessThanOrEqual(MAX_SELECTOR_QUERY);
  });

  it('splits a larger set so that each query stays within the limit, every name in exactly one', () => {
    const wanted = names(500, 40);
    const selectors = observeSelectors({ fleet: 'f'.repeat(16), agents: wanted });
    expect(selectors.length).toBeGreaterThan(1);
    for (const selector of selectors) expect(queryLength(selector)).toBeLessThanOrEqual(MAX_SELECTOR_QUERY);
    expect(selectors.flatMap(namesIn)).toEqual(wanted);
    // As few as the limit allows: two chunks would not hold what one more was needed for.
    const tight = observeSelectors({ agents: wanted }, 1000);
    for (const [i, selector] of tight.slice(0, -1).entries()) {
      const next = namesIn(tight[i + 1] as string)[0] as string;
      expect(queryLength(selector.replace(/\)$/, `,${next})`))).toBeGreaterThan(1000);
      expect(queryLength(selector)).toBeLessThanOrEqual(1000);
    }
  });
});
