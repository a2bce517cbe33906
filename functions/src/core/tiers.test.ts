/**
 * The pooled tier in the core: what a pooled config may not have (422 naming the field and
 * saying to use dedicated), its one object, the pool's objects, its status from the pool's
 * reports, and what a move between tiers holds back.
 */
import type { KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { reportAnnotations, splitReport } from '#agent-runtime/pool-contract';
import { renderAgent } from './agent-objects/render.ts';
import type { AgentRecord } from './agent-record.ts';
import { type AgentSpec, runtimeConfigOf, validateAgentConfig } from './agent-spec.ts';
import { hashOf } from './hash.ts';
import { emptyObserved, type Observed, refOf } from './observed.ts';
import { DEFAULT_PLATFORM } from './platform.ts';
import { renderPool } from './pool-objects/render.ts';
import { type PoolObserved, reportsByPod } from './pool-observed.ts';
import { deriveStatus } from './status.ts';
import { planSwitch } from './tier-switch.ts';

function specOf(config: Record<string, unknown>): AgentSpec {
  const result = validateAgentConfig(config);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.spec;
}

const record = (spec: AgentSpec, generation = 1): AgentRecord => ({
  apiVersion: 'fleetplane.io/v1',
  name: spec.name,
  generation,
  specHash: hashOf(spec),
  spec,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
  cause: { kind: 'deploy' },
});

const render = (spec: AgentSpec, generation = 1) =>
  renderAgent({
    spec,
    image: 'img:1',
    platform: DEFAULT_PLATFORM,
    generation,
    specHash: hashOf(spec),
    fleet: 'f1',
  });

/** The objects as the cluster would list them: each with a resourceVersion. */
function observedOf(objects: KubernetesObject[], version = '100'): Observed {
  const observed = emptyObserved();
  for (const object of objects) {
    const live = { ...object, metadata: { ...object.metadata, resourceVersion: version } };
    observed.live.push(live);
    observed.objects.push(refOf(live));
    if (object.kind === 'Deployment') observed.deployments.push(live as V1Deployment);
  }
  return observed;
}

const readyPod = (name: string, uid = `uid-${name}`): V1Pod => ({
  metadata: { name, uid, labels: { 'fleetplane.io/pool': 'fleetplane-pool' } },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});

/** A pool whose pods report `served` (agent -> [generation, version]) through real Lease shards. */
function pool(
  pods: Record<string, Record<string, [number, string]>>,
  failed: Record<string, [number, string, string]> = {},
): PoolObserved {
  const podObjects = Object.keys(pods).map((name) => readyPod(name));
  const leases = Object.entries(pods).flatMap(([pod, served]) =>
    splitReport(
      {
        serving: Object.fromEntries(
          Object.entries(served).map(([n, [generation, version]]) => [n, { generation, version }]),
        ),
        failed: Object.fromEntries(
          Object.entries(failed).map(([n, [generation, version, error]]) => [
            n,
            { generation, version, error },
          ]),
        ),
      },
      4,
    ).map((part, shard) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: `${pod}.report-0${shard}`,
        labels: { 'fleetplane.io/pool-pod': pod },
        annotations: reportAnnotations(part),
        ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: pod, uid: `uid-${pod}` }],
      },
      spec: { holderIdentity: pod },
    })),
  );
  return {
    live: [],
    deployments: [{ metadata: { name: 'fleetplane-pool' }, status: { replicas: podObjects.length } }],
    pods: podObjects,
    reports: reportsByPod(leases as never, podObjects),
  };
}

describe('a pooled config', () => {
  it('is refused, field by field, when it asks for what only its own pods could give', () => {
    const result = validateAgentConfig({
      name: 'shared',
      tier: 'pooled',
      resources: { cpu: '1' },
      scaling: { replicas: 2 },
      env: [{ name: 'A', value: 'b' }],
      provider: { baseUrl: 'https://llm.example/v1', apiKey: { name: 'shared.llm', key: 'k' } },
      tools: [{ type: 'agent', name: 'research', agent: 'research-helper' }],
      toolLimits: { maxSteps: 2 },
      auth: { apiKeyHashes: { name: 'shared.keys', key: 'hashes' } },
    });
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors.map((e) => [e.path, e.rule])).toEqual([
      ['resources', 'tier'],
      ['scaling', 'tier'],
      ['env', 'tier'],
      ['provider', 'tier'],
      ['tools', 'tier'],
      ['toolLimits', 'tier'],
      ['auth.apiKeyHashes', 'tier'],
    ]);
    expect(errors[0]?.message).toBe(
      'must not be set for a pooled agent: pooled agents run in the pool\'s pods, with the pool\'s resources; remove it, or set "tier": "dedicated" (got {"cpu":"1"})',
    );
    expect(errors[4]?.message).toMatch(/a tool is egress.*set "tier": "dedicated"/);
    expect(errors[6]?.message).toMatch(
      /give the keys' SHA-256 hashes in auth.apiKeySha256, or set "tier": "dedicated"/,
    );
  });

  it('accepts the rest, and keeps a dedicated spec (and its hash) as it was before tiers', () => {
    const hash = 'a'.repeat(64);
    const pooled = specOf({
      name: 'shared',
      tier: 'POOLED',
      auth: { apiKeySha256: [hash] },
      customEndpoints: ['summarize'],
    });
    expect(pooled.tier).toBe('pooled');
    expect(runtimeConfigOf(pooled)).toMatchObject({ requireApiKey: true, apiKeyHashes: [hash] });
    expect(specOf({ name: 'solo', tier: 'dedicated' })).toEqual(specOf({ name: 'solo' }));
    expect(specOf({ name: 'solo' })).not.toHaveProperty('tier');
    const bad = validateAgentConfig({ name: 'x', tier: 'shared' });
    expect(bad.ok ? [] : bad.errors).toEqual([
      { path: 'tier', rule: 'enum', message: 'must be one of dedicated, pooled (got "shared")' },
    ]);
    const both = validateAgentConfig({
      name: 'x',
      auth: { apiKeySha256: [hash], apiKeyHashes: { name: 'x.keys', key: 'h' } },
    });
    expect(both.ok ? [] : both.errors.map((e) => e.message)).toEqual([
      'must set exactly one of apiKeyHashes (a Secret) or apiKeySha256 (the hashes)',
    ]);
  });

  it('renders one object: its ConfigMap, labelled pooled, under a name of its own', () => {
    const objects = render(specOf({ name: 'shared', tier: 'pooled' }), 3);
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(['ConfigMap/shared-pooled']);
    expect(objects[0]?.metadata?.labels).toMatchObject({
      'fleetplane.io/tier': 'pooled',
      'fleetplane.io/agent': 'shared',
      'fleetplane.io/fleet': 'f1',
      'app.kubernetes.io/managed-by': 'fleetplane',
    });
    expect(objects[0]?.metadata?.annotations?.['fleetplane.io/generation']).toBe('3');
    const config = JSON.parse((objects[0] as { data: Record<string, string> }).data['agent.json'] as string);
    expect(config).toMatchObject({ name: 'shared', basePath: '/shared' });
  });
});

describe("the pool's objects", () => {
  it('run the second entry of the agent image with its own ServiceAccount, the platform key only, and a catch-all route', () => {
    const objects = renderPool({ platform: DEFAULT_PLATFORM, image: 'registry/agent-runtime:abc' });
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'Deployment/fleetplane-pool',
      'Service/fleetplane-pool',
      'Ingress/fleetplane-pool',
      'HorizontalPodAutoscaler/fleetplane-pool',
      'PodDisruptionBudget/fleetplane-pool',
      'NetworkPolicy/fleetplane-pool',
    ]);
    for (const object of objects) expect(object.metadata?.labels).not.toHaveProperty('fleetplane.io/agent');
    expect(objects).toMatchSnapshot();
  });
});

describe("a pooled agent's status", () => {
  const spec = specOf({ name: 'shared', tier: 'pooled' });
  const applied = observedOf(render(spec, 2), '200');
  const status = (p: PoolObserved | undefined, observed = applied, generation = 2) =>
    deriveStatus({
      name: 'shared',
      record: record(spec, generation),
      observed,
      url: 'https://x/shared/',
      ...(p ? { pool: p } : {}),
    });

  it('is Running only when every ready pool pod serves this generation of this very ConfigMap', () => {
    const running = status(pool({ a: { shared: [2, '200'] }, b: { shared: [2, '200'] } }));
    expect(running).toMatchObject({ tier: 'pooled', phase: 'Running', replicas: { ready: 2, updated: 2 } });
    expect(running.pods?.map((p) => [p.name, p.servedGeneration])).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
    expect(status(pool({ a: { shared: [2, '200'] }, b: { shared: [1, '150'] } })).phase).toBe('Deploying');
    expect(status(pool({ a: { shared: [2, '200'] }, b: {} })).phase).toBe('Deploying');
    // The same generation from an older object (a name deleted and made again) is not current.
    expect(status(pool({ a: { shared: [2, '199'] } })).phase).toBe('Deploying');
    expect(status(pool({})).conditions.find((c) => c.type === 'Served')?.reason).toBe('NoReadyPoolPod');
    expect(status(undefined).phase).toBe('Pending');
  });

  it('is Failed with the reason when a ready pool pod cannot load its config', () => {
    const failed = status(
      pool({ a: {} }, { shared: [2, '200', 'the config is invalid: temperature: must be at most 2'] }),
    );
    expect(failed.phase).toBe('Failed');
    expect(failed.conditions.find((c) => c.type === 'Served')).toMatchObject({
      reason: 'ConfigLoadFailed',
      message: 'pool pod a: the config is invalid: temperature: must be at most 2',
    });
    expect(failed.pods?.[0]?.loadError).toMatch(/temperature/);
  });

  it('is Deploying while its dedicated objects from before the move remain', () => {
    const moving = observedOf([...render(specOf({ name: 'shared' })), ...render(spec, 2)], '200');
    const seen = status(pool({ a: { shared: [2, '200'] } }), moving);
    expect(seen.phase).toBe('Deploying');
    expect(seen.conditions.find((c) => c.reason === 'LeavingDedicated')?.message).toMatch(
      /Deployment\/shared/,
    );
  });
});

describe('a move between tiers', () => {
  const dedicated = specOf({ name: 'mover' });
  const pooled = specOf({ name: 'mover', tier: 'pooled' });
  const names = (objects: KubernetesObject[]) => objects.map((o) => `${o.kind}/${o.metadata?.name}`);

  it('to the pool: the ConfigMap at once, the dedicated objects only once every ready pool pod serves it', () => {
    const before = observedOf(render(dedicated, 1), '10');
    const rendered = render(pooled, 2);
    const first = planSwitch({
      name: 'mover',
      tier: 'pooled',
      generation: 2,
      changed: rendered,
      leftovers: before.live,
      observed: before,
      pool: pool({ a: {} }),
    });
    expect(names(first.apply)).toEqual(['ConfigMap/mover-pooled']);
    expect(first.prune).toEqual([]);
    expect(first.waiting).toMatch(/until every ready pool pod serves generation 2/);

    const both = observedOf([...render(dedicated, 1), ...rendered], '11');
    const plan = (p: PoolObserved) =>
      planSwitch({
        name: 'mover',
        tier: 'pooled',
        generation: 2,
        changed: [],
        leftovers: before.live,
        observed: both,
        pool: p,
      });
    expect(plan(pool({ a: { mover: [2, '11'] }, b: {} })).prune).toEqual([]);
    expect(names(plan(pool({ a: { mover: [2, '11'] }, b: { mover: [2, '11'] } })).prune)).toEqual(
      names(before.live),
    );
  });

  it('to dedicated: everything but the route at once, the route once the pods run it, the pooled ConfigMap after', () => {
    const inPool = observedOf(render(pooled, 1), '20');
    const rendered = render(dedicated, 2);
    const first = planSwitch({
      name: 'mover',
      tier: 'dedicated',
      generation: 2,
      changed: rendered,
      leftovers: inPool.live,
      observed: inPool,
    });
    expect(names(first.apply)).toEqual([
      'ConfigMap/mover-config',
      'Deployment/mover',
      'Service/mover',
      'NetworkPolicy/mover',
    ]);
    expect(first.prune).toEqual([]);

    const rolledOut = (objects: KubernetesObject[]) => {
      const observed = observedOf(objects, '21');
      for (const d of observed.deployments)
        d.status = { observedGeneration: 1, replicas: 1, readyReplicas: 1, updatedReplicas: 1 };
      for (const d of observed.deployments) d.metadata = { ...d.metadata, generation: 1 };
      return observed;
    };
    const withoutRoute = rendered.filter((o) => o.kind !== 'Ingress');
    const running = rolledOut([...withoutRoute, ...render(pooled, 1)]);
    const second = planSwitch({
      name: 'mover',
      tier: 'dedicated',
      generation: 2,
      changed: rendered.filter((o) => o.kind === 'Ingress'),
      leftovers: inPool.live,
      observed: running,
    });
    expect(names(second.apply)).toEqual(['Ingress/mover']);
    expect(second.prune).toEqual([]);

    const routed = rolledOut([...rendered, ...render(pooled, 1)]);
    const third = planSwitch({
      name: 'mover',
      tier: 'dedicated',
      generation: 2,
      changed: [],
      leftovers: inPool.live,
      observed: routed,
    });
    expect(names(third.prune)).toEqual(['ConfigMap/mover-pooled']);
    expect(third.waiting).toBeUndefined();
  });
});
