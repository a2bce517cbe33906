import { describe, expect, it } from 'vitest';
import { emptyObserved, mergeObserved, type ObjectRef, type Observed } from './observed.ts';

const ref = (agent: string, name: string): ObjectRef => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace: 'agents',
  name,
  agent,
});
const observing = (refs: ObjectRef[]): Observed => ({ ...emptyObserved(), objects: refs });

describe('mergeObserved', () => {
  it('is empty for no observation', () => {
    expect(mergeObserved([])).toEqual(emptyObserved());
  });

  it('joins the observations of several selectors, in order, for every kind of object', () => {
    const first = { ...observing([ref('a', 'a-config')]), pods: [{ metadata: { name: 'a-1' } }] };
    const second = { ...observing([ref('b', 'b-config')]), pods: [{ metadata: { name: 'b-1' } }] };
    const merged = mergeObserved([first, second]);
    expect(merged.objects.map((object) => object.name)).toEqual(['a-config', 'b-config']);
    expect(merged.pods.map((pod) => pod.metadata?.name)).toEqual(['a-1', 'b-1']);
  });

  it('joins observations far larger than a call stack holds as arguments', () => {
    const many = Array.from({ length: 300_000 }, (_, i) => ref(`a${i}`, `a${i}-config`));
    expect(mergeObserved([observing(many), observing(many)]).objects).toHaveLength(600_000);
  });
});
