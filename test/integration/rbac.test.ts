/**
 * The suite's control plane runs as its ServiceAccount (manifests/10-control-plane-rbac.yaml,
 * 15-builds.yaml), with the kubeconfig `fleetplane kubeconfig` makes (the test environment made
 * it the same way), under the admission policy of 12-control-plane-admission.yaml: deploy, list,
 * status, revisions, logs, builds and delete all work with only the Roles it is given, and the
 * token cannot do what they do not grant. The health function has an identity of its own, which
 * can read nothing of the fleet.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BatchV1Api, CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { KubeHttp } from '../../functions/src/cluster/kube-http.ts';
import { testRegistry } from '../env/control-plane-identity.ts';
import { testEnv } from '../env/inject.ts';
import { applyManifestFile } from '../support/apply-manifests.ts';
import { harness, waitFor } from '../support/control-plane-harness.ts';
import {
  FAILING_KANIKO_IMAGE,
  STAND_IN_KANIKO_IMAGE,
  startKanikoStandIn,
} from '../support/kaniko-stand-in.ts';
import { kubectl } from '../support/kubectl.ts';
import { poolKubeconfig } from '../support/pool-process.ts';
import { testRuntime } from '../support/runtime-contexts.ts';

const manifest = (file: string) => new URL(`../../manifests/${file}`, import.meta.url).pathname;
const clientOf = (path: string) => {
  const config = new KubeConfig();
  config.loadFromString(readFileSync(path, 'utf8'));
  return config;
};
const refused = (call: Promise<unknown>) =>
  call.then(
    () => 'allowed',
    (error: { code?: number }) => error.code,
  );

describe('the control plane with its ServiceAccount', () => {
  it('is what every control plane of the suite runs as: a token, no client certificate', () => {
    const t = testEnv();
    const { env } = harness();
    expect(env.KUBECONFIG).toBe(t.controlPlaneKubeconfigPath);
    const text = readFileSync(t.controlPlaneKubeconfigPath, 'utf8');
    expect(text).not.toContain('client-key');
    expect(clientOf(t.controlPlaneKubeconfigPath).getCurrentUser()).toMatchObject({
      name: 'fleetplane-control-plane',
      token: expect.any(String),
    });
  });

  it('deploys, reports, tails logs and deletes with only the Roles it is given', async () => {
    const { call } = harness();
    const config = {
      name: 'rbac-agent',
      scaling: { autoscale: true, min_replicas: 2, max_replicas: 3 },
      customEndpoints: ['summarize'],
    };
    expect((await call('POST', '/deploy', config)).status).toBe(201);
    await waitFor(
      'rbac-agent Running',
      async () => (await call('GET', '/deployments/rbac-agent')).json.phase === 'Running',
    );
    expect((await call('GET', '/deployments')).status).toBe(200);
    expect((await call('GET', '/deployments/rbac-agent/revisions')).status).toBe(200);
    // kwok serves the agent containers' logs (test/env kwok-logs.yaml), so this proves the
    // ServiceAccount's pods/log permission end to end: every pod has real lines.
    const logs = await call('GET', '/deployments/rbac-agent/logs?tail=10');
    expect(logs.status, `logs answered ${logs.status}: ${JSON.stringify(logs.json)}`).toBe(200);
    expect(logs.json.pods.length).toBeGreaterThanOrEqual(2);
    for (const pod of logs.json.pods as { pod: string; lines: string[] }[]) {
      expect(pod.lines.length, `no log lines for ${pod.pod}`).toBeGreaterThan(0);
      for (const line of pod.lines) expect(line).not.toBe('');
    }
    const deleted = await call('DELETE', '/deployments/rbac-agent');
    expect(deleted.status).toBe(200);
    expect(deleted.json.deleted).toEqual(
      expect.arrayContaining(['Deployment/rbac-agent', 'HorizontalPodAutoscaler/rbac-agent']),
    );

    // Least privilege: the same token may not read Secrets or touch other namespaces.
    const core = clientOf(testEnv().controlPlaneKubeconfigPath).makeApiClient(CoreV1Api);
    expect(await refused(core.listNamespacedSecret({ namespace: testEnv().namespace }))).toBe(403);
    expect(await refused(core.listNamespacedPod({ namespace: 'kube-system' }))).toBe(403);
  });

  it('builds the image in the cluster with only its Role in the builds namespace', async () => {
    const t = testEnv();
    const run = randomUUID().slice(0, 6);
    const runtime = await testRuntime(`rbac-${run}`);
    const kaniko = startKanikoStandIn({ destinationPrefix: `${testRegistry(t.registry, 'rbac')}/` });
    try {
      const env = {
        FLEETPLANE_RUNTIME_IMAGE: undefined,
        FLEETPLANE_REGISTRY: testRegistry(t.registry, 'rbac'),
        FLEETPLANE_REGISTRY_DOCKER_CONFIG: t.registryDockerConfig ?? undefined,
      };
      // A failing builder first, so that the retry (delete the failed Job, create it again) runs too.
      const failing = harness(
        { ...env, FLEETPLANE_KANIKO_IMAGE: FAILING_KANIKO_IMAGE },
        { runtimeContext: runtime.source },
      );
      const first = await failing.call('POST', '/deploy', { name: 'rbac-build' });
      expect(first.status, JSON.stringify(first.json)).toBe(201);
      expect(first.json.deployment.phase).toBe('Building');
      await waitFor(
        'BuildFailed',
        async () => (await failing.call('GET', '/deployments/rbac-build')).json.phase === 'BuildFailed',
      );
      const fixed = harness(
        {
          ...env,
          FLEETPLANE_KANIKO_IMAGE: STAND_IN_KANIKO_IMAGE,
          FLEETPLANE_STORE: failing.env.FLEETPLANE_STORE,
        },
        { runtimeContext: runtime.source },
      );
      const again = await fixed.call('POST', '/deploy', { name: 'rbac-build' });
      expect(again.status, JSON.stringify(again.json)).toBe(200);
      expect(again.json.deployment.build.phase).toBe('Pending');
      await kaniko.pushed(runtime.tag);
      await waitFor(
        'rbac-build Running',
        async () => (await fixed.call('GET', '/deployments/rbac-build')).json.phase === 'Running',
      );
      const logs = await fixed.call('GET', '/deployments/rbac-build/logs?build=true&tail=2');
      expect(logs.status, JSON.stringify(logs.json)).toBe(200);
      expect(logs.json.pods[0]?.lines).toHaveLength(2);
      const gc = await fixed.call('GET', '/gc');
      expect(gc.status, JSON.stringify(gc.json)).toBe(200);
      expect(gc.json.kept).toContain(runtime.tag.slice(0, 12));
      expect((await fixed.call('DELETE', '/deployments/rbac-build')).status).toBe(200);
    } finally {
      kaniko.stop();
    }

    // Least privilege in the builds namespace: no Secrets, no pods of its own, no Job edits.
    const config = clientOf(t.controlPlaneKubeconfigPath);
    const core = config.makeApiClient(CoreV1Api);
    const batch = config.makeApiClient(BatchV1Api);
    const builds = t.buildNamespace;
    expect(await refused(core.listNamespacedSecret({ namespace: builds }))).toBe(403);
    expect(
      await refused(
        core.createNamespacedPod({
          namespace: builds,
          body: { metadata: { name: 'x' }, spec: { containers: [{ name: 'x', image: 'x' }] } },
        }),
      ),
    ).toBe(403);
    expect(
      await refused(
        batch.patchNamespacedJob({
          name: 'x',
          namespace: builds,
          body: { metadata: { labels: { a: 'b' } } },
        }),
      ),
    ).toBe(403);
  });

  it('deploys a pooled agent, making the pool, and reads its status as the ServiceAccount; the pool may do only its job', async () => {
    const t = testEnv();
    await applyManifestFile(t.kubeconfigPath, manifest('13-pool-rbac.yaml'));
    // The suite's control plane is the ServiceAccount, under the admission policy.
    const { call } = harness();
    const deployed = await call('POST', '/deploy', { name: 'rbac-pooled', tier: 'pooled' });
    expect(deployed.status, JSON.stringify(deployed.json)).toBe(201);
    const status = await call('GET', '/deployments/rbac-pooled');
    expect(status.status, JSON.stringify(status.json)).toBe(200);
    expect(status.json.tier).toBe('pooled');
    expect((await call('GET', '/deployments')).status).toBe(200);
    expect((await call('GET', '/deployments/rbac-pooled/logs?tail=5')).status).toBe(200);
    expect((await call('DELETE', '/deployments/rbac-pooled')).status).toBe(200);
    // The pool's own token: it watches ConfigMaps and writes Leases, and nothing more.
    const pool = await poolKubeconfig(t.kubeconfigPath, t.namespace);
    try {
      const asPool = new KubeConfig();
      asPool.loadFromFile(pool.path);
      const core = asPool.makeApiClient(CoreV1Api);
      await core.listNamespacedConfigMap({
        namespace: t.namespace,
        labelSelector: 'fleetplane.io/tier=pooled',
      });
      await expect(core.listNamespacedSecret({ namespace: t.namespace })).rejects.toMatchObject({
        code: 403,
      });
      await expect(
        core.readNamespacedSecret({ namespace: t.namespace, name: 'fleetplane-provider' }),
      ).rejects.toMatchObject({ code: 403 });
      await expect(
        core.createNamespacedConfigMap({ namespace: t.namespace, body: { metadata: { name: 'x' } } }),
      ).rejects.toMatchObject({ code: 403 });
      await expect(core.listNamespacedPod({ namespace: t.namespace })).rejects.toMatchObject({ code: 403 });
    } finally {
      await pool.remove();
      await kubectl(t, [
        'delete',
        'deployments,services,ingresses,horizontalpodautoscalers,poddisruptionbudgets,networkpolicies',
        '-n',
        t.namespace,
        '-l',
        'fleetplane.io/pool=fleetplane-pool',
        '--wait=false',
      ]);
    }
  });
});

describe("the health function's identity", () => {
  it('answers /health with the cluster reachable, and can read nothing of the fleet', async () => {
    const t = testEnv();
    const { call } = harness({
      KUBECONFIG: undefined,
      FLEETPLANE_KUBECONFIG_DATA: Buffer.from(readFileSync(t.healthKubeconfigPath, 'utf8')).toString(
        'base64',
      ),
    });
    const health = await call('GET', '/health');
    expect(health.status, JSON.stringify(health.json)).toBe(200);
    expect(health.json.checks.cluster).toMatchObject({ ok: true, target: 'kubernetes' });

    const config = clientOf(t.healthKubeconfigPath);
    expect(config.getCurrentUser()).toMatchObject({ name: 'fleetplane-health', token: expect.any(String) });
    expect((await config.makeApiClient(VersionApi).getCode()).major).toBe('1');
    const http = new KubeHttp(config);
    for (const path of [
      `/apis/apps/v1/namespaces/${t.namespace}/deployments`,
      `/api/v1/namespaces/${t.namespace}/pods`,
      `/api/v1/namespaces/${t.namespace}/configmaps`,
      `/api/v1/namespaces/${t.namespace}/secrets`,
      `/apis/batch/v1/namespaces/${t.buildNamespace}/jobs`,
      '/api/v1/namespaces',
    ])
      expect({ path, status: await refused(http.json('GET', path)) }).toEqual({ path, status: 403 });
  });
});
