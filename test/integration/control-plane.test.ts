/**
 * The control plane against the real test environment: deploy, status, roll, revisions,
 * rollback, delete, concurrency. No fakes: kube-apiserver with kwok nodes, MinIO.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { KubeCluster } from '../../functions/src/cluster/kube-cluster.ts';
import { AGENT_KINDS } from '../../functions/src/core/agent-objects/types.ts';
import { testEnv } from '../env/inject.ts';
import { adminCluster, harness, waitFor } from '../support/control-plane-harness.ts';

const example = (file: string) =>
  JSON.parse(readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8'));

async function waitRunning(call: ReturnType<typeof harness>['call'], names: string[]) {
  return waitFor(`${names.join(', ')} to be Running`, async () => {
    const { json } = await call('GET', '/deployments');
    const phases = names.map(
      (name) => json.deployments.find((d: { name: string }) => d.name === name)?.phase,
    );
    return phases.every((phase) => phase === 'Running') && json;
  });
}

describe('deploying examples/deploy_multiple_agents.json', () => {
  const { call } = harness();
  const batch = example('deploy_multiple_agents.json');
  const names: string[] = batch.agents.map((agent: { name: string }) => agent.name);

  it('creates every agent and all of them reach Running on kwok nodes', async () => {
    const { status, json } = await call('POST', '/deploy', batch);
    expect(status).toBe(201);
    expect(json.failed).toEqual([]);
    expect(json.results.map((r: { name: string; outcome: string }) => [r.name, r.outcome])).toEqual(
      names.map((n) => [n, 'created']),
    );
    const listed = await waitRunning(call, names);
    const support = listed.deployments.find((d: { name: string }) => d.name === 'support-bot');
    expect(support.replicas.ready).toBeGreaterThanOrEqual(2);
    expect(support.autoscaling).toMatchObject({ min: 2, max: 8 });
    expect(support.url).toBe('https://agents.test.local/support-bot/');
    const detail = await call('GET', '/deployments/code-reviewer');
    expect(detail.json.pods).toHaveLength(2);
    expect(
      detail.json.pods.every(
        (pod: { ready: boolean; node: string }) => pod.ready && pod.node.startsWith('kwok'),
      ),
    ).toBe(true);
  });

  it('lists them with one list call per kind, not a call per agent', async () => {
    const list = vi.spyOn(KubeCluster.prototype as unknown as { list: () => Promise<unknown> }, 'list');
    const { status, json } = await call('GET', '/deployments');
    expect(status).toBe(200);
    expect(json.deployments.length).toBeGreaterThanOrEqual(names.length);
    // Eight kinds an agent may own, plus Pods: nine calls for any number of agents.
    expect(list).toHaveBeenCalledTimes(AGENT_KINDS.length + 1);
    list.mockRestore();
  });

  it('observes the cluster once per deployed agent: one list call per kind, not two', async () => {
    const list = vi.spyOn(KubeCluster.prototype as unknown as { list: () => Promise<unknown> }, 'list');
    const { status, json } = await call('POST', '/deploy', { name: 'observed-once' });
    expect(status).toBe(201);
    // The answer's status is derived from the apply's own answer plus that one observation.
    expect(json.deployment).toMatchObject({ name: 'observed-once', generation: 1 });
    expect(json.deployment.phase).not.toBe('Pending');
    expect(list).toHaveBeenCalledTimes(AGENT_KINDS.length + 1);
    list.mockRestore();
    expect((await call('DELETE', '/deployments/observed-once')).status).toBe(200);
  });

  it('looks at the cluster once for a whole batch: one list call per kind, for any number of agents', async () => {
    const list = vi.spyOn(KubeCluster.prototype as unknown as { list: () => Promise<unknown> }, 'list');
    const agents = ['batch-a', 'batch-b', 'batch-c', 'batch-d', 'batch-e'].map((name) => ({ name }));
    const { status, json } = await call('POST', '/deploy', { agents });
    expect(status).toBe(201);
    expect(json.failed).toEqual([]);
    expect(list).toHaveBeenCalledTimes(AGENT_KINDS.length + 1);
    list.mockRestore();
    for (const { name } of agents) expect((await call('DELETE', `/deployments/${name}`)).status).toBe(200);
  });

  it('deploying the same batch again changes nothing', async () => {
    const { status, json } = await call('POST', '/deploy', batch);
    expect(status).toBe(200);
    expect(json.results.map((r: { outcome: string }) => r.outcome)).toEqual(names.map(() => 'unchanged'));
    expect(json.results.every((r: { generation: number }) => r.generation === 1)).toBe(true);
  });

  it('deletes each agent and leaves no object with its labels', async () => {
    for (const name of names) {
      const { status, json } = await call('DELETE', `/deployments/${name}`);
      expect(status).toBe(200);
      expect(json.deleted).toEqual(
        expect.arrayContaining([`Deployment/${name}`, `Service/${name}`, `ConfigMap/${name}-config`]),
      );
    }
    const cluster = adminCluster();
    for (const name of names) {
      const observed = await waitFor(`pods of ${name} to go`, async () => {
        const seen = await cluster.observe({ agent: name });
        return seen.pods.length === 0 && seen;
      });
      expect(observed.objects).toEqual([]);
      expect((await call('GET', `/deployments/${name}`)).status).toBe(404);
    }
  });
});

describe('changing a config', () => {
  const { call } = harness();
  const config = { ...example('single_agent.json'), name: 'roller' };

  it('rolls the pods, increments the generation and keeps the previous revision; rollback restores it', async () => {
    expect((await call('POST', '/deploy', config)).status).toBe(201);
    const first = await waitFor('roller Running', async () => {
      const { json } = await call('GET', '/deployments/roller');
      return json.phase === 'Running' && json;
    });
    const firstPods = first.pods.map((pod: { name: string }) => pod.name);

    const changed = await call('POST', '/deploy', { ...config, instruction: 'Answer in French.' });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ outcome: 'updated', generation: 2 });
    const second = await waitFor('roller rolled to generation 2', async () => {
      const { json } = await call('GET', '/deployments/roller');
      const names = json.pods.map((pod: { name: string }) => pod.name);
      return (
        json.phase === 'Running' &&
        json.appliedGeneration === 2 &&
        names.every((n: string) => !firstPods.includes(n)) &&
        json
      );
    });
    expect(second.generation).toBe(2);

    const revisions = await call('GET', '/deployments/roller/revisions');
    expect(revisions.json.current).toBe(2);
    expect(
      revisions.json.revisions.map((r: { generation: number; current: boolean }) => [
        r.generation,
        r.current,
      ]),
    ).toEqual([
      [1, false],
      [2, true],
    ]);

    const rolledBack = await call('POST', '/deployments/roller/rollback', {});
    expect(rolledBack.status).toBe(200);
    expect(rolledBack.json).toMatchObject({ outcome: 'updated', generation: 3 });
    const afterRollback = await call('GET', '/deployments/roller/revisions');
    expect(afterRollback.json.revisions.at(-1)).toMatchObject({
      generation: 3,
      cause: { kind: 'rollback', toGeneration: 1 },
    });
    expect(afterRollback.json.revisions[0].specHash).toBe(afterRollback.json.revisions.at(-1).specHash);

    expect((await call('POST', '/deployments/roller/rollback', { generation: 9 })).status).toBe(404);
    expect((await call('DELETE', '/deployments/roller')).status).toBe(200);
    expect((await call('GET', '/deployments/roller/revisions')).status).toBe(404);
  });

  it('switching autoscale off removes the HPA and PDB it no longer renders', async () => {
    const scaled = { name: 'scaler', scaling: { autoscale: true, min_replicas: 2, max_replicas: 4 } };
    expect((await call('POST', '/deploy', scaled)).status).toBe(201);
    const cluster = adminCluster();
    expect((await cluster.observe({ agent: 'scaler' })).objects.map((o) => o.kind)).toEqual(
      expect.arrayContaining(['HorizontalPodAutoscaler', 'PodDisruptionBudget']),
    );
    expect((await call('POST', '/deploy', { name: 'scaler', scaling: { replicas: 1 } })).status).toBe(200);
    const kinds = (await cluster.observe({ agent: 'scaler' })).objects.map((o) => o.kind);
    expect(kinds).not.toContain('HorizontalPodAutoscaler');
    expect(kinds).not.toContain('PodDisruptionBudget');
    expect((await call('DELETE', '/deployments/scaler')).status).toBe(200);
  });
});

describe('concurrent deploys of one name', () => {
  const { call, providers } = harness();

  it('never lose a write: one creates, each other one either updates or gets 409, and the store tells the same story', async () => {
    const variants = Array.from({ length: 6 }, (_, i) => ({ name: 'racer', instruction: `Variant ${i}` }));
    const results = await Promise.all(variants.map((variant) => call('POST', '/deploy', variant)));
    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.every((status) => [200, 201, 409].includes(status))).toBe(true);
    for (const loser of results.filter((result) => result.status === 409)) {
      expect(loser.headers.get('content-type')).toContain('application/problem+json');
      expect(loser.json.title).toBe('Concurrent modification');
    }
    const updates = statuses.filter((status) => status === 200).length;
    const store = await providers.store();
    const stored = await store.read('racer');
    expect(stored?.value.generation).toBe(1 + updates);
    // The stored spec is the one whose answer carried the final generation.
    const last = results.findIndex(
      (result) => result.status !== 409 && result.json.generation === stored?.value.generation,
    );
    expect(stored?.value.spec.instruction).toBe(variants[last]?.instruction);
    // Every earlier generation is kept as a revision, each once.
    expect(
      (await store.listRevisions('racer', stored?.value.incarnation)).map((revision) => revision.generation),
    ).toEqual(Array.from({ length: updates }, (_, i) => i + 1));
    expect((await call('DELETE', '/deployments/racer')).status).toBe(200);
  });
});

describe('status of failing pods', () => {
  it('reports Degraded with the pod reason when the image cannot be pulled', async () => {
    const { call } = harness({
      FLEETPLANE_RUNTIME_IMAGE: `${testEnv().registry}/fleetplane/agent-runtime:fail-pull`,
    });
    expect((await call('POST', '/deploy', { name: 'unpullable' })).status).toBe(201);
    const status = await waitFor('Degraded', async () => {
      const { json } = await call('GET', '/deployments/unpullable');
      return json.phase === 'Degraded' && json;
    });
    expect(status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Degraded', status: 'True', reason: 'ImagePullBackOff' }),
    );
    expect(status.pods[0].reason).toBe('ImagePullBackOff');
    expect((await call('DELETE', '/deployments/unpullable')).status).toBe(200);
  });
});
