/**
 * The control plane runs as its ServiceAccount (manifests/10-control-plane-rbac.yaml), with the
 * kubeconfig `fleetplane kubeconfig` makes, not as an admin: deploy, list, status, revisions,
 * logs and delete all work, and the token cannot do what the Roles do not grant.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { serviceAccountKubeconfig } from '../../functions/src/cli/kubeconfig.ts';
import { testEnv } from '../env/inject.ts';
import { applyManifestFile } from '../support/apply-manifests.ts';
import { harness, waitFor } from '../support/control-plane-harness.ts';
import { startKanikoStandIn } from '../support/kaniko-stand-in.ts';
import { kubectl } from '../support/kubectl.ts';
import { poolKubeconfig } from '../support/pool-process.ts';
import { testRuntime } from '../support/runtime-contexts.ts';

const manifest = (file: string) => new URL(`../../manifests/${file}`, import.meta.url).pathname;

describe('the control plane with its ServiceAccount', () => {
  it('deploys, reports, tails logs and deletes with only the Roles it is given', async () => {
    const t = testEnv();
    await applyManifestFile(t.kubeconfigPath, manifest('00-namespaces.yaml'));
    const applied = await applyManifestFile(t.kubeconfigPath, manifest('10-control-plane-rbac.yaml'));
    expect(applied).toContain('ServiceAccount/fleetplane-control-plane');
    const kubeconfig = await serviceAccountKubeconfig(readFileSync(t.kubeconfigPath, 'utf8'), {
      namespace: 'fleetplane-system',
      secretName: 'fleetplane-control-plane-token',
    });
    expect(kubeconfig).not.toContain('client-key');

    const { call } = harness({
      KUBECONFIG: undefined,
      FLEETPLANE_KUBECONFIG_DATA: Buffer.from(kubeconfig).toString('base64'),
    });
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
    const health = await call('GET', '/health');
    expect(health.json.checks.cluster.ok).toBe(true);
    const deleted = await call('DELETE', '/deployments/rbac-agent');
    expect(deleted.status).toBe(200);
    expect(deleted.json.deleted).toEqual(
      expect.arrayContaining(['Deployment/rbac-agent', 'HorizontalPodAutoscaler/rbac-agent']),
    );

    // Least privilege: the same token may not read Secrets or touch other namespaces.
    const asServiceAccount = new KubeConfig();
    asServiceAccount.loadFromString(kubeconfig);
    const core = asServiceAccount.makeApiClient(CoreV1Api);
    await expect(core.listNamespacedSecret({ namespace: 'agents' })).rejects.toMatchObject({ code: 403 });
    await expect(core.listNamespacedPod({ namespace: 'kube-system' })).rejects.toMatchObject({ code: 403 });
  });

  it('builds the image in the cluster with only its Role in the builds namespace', async () => {
    const t = testEnv();
    for (const file of ['00-namespaces.yaml', '10-control-plane-rbac.yaml', '15-builds.yaml'])
      await applyManifestFile(t.kubeconfigPath, manifest(file));
    const kubeconfig = await serviceAccountKubeconfig(readFileSync(t.kubeconfigPath, 'utf8'), {
      namespace: 'fleetplane-system',
      secretName: 'fleetplane-control-plane-token',
    });
    const run = randomUUID().slice(0, 6);
    const runtime = await testRuntime(`rbac-${run}`);
    const kaniko = startKanikoStandIn({ destinationPrefix: `${t.registry}/rbac-${run}/` });
    try {
      const env = {
        KUBECONFIG: undefined,
        FLEETPLANE_KUBECONFIG_DATA: Buffer.from(kubeconfig).toString('base64'),
        FLEETPLANE_RUNTIME_IMAGE: undefined,
        FLEETPLANE_REGISTRY: `${t.registry}/rbac-${run}`,
        FLEETPLANE_REGISTRY_DOCKER_CONFIG: t.registryDockerConfig ?? undefined,
      };
      // A failing builder first, so that the retry (delete the failed Job, create it again) runs too.
      const failing = harness(
        { ...env, FLEETPLANE_KANIKO_IMAGE: 'ghcr.io/osscontainertools/kaniko:fail' },
        {
          runtimeContext: runtime.source,
        },
      );
      const first = await failing.call('POST', '/deploy', { name: 'rbac-build' });
      expect(first.status, JSON.stringify(first.json)).toBe(201);
      expect(first.json.deployment.phase).toBe('Building');
      await waitFor(
        'BuildFailed',
        async () => (await failing.call('GET', '/deployments/rbac-build')).json.phase === 'BuildFailed',
      );
      const fixed = harness(
        { ...env, FLEETPLANE_STORE: failing.env.FLEETPLANE_STORE },
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
    const asServiceAccount = new KubeConfig();
    asServiceAccount.loadFromString(kubeconfig);
    const core = asServiceAccount.makeApiClient(CoreV1Api);
    const batch = asServiceAccount.makeApiClient(BatchV1Api);
    const builds = 'fleetplane-builds';
    await expect(core.listNamespacedSecret({ namespace: builds })).rejects.toMatchObject({ code: 403 });
    await expect(
      core.createNamespacedPod({
        namespace: builds,
        body: { metadata: { name: 'x' }, spec: { containers: [{ name: 'x', image: 'x' }] } },
      }),
    ).rejects.toMatchObject({ code: 403 });
    await expect(
      batch.patchNamespacedJob({ name: 'x', namespace: builds, body: { metadata: { labels: { a: 'b' } } } }),
    ).rejects.toMatchObject({ code: 403 });
  });

  it('deploys a pooled agent, making the pool, and reads its status as the ServiceAccount; the pool may do only its job', async () => {
    const t = testEnv();
    for (const file of ['00-namespaces.yaml', '10-control-plane-rbac.yaml', '12-pool-rbac.yaml'])
      await applyManifestFile(t.kubeconfigPath, manifest(file));
    const kubeconfig = await serviceAccountKubeconfig(readFileSync(t.kubeconfigPath, 'utf8'), {
      namespace: 'fleetplane-system',
      secretName: 'fleetplane-control-plane-token',
    });
    const { call } = harness({
      KUBECONFIG: undefined,
      FLEETPLANE_KUBECONFIG_DATA: Buffer.from(kubeconfig).toString('base64'),
    });
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
