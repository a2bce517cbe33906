import { describe, expect, it } from 'vitest';
import { differs, planApply } from './drift.ts';

describe('what an apply would change', () => {
  it('ignores fields the server adds, and sees every field we set', () => {
    const rendered = { metadata: { name: 'a', labels: { x: '1' } }, spec: { ports: [{ port: 80 }] } };
    const live = {
      metadata: { name: 'a', labels: { x: '1', other: 'y' }, uid: 'u', resourceVersion: '7' },
      spec: { ports: [{ port: 80, protocol: 'TCP' }], clusterIP: '10.0.0.1' },
      status: {},
    };
    expect(differs(rendered, live)).toBe(false);
    expect(differs(rendered, { ...live, metadata: { ...live.metadata, labels: { x: '2' } } })).toBe(true);
    expect(differs(rendered, { ...live, spec: { ports: [] } })).toBe(true);
    expect(differs(rendered, undefined)).toBe(true);
  });

  it('compares resource amounts by value, as the API server writes them back canonical', () => {
    const rendered = { resources: { requests: { cpu: '1000m', memory: '1024Mi' }, limits: { cpu: '0.5' } } };
    const live = { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '500m' } } };
    expect(differs(rendered, live)).toBe(false);
    expect(differs(rendered, { resources: { ...live.resources, limits: { cpu: '600m' } } })).toBe(true);
    // Only under requests and limits: elsewhere "1" and "1000m" are different strings.
    expect(differs({ name: '1000m' }, { name: '1' })).toBe(true);
  });

  it('plans the missing and drifted objects, and the live ones no longer rendered', () => {
    const object = (kind: string, name: string, data = 'v') => ({
      kind,
      metadata: { name },
      data: { k: data },
    });
    const plan = planApply(
      [object('ConfigMap', 'a'), object('Service', 'a'), object('Deployment', 'a')],
      [object('ConfigMap', 'a'), object('Service', 'a', 'edited'), object('HorizontalPodAutoscaler', 'a')],
    );
    expect(plan.changed.map((o) => o.kind)).toEqual(['Service', 'Deployment']);
    expect(plan.leftovers.map((o) => o.kind)).toEqual(['HorizontalPodAutoscaler']);
  });
});
