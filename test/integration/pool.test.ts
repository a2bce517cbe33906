/**
 * The pooled tier on the test cluster: the control plane creates the pool, 300 pooled agents
 * cost one write each at the API server (counted from its metrics), and their status comes from
 * what the pool reports. kwok's pool pods run nothing, so the real pool entry runs here, out of
 * the cluster, speaking for each pool pod with the pool's own ServiceAccount token: it watches
 * the ConfigMaps, loads them, and writes its report Leases to the real API server.
 */
import { CoreV1Api, KubeConfig, type KubernetesObject, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL_LABEL, POOL_NAME } from '../../agent-runtime/src/pool/contract.ts';
import { FLEET_LABEL } from '../../functions/src/core/agent-objects/labels.ts';
import { removeFleetObjects } from '../bench/lib/cluster-cleanup.ts';
import { testEnv } from '../env/inject.ts';
import { applyManifestFile } from '../support/apply-manifests.ts';
import { harness, waitFor } from '../support/control-plane-harness.ts';
import { countRequests, total } from '../support/control-plane-requests.ts';
import { type FakeLlm, startFakeLlm } from '../support/fake-llm.ts';
import { removeStore } from '../support/fleet-plane.ts';
import { kubectl } from '../support/kubectl.ts';
import {
  type PoolProcess,
  poolKubeconfig,
  readyPoolPods,
  startPoolProcess,
} from '../support/pool-process.ts';

const manifest = (file: string) => new URL(`../../manifests/${file}`, import.meta.url).pathname;
const AGENTS = 300;
const names = Array.from({ length: AGENTS }, (_, i) => `pooled-${String(i).padStart(3, '0')}`);

describe('the pooled tier on the test cluster', () => {
  const t = testEnv();
  const plane = harness();
  const { call } = plane;
  let fake: FakeLlm;
  let pools: PoolProcess[] = [];
  let kubeconfig: Awaited<ReturnType<typeof poolKubeconfig>> | undefined;

  /** Every agent of `wanted` at `phase` in one list walk (limit 500 pages). */
  async function phases(): Promise<Map<string, { phase: string; generation: number }>> {
    const seen = new Map<string, { phase: string; generation: number }>();
    let token: string | undefined;
    do {
      const page = await call('GET', `/deployments?limit=500${token ? `&continue=${token}` : ''}`);
      for (const item of page.json.deployments) seen.set(item.name, item);
      token = page.json.continue;
    } while (token);
    return seen;
  }

  beforeAll(async () => {
    for (const file of ['00-namespaces.yaml', '13-pool-rbac.yaml'])
      await applyManifestFile(t.kubeconfigPath, manifest(file));
    fake = await startFakeLlm({ apiKey: 'sk-test' });
    // The first pooled agent makes the pool (its Deployment has two replicas, as by default).
    const first = await call('POST', '/deploy', { name: 'pool-seed', tier: 'pooled' });
    expect(first.status, JSON.stringify(first.json)).toBe(201);
    expect(first.json.deployment).toMatchObject({ tier: 'pooled', phase: 'Deploying' });
    kubeconfig = await poolKubeconfig(t.kubeconfigPath, t.namespace);
    const kubeconfigPath = kubeconfig.path;
    const pods = await readyPoolPods(t.kubeconfigPath, t.namespace, 2);
    pools = await Promise.all(
      pods.map((pod) =>
        startPoolProcess({ kubeconfigPath, namespace: t.namespace, pod, baseURL: fake.baseURL }),
      ),
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.stop()));
    await kubeconfig?.remove();
    await fake?.close();
    // The control plane never deletes the pool (it is the namespace's); the test cleans up after itself.
    const fleet = await (await plane.providers.store()).fleet();
    const cleanup = { env: t, kubectl: async (args: string[]) => (await kubectl(t, args)).stdout };
    if (fleet) await removeFleetObjects(cleanup, fleet);
    await kubectl(t, [
      'delete',
      'deployments,services,ingresses,horizontalpodautoscalers,poddisruptionbudgets,networkpolicies,leases',
      '-n',
      t.namespace,
      '-l',
      `${POOL_LABEL}=${POOL_NAME}`,
      '--wait=false',
    ]);
    await kubectl(t, [
      'delete',
      'leases',
      '-n',
      t.namespace,
      '-l',
      'fleetplane.io/pool-report',
      '--wait=false',
    ]);
    await removeStore(t, plane.env);
  }, 300_000);

  it('creates the pool with its own ServiceAccount and a catch-all route, and serves the first agent', async () => {
    const { stdout } = await kubectl(t, [
      'get',
      'deployments,services,ingresses,hpa,pdb,networkpolicies',
      '-n',
      t.namespace,
      '-l',
      `${POOL_LABEL}=${POOL_NAME}`,
      '-o',
      'name',
    ]);
    expect(stdout.trim().split('\n').sort()).toEqual(
      [
        'deployment.apps/fleetplane-pool',
        'horizontalpodautoscaler.autoscaling/fleetplane-pool',
        'ingress.networking.k8s.io/fleetplane-pool',
        'networkpolicy.networking.k8s.io/fleetplane-pool',
        'poddisruptionbudget.policy/fleetplane-pool',
        'service/fleetplane-pool',
      ].sort(),
    );
    const ingress = JSON.parse(
      (await kubectl(t, ['get', 'ingress', POOL_NAME, '-n', t.namespace, '-o', 'json'])).stdout,
    );
    expect(ingress.spec.rules[0].http.paths[0]).toMatchObject({ path: '/', pathType: 'Prefix' });
    const seed = await waitFor('pool-seed Running', async () => {
      const answer = await call('GET', '/deployments/pool-seed');
      return answer.json.phase === 'Running' && answer.json;
    });
    // The status shows the tier and the pool's pods, each serving generation 1.
    expect(seed.tier).toBe('pooled');
    expect(seed.pods.map((pod: { name: string }) => pod.name).sort()).toEqual(pools.map((p) => p.pod).sort());
    for (const pod of seed.pods) expect(pod).toMatchObject({ ready: true, servedGeneration: 1 });
    const answer = await fetch(`${pools[0]?.url}/pool-seed/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'hello pool' }),
    });
    expect(await answer.json()).toMatchObject({ text: 'hello pool' });
    expect((await fetch(`${pools[0]?.url}/nobody/generate`, { method: 'POST' })).status).toBe(404);
  });

  it(`deploys ${AGENTS} pooled agents with one write each at the API server, all Running from the pool's report`, async () => {
    const counted = await countRequests(t, async () => {
      const batches: string[][] = [];
      for (let i = 0; i < names.length; i += 50) batches.push(names.slice(i, i + 50));
      const answers = await Promise.all(
        batches.map((batch) =>
          call('POST', '/deploy', { agents: batch.map((name) => ({ name, tier: 'pooled' })) }),
        ),
      );
      for (const answer of answers)
        expect(answer.status, JSON.stringify(answer.json).slice(0, 500)).toBe(201);
    });
    expect(counted.writes).toEqual({ 'APPLY configmaps': AGENTS });
    expect(total(counted.writes)).toBeLessThanOrEqual(AGENTS);

    const all = await waitFor(
      `all ${AGENTS} pooled agents Running`,
      async () => {
        const seen = await phases();
        const running = names.filter((name) => seen.get(name)?.phase === 'Running');
        return running.length === AGENTS && seen;
      },
      120_000,
      1_000,
    );
    expect(all.size).toBeGreaterThanOrEqual(AGENTS);
    // Each pool process really serves them (one asked here), on behalf of its pod.
    const reply = await fetch(`${pools[1]?.url}/${names[123]}/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'one of three hundred' }),
    });
    expect((await reply.json()).text).toBe('one of three hundred');
  });

  it('goes Deploying, then Running with the new generation, when a config is edited', async () => {
    const name = names[7] as string;
    const edited = await call('POST', '/deploy', { name, tier: 'pooled', instruction: 'You are edited.' });
    expect(edited.status).toBe(200);
    expect(edited.json).toMatchObject({ outcome: 'updated', generation: 2 });
    // Answered before any pool pod could load it: the pods still serve generation 1.
    expect(edited.json.deployment.phase).toBe('Deploying');
    expect(
      edited.json.deployment.pods.map((pod: { servedGeneration: number }) => pod.servedGeneration),
    ).toEqual([1, 1]);
    const running = await waitFor(`${name} Running at generation 2`, async () => {
      const answer = await call('GET', `/deployments/${name}`);
      return answer.json.phase === 'Running' && answer.json;
    });
    expect(running.generation).toBe(2);
    for (const pod of running.pods) expect(pod.servedGeneration).toBe(2);
    await fetch(`${pools[0]?.url}/${name}/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x' }),
    });
    expect(fake.requests.at(-1)?.body).toMatchObject({ messages: [{ content: 'You are edited.' }, {}] });
  });

  it('shows Failed, with the reason, for a pooled config the pool cannot load, and only for that agent', async () => {
    const name = names[42] as string;
    // A config from a newer control plane (a field this runtime does not know), edited in by hand.
    const configMap = JSON.parse(
      (await kubectl(t, ['get', 'configmap', `${name}-pooled`, '-n', t.namespace, '-o', 'json'])).stdout,
    );
    const config = JSON.parse(configMap.data['agent.json']);
    await kubectl(t, [
      'patch',
      'configmap',
      `${name}-pooled`,
      '-n',
      t.namespace,
      '--type=merge',
      '-p',
      JSON.stringify({ data: { 'agent.json': JSON.stringify({ ...config, fromTheFuture: true }) } }),
    ]);
    // Failed as soon as one pool pod reports the error; then every pod, each as its report comes.
    const failed = await waitFor(`${name} Failed on every pool pod`, async () => {
      const answer = await call('GET', `/deployments/${name}`);
      const reported = (answer.json.pods ?? []).every((pod: { loadError?: string }) => pod.loadError);
      return answer.json.phase === 'Failed' && reported && answer.json;
    });
    expect(failed.conditions.find((c: { type: string }) => c.type === 'Served')).toMatchObject({
      status: 'False',
      reason: 'ConfigLoadFailed',
    });
    expect(failed.conditions.find((c: { type: string }) => c.type === 'Served').message).toMatch(
      /fromTheFuture/,
    );
    for (const pod of failed.pods) expect(pod.loadError).toMatch(/fromTheFuture/);
    const answer = await fetch(`${pools[0]?.url}/${name}/generate`, { method: 'POST' });
    expect(answer.status).toBe(503);
    const others = await phases();
    expect(names.filter((other) => other !== name && others.get(other)?.phase !== 'Running')).toEqual([]);
    // The sweep puts back what the control plane wrote, and the agent runs again.
    await (await plane.providers.controlPlane()).sweep();
    await waitFor(
      `${name} Running again`,
      async () => (await call('GET', `/deployments/${name}`)).json.phase === 'Running',
    );
  });

  it('moves an agent between tiers both ways at the same URL, the new tier serving before the old one goes', async () => {
    const admin = new KubeConfig();
    admin.loadFromFile(t.kubeconfigPath);
    const events: { seq: number; type: string; kind: string; name: string; object: KubernetesObject }[] = [];
    const watch = new Watch(admin);
    const watches = await Promise.all(
      [
        ['ConfigMap', `/api/v1/namespaces/${t.namespace}/configmaps`, 'fleetplane.io/agent=mover'],
        ['Deployment', `/apis/apps/v1/namespaces/${t.namespace}/deployments`, 'fleetplane.io/agent=mover'],
        [
          'Ingress',
          `/apis/networking.k8s.io/v1/namespaces/${t.namespace}/ingresses`,
          'fleetplane.io/agent=mover',
        ],
        [
          'Lease',
          `/apis/coordination.k8s.io/v1/namespaces/${t.namespace}/leases`,
          'fleetplane.io/pool-report',
        ],
      ].map(([kind, path, labelSelector]) =>
        watch.watch(
          path as string,
          { labelSelector },
          (type: string, object: KubernetesObject) =>
            events.push({
              seq: events.length,
              type,
              kind: kind as string,
              name: object.metadata?.name ?? '',
              object,
            }),
          () => {},
        ),
      ),
    );
    try {
      const dedicated = await call('POST', '/deploy', { name: 'mover' });
      expect(dedicated.status).toBe(201);
      const url = dedicated.json.deployment.url;
      await waitFor(
        'mover Running dedicated',
        async () => (await call('GET', '/deployments/mover')).json.phase === 'Running',
      );

      // To the pool.
      const toPool = await call('POST', '/deploy', { name: 'mover', tier: 'pooled' });
      expect(toPool.json.deployment).toMatchObject({ tier: 'pooled', phase: 'Deploying', url });
      const pooled = await waitFor('mover Running in the pool', async () => {
        const answer = await call('GET', '/deployments/mover');
        return answer.json.phase === 'Running' && answer.json;
      });
      expect(pooled).toMatchObject({ tier: 'pooled', url, generation: 2 });
      const seq = (type: string, kind: string, name: string) =>
        events.find((e) => e.type === type && e.kind === kind && e.name === name)?.seq ?? -1;
      const servedBy = (pod: string, generation: number) =>
        events.find(
          (e) =>
            e.kind === 'Lease' &&
            e.object.metadata?.labels?.['fleetplane.io/pool-pod'] === pod &&
            JSON.parse(e.object.metadata?.annotations?.['fleetplane.io/serving'] ?? '{}').mover?.[0] ===
              generation,
        )?.seq ?? Number.POSITIVE_INFINITY;
      const poolServes = Math.max(...pools.map((pool) => servedBy(pool.pod, 2)));
      const deploymentGone = seq('DELETED', 'Deployment', 'mover');
      const routeGone = seq('DELETED', 'Ingress', 'mover');
      expect(seq('ADDED', 'ConfigMap', 'mover-pooled')).toBeGreaterThan(-1);
      expect(poolServes).toBeLessThan(Number.POSITIVE_INFINITY);
      expect(deploymentGone).toBeGreaterThan(poolServes);
      expect(routeGone).toBeGreaterThan(poolServes);

      // Back to its own pods.
      const back = await call('POST', '/deploy', { name: 'mover' });
      expect(back.json.deployment).toMatchObject({ tier: 'dedicated', url });
      // Its route waits for its pods; the pool keeps serving it meanwhile.
      expect(
        (
          await kubectl(t, [
            'get',
            'ingress',
            '-n',
            t.namespace,
            '-l',
            'fleetplane.io/agent=mover',
            '-o',
            'name',
          ])
        ).stdout.trim(),
      ).toBe('');
      const home = await waitFor('mover Running on its own pods again', async () => {
        const answer = await call('GET', '/deployments/mover');
        return answer.json.phase === 'Running' && answer.json;
      });
      expect(home).toMatchObject({ tier: 'dedicated', url, generation: 3 });
      const added = events
        .filter((e) => e.type === 'ADDED' && e.kind === 'Ingress' && e.name === 'mover')
        .at(-1);
      const deployed = events.filter(
        (e) => e.kind === 'Deployment' && e.name === 'mover' && e.type !== 'DELETED',
      );
      const readyAt = deployed.find(
        (e) =>
          e.seq > deploymentGone &&
          (e.object as { status?: { readyReplicas?: number } }).status?.readyReplicas === 1,
      )?.seq;
      const pooledGone = events
        .filter((e) => e.type === 'DELETED' && e.kind === 'ConfigMap' && e.name === 'mover-pooled')
        .at(-1);
      expect(readyAt).toBeDefined();
      expect(added?.seq).toBeGreaterThan(readyAt as number);
      expect(pooledGone?.seq).toBeGreaterThan(added?.seq as number);
    } finally {
      for (const request of watches) request.abort();
    }
  });

  it('keeps a pooled ConfigMap of another fleet out of reach of this store, as any object', async () => {
    const core = (() => {
      const config = new KubeConfig();
      config.loadFromFile(t.kubeconfigPath);
      return config.makeApiClient(CoreV1Api);
    })();
    const foreign = await core.createNamespacedConfigMap({
      namespace: t.namespace,
      body: {
        metadata: {
          name: 'stranger-pooled',
          labels: {
            'app.kubernetes.io/managed-by': 'fleetplane',
            'fleetplane.io/agent': 'stranger',
            'fleetplane.io/tier': 'pooled',
            [FLEET_LABEL]: 'another-fleet',
          },
        },
        data: { 'agent.json': '{}' },
      },
    });
    try {
      const report = await (await plane.providers.controlPlane()).sweep();
      expect(report.results.find((result) => result.name === 'stranger')).toBeUndefined();
      expect((await call('DELETE', '/deployments/stranger')).status).toBe(404);
      await core.readNamespacedConfigMap({ namespace: t.namespace, name: 'stranger-pooled' });
    } finally {
      await core.deleteNamespacedConfigMap({
        namespace: t.namespace,
        name: foreign.metadata?.name as string,
      });
    }
  });
});
