/**
 * Smoke test of the test environment itself: the real API server admits and runs workloads on
 * kwok nodes, Pod Security guards the agents namespace, Gateway API CRDs are served, MinIO honours
 * conditional writes, the registry serves pushed images, and services can be stopped and restarted.
 * Tests that depend on kwok's simulated failures or on stopping processes skip on external infra.
 */

import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type V1Container,
  type V1Job,
  type V1PodSpec,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeCluster } from '../../functions/src/cluster/kube-cluster.ts';
import { ClusterRejectedError } from '../../functions/src/core/errors.ts';
import { s3Client } from '../env/bootstrap.ts';
import { pushTestImage, startService, stopService } from '../env/control.ts';
import { testEnv } from '../env/inject.ts';

const env = testEnv();
const kc = new KubeConfig();
kc.loadFromFile(env.kubeconfigPath);
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const run = Date.now().toString(36);
const onKwok = env.local.kubernetes;

async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`, { cause: last });
    await sleep(250);
  }
}

/** A container the `restricted` Pod Security level admits. */
function restrictedContainer(image: string, command?: string[]): V1Container {
  return {
    name: 'main',
    image,
    ...(command ? { command } : {}),
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
    securityContext: {
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
      runAsUser: 65532,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}

function podSpec(image: string, restartPolicy: 'Always' | 'Never', command?: string[]): V1PodSpec {
  return {
    restartPolicy,
    containers: [restrictedContainer(image, command)],
    automountServiceAccountToken: false,
  };
}

async function podsOf(namespace: string, labelSelector: string) {
  return (await core.listNamespacedPod({ namespace, labelSelector })).items;
}

function job(name: string, image: string): V1Job {
  return {
    metadata: { name, labels: { 'fleetplane.io/test': run } },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: 600,
      template: {
        metadata: { labels: { 'fleetplane.io/test': run, job: name } },
        spec: podSpec(image, 'Never', ['true']),
      },
    },
  };
}

async function jobCondition(namespace: string, name: string, type: 'Complete' | 'Failed') {
  const found = await batch.readNamespacedJob({ name, namespace });
  return found.status?.conditions?.some((c) => c.type === type && c.status === 'True') ? found : undefined;
}

afterAll(async () => {
  // Best effort: the local environment is thrown away anyway, an external cluster is not.
  const labelSelector = `fleetplane.io/test=${run}`;
  for (const namespace of [env.namespace, env.buildNamespace]) {
    await apps.deleteCollectionNamespacedDeployment({ namespace, labelSelector }).catch(() => {});
    await batch
      .deleteCollectionNamespacedJob({ namespace, labelSelector, propagationPolicy: 'Background' })
      .catch(() => {});
    await core.deleteCollectionNamespacedPod({ namespace, labelSelector }).catch(() => {});
  }
});

describe('kubernetes', () => {
  it('runs a Deployment to Ready pods on kwok nodes', async () => {
    const name = `smoke-${run}`;
    const labels = { app: name, 'fleetplane.io/test': run };
    await apps.createNamespacedDeployment({
      namespace: env.namespace,
      body: {
        metadata: { name, labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels }, spec: podSpec('registry.k8s.io/pause:3.10', 'Always') },
        },
      },
    });
    const ready = await eventually('deployment available', async () => {
      const d = await apps.readNamespacedDeployment({ name, namespace: env.namespace });
      const available = d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True');
      return d.status?.readyReplicas === 2 && available ? d : undefined;
    });
    expect(ready.status?.availableReplicas).toBe(2);
    const pods = await podsOf(env.namespace, `app=${name}`);
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.containerStatuses?.[0]?.ready).toBe(true);
      if (onKwok) expect(pod.spec?.nodeName).toMatch(/^kwok-node-/);
    }
  });

  it('rejects a pod that breaks the restricted Pod Security level in the agents namespace', async () => {
    const attempt = core.createNamespacedPod({
      namespace: env.namespace,
      body: {
        metadata: { name: `privileged-${run}`, labels: { 'fleetplane.io/test': run } },
        spec: {
          containers: [{ name: 'main', image: 'busybox:1.37', securityContext: { privileged: true } }],
        },
      },
    });
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<string>).code).toBe(403);
    const status = JSON.parse(String((error as ApiException<string>).body)) as { message: string };
    expect(status.message).toContain('violates PodSecurity "restricted:latest"');
  });

  it('completes a Job', async () => {
    const name = `smoke-job-${run}`;
    await batch.createNamespacedJob({ namespace: env.buildNamespace, body: job(name, 'busybox:1.37') });
    const done = await eventually('job complete', () => jobCondition(env.buildNamespace, name, 'Complete'));
    expect(done.status?.succeeded).toBe(1);
    const [pod] = await podsOf(env.buildNamespace, `job=${name}`);
    expect(pod?.status?.phase).toBe('Succeeded');
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
  });

  it('serves the Gateway API: an HTTPRoute is accepted', async () => {
    const route = await custom.createNamespacedCustomObject({
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      namespace: env.namespace,
      plural: 'httproutes',
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: `smoke-${run}`, labels: { 'fleetplane.io/test': run } },
        spec: {
          parentRefs: [{ name: 'public', namespace: 'gateway' }],
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: `/smoke-${run}` } }],
              backendRefs: [{ name: 'x', port: 80 }],
            },
          ],
        },
      },
    });
    expect((route as { metadata: { uid?: string } }).metadata.uid).toBeTruthy();
  });
});

describe.skipIf(!onKwok)('kwok failure simulation (stage file)', () => {
  it('keeps a pod with an image tagged :fail-pull Pending in ImagePullBackOff', async () => {
    const name = `pull-${run}`;
    await core.createNamespacedPod({
      namespace: env.namespace,
      body: {
        metadata: { name, labels: { 'fleetplane.io/test': run } },
        spec: podSpec('example/agent:fail-pull', 'Always'),
      },
    });
    const waiting = await eventually('ImagePullBackOff', async () => {
      const pod = await core.readNamespacedPod({ name, namespace: env.namespace });
      const state = pod.status?.containerStatuses?.[0]?.state?.waiting;
      return state?.reason === 'ImagePullBackOff' ? { pod, state } : undefined;
    });
    expect(waiting.pod.status?.phase).toBe('Pending');
    expect(waiting.state.message).toContain('example/agent:fail-pull');
  });

  it('puts a pod with an image tagged :crash into CrashLoopBackOff with restarts', async () => {
    const name = `crash-${run}`;
    await core.createNamespacedPod({
      namespace: env.namespace,
      body: {
        metadata: { name, labels: { 'fleetplane.io/test': run } },
        spec: podSpec('example/agent:crash', 'Always'),
      },
    });
    const status = await eventually('CrashLoopBackOff', async () => {
      const pod = await core.readNamespacedPod({ name, namespace: env.namespace });
      const container = pod.status?.containerStatuses?.[0];
      return container?.state?.waiting?.reason === 'CrashLoopBackOff' ? container : undefined;
    });
    expect(status.restartCount).toBeGreaterThan(0);
    expect(status.ready).toBe(false);
    expect(status.lastState?.terminated?.exitCode).toBe(1);
  });

  it('fails a Job whose image is tagged :fail, with exit code 1 and a message', async () => {
    const name = `fail-job-${run}`;
    await batch.createNamespacedJob({
      namespace: env.buildNamespace,
      body: job(name, 'example/kaniko:fail'),
    });
    const failed = await eventually('job failed', () => jobCondition(env.buildNamespace, name, 'Failed'));
    expect(failed.status?.failed).toBe(1);
    const [pod] = await podsOf(env.buildNamespace, `job=${name}`);
    expect(pod?.status?.phase).toBe('Failed');
    const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated?.exitCode).toBe(1);
    expect(terminated?.message).toContain(':fail');
  });
});

describe.skipIf(!onKwok)("pod logs (kwok serves /containerLogs as the nodes' kubelet)", () => {
  async function runningPod(namespace: string, name: string, labels: Record<string, string> = {}) {
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name, labels: { 'fleetplane.io/test': run, ...labels } },
        spec: podSpec('example/agent:1', 'Always'),
      },
    });
    return eventually(`${name} Running`, async () => {
      const pod = await core.readNamespacedPod({ name, namespace });
      return pod.status?.phase === 'Running' ? pod : undefined;
    });
  }

  it("the API server returns a kwok pod's log lines", async () => {
    const name = `logs-${run}`;
    const pod = await runningPod(env.namespace, name);
    expect(pod.spec?.nodeName).toMatch(/^kwok-node-/);
    const all = String(
      await core.readNamespacedPodLog({ name, namespace: env.namespace, container: 'main' }),
    );
    const lines = all.split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const records = lines.map((line) => JSON.parse(line) as { level: string; msg: string; time: string });
    expect(records[0]).toMatchObject({ level: 'info', msg: 'listening' });
    for (const record of records) expect(Date.parse(record.time)).not.toBeNaN();
    const tail = String(
      await core.readNamespacedPodLog({ name, namespace: env.namespace, container: 'main', tailLines: 1 }),
    );
    expect(tail.split('\n').filter((line) => line !== '')).toEqual(lines.slice(-1));
  });

  it("relays kwok's refusal for a pod it has no log for; the control plane reports it, not an empty log", async () => {
    // kwok's ClusterLogs covers the agents namespace only, so a pod elsewhere has no log file.
    const agent = `nolog-${run}`;
    const name = `${agent}-0`;
    await runningPod(env.buildNamespace, name, {
      'app.kubernetes.io/managed-by': 'fleetplane',
      'fleetplane.io/agent': agent,
    });
    const refusal = await core.readNamespacedPodLog({ name, namespace: env.buildNamespace }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((refusal as ApiException<string>).code).toBe(400);
    expect(JSON.parse(String((refusal as ApiException<string>).body))).toMatchObject({
      reason: 'BadRequest',
      message: `no logs found for container "main" in pod "${env.buildNamespace}/${name}"`,
    });
    const cluster = new KubeCluster({
      namespace: env.buildNamespace,
      kubeconfig: readFileSync(env.kubeconfigPath, 'utf8'),
    });
    await expect(cluster.podLogs(agent, { tailLines: 10 })).rejects.toBeInstanceOf(ClusterRejectedError);
  });
});

describe('S3 (MinIO)', () => {
  const s3 = s3Client(env.s3);
  afterAll(() => s3.destroy());

  it('honours If-None-Match and If-Match with 412', async () => {
    const Key = `smoke/${run}/agent.json`;
    const Bucket = env.s3.bucket;
    const first = await s3.send(
      new PutObjectCommand({ Bucket, Key, Body: '{"generation":1}', IfNoneMatch: '*' }),
    );
    expect(first.ETag).toBeTruthy();
    const statusOf = (put: Promise<unknown>) =>
      put.then(
        () => 200,
        (e: unknown) => (e instanceof S3ServiceException ? e.$metadata.httpStatusCode : e),
      );
    expect(await statusOf(s3.send(new PutObjectCommand({ Bucket, Key, Body: '{}', IfNoneMatch: '*' })))).toBe(
      412,
    );
    expect(
      await statusOf(s3.send(new PutObjectCommand({ Bucket, Key, Body: '{}', IfMatch: '"0000"' }))),
    ).toBe(412);
    const second = await s3.send(
      new PutObjectCommand({ Bucket, Key, Body: '{"generation":2}', IfMatch: first.ETag }),
    );
    expect(second.ETag).not.toBe(first.ETag);
    // The loser of a race holds the old ETag.
    expect(
      await statusOf(s3.send(new PutObjectCommand({ Bucket, Key, Body: '{}', IfMatch: first.ETag }))),
    ).toBe(412);
  });
});

describe('registry', () => {
  it("finds a pushed image's manifest", async () => {
    const pushed = await pushTestImage(env.registry, 'fleetplane/smoke', `t-${run}`);
    const res = await fetch(`http://${env.registry}/v2/fleetplane/smoke/manifests/t-${run}`, {
      method: 'HEAD',
      headers: {
        accept:
          'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-content-digest')).toBe(pushed.digest);
    const missing = await fetch(`http://${env.registry}/v2/fleetplane/smoke/manifests/absent-${run}`, {
      method: 'HEAD',
    });
    expect(missing.status).toBe(404);
  });
});

describe('fault injection', () => {
  it.skipIf(!env.local.s3)('stops and restarts MinIO with its data', async () => {
    const s3 = s3Client(env.s3);
    const Key = `smoke/${run}/survives-restart.json`;
    try {
      await s3.send(new PutObjectCommand({ Bucket: env.s3.bucket, Key, Body: '{}' }));
      await stopService('minio');
      await expect(s3.send(new HeadObjectCommand({ Bucket: env.s3.bucket, Key }))).rejects.toThrow();
      await startService('minio');
      const head = await s3.send(new HeadObjectCommand({ Bucket: env.s3.bucket, Key }));
      expect(head.ContentLength).toBe(2);
    } finally {
      s3.destroy();
    }
  });

  it.skipIf(!env.local.kubernetes)(
    'stops and restarts the API server; the cluster keeps its state',
    async () => {
      await stopService('kube-apiserver');
      await expect(core.readNamespace({ name: env.namespace })).rejects.toThrow();
      await startService('kube-apiserver');
      const ns = await core.readNamespace({ name: env.namespace });
      expect(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      // Controllers reconnect: a new Job still completes.
      const name = `after-restart-${run}`;
      await batch.createNamespacedJob({ namespace: env.buildNamespace, body: job(name, 'busybox:1.37') });
      await eventually(
        'job complete after restart',
        () => jobCondition(env.buildNamespace, name, 'Complete'),
        90_000,
      );
    },
  );
});

beforeAll(() => {
  if (!env.kubeconfigPath) throw new Error('testenv provided no kubeconfig');
});
