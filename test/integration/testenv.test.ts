/**
 * Smoke test of the test environment itself: the real API server admits and runs workloads on
 * kwok nodes, Pod Security guards the agents namespace, Gateway API CRDs are served, kubectl
 * applies server-side, kwok plays Kaniko build pods (success, failure, pull failure, slow, logs),
 * MinIO honours conditional writes, the registry asks for credentials (basic auth, and the token
 * flow of a second registry), request counters count exactly, and services can be stopped and
 * restarted. Tests that depend on kwok's simulated failures or on stopping processes skip on
 * external infra.
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
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
import { KUBERNETES_VERSION } from '../env/versions.ts';
import { kubectl } from '../support/kubectl.ts';
import { apiServerRequestCounts, minioRequestCounts, requestsBetween } from '../support/request-counts.ts';
import { scratchDir } from '../support/scratch.ts';
import { startTokenRegistry, type TokenRegistry } from '../support/token-registry.ts';
import { waitFor } from '../support/wait.ts';

const env = testEnv();
const kc = new KubeConfig();
kc.loadFromFile(env.kubeconfigPath);
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const run = Date.now().toString(36);
const onKwok = env.local.kubernetes;

/** Until `check` gives a value (60 s by default, every 250 ms). */
const eventually = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000) =>
  waitFor(what, check, timeoutMs, 250);

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

describe('kubectl (built at the API server version)', () => {
  it('reports the client version and the server version', async () => {
    const { stdout } = await kubectl(env, ['version', '--output=json']);
    const versions = JSON.parse(stdout) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    expect(versions.clientVersion.gitVersion).toBe(KUBERNETES_VERSION);
    if (env.kubernetesVersion) expect(versions.serverVersion.gitVersion).toBe(env.kubernetesVersion);
    else expect(versions.serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+/);
  });

  it('applies a manifest file server-side, and again without changes', async () => {
    const name = `kubectl-${run}`;
    const labels = { app: name, 'fleetplane.io/test': run };
    const file = join(await scratchDir('fleetplane-kubectl-apply-'), 'manifests.yaml');
    const manifests = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { 'agent.json': '{"a":1}' } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels }, spec: podSpec('registry.k8s.io/pause:3.10', 'Always') },
        },
      },
    ];
    await writeFile(file, manifests.map((m) => JSON.stringify(m)).join('\n---\n'));
    const apply = () =>
      kubectl(env, ['apply', '--server-side', `--namespace=${env.namespace}`, `--filename=${file}`]);
    const first = await apply();
    expect(first.stdout.trim().split('\n')).toEqual([
      `configmap/${name} serverside-applied`,
      `deployment.apps/${name} serverside-applied`,
    ]);
    const configMap = await core.readNamespacedConfigMap({ name, namespace: env.namespace });
    expect(configMap.data).toEqual({ 'agent.json': '{"a":1}' });
    expect(configMap.metadata?.managedFields?.map((f) => [f.manager, f.operation])).toEqual([
      ['kubectl', 'Apply'],
    ]);
    const generation = (await apps.readNamespacedDeployment({ name, namespace: env.namespace })).metadata
      ?.generation;
    await apply();
    const again = await apps.readNamespacedDeployment({ name, namespace: env.namespace });
    expect(again.metadata?.generation).toBe(generation);
    await eventually('kubectl-applied deployment ready', async () =>
      (await apps.readNamespacedDeployment({ name, namespace: env.namespace })).status?.readyReplicas === 1
        ? true
        : undefined,
    );
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
      body: job(name, 'example/worker:fail'),
    });
    const failed = await eventually('job failed', () => jobCondition(env.buildNamespace, name, 'Failed'));
    expect(failed.status?.failed).toBe(1);
    const [pod] = await podsOf(env.buildNamespace, `job=${name}`);
    expect(pod?.status?.phase).toBe('Failed');
    const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated?.exitCode).toBe(1);
    expect(terminated?.message).toBe('simulated failure: image example/worker:fail ends in :fail');
  });
});

/**
 * Kaniko build Jobs as the control plane will create them: `build-<hash12>` in the builds
 * namespace. Kaniko cannot run here; kwok plays its pod by the image tag (test/env/kwok-stages.yaml).
 */
describe.skipIf(!onKwok).concurrent('build Jobs (kwok plays Kaniko)', () => {
  const KANIKO = 'ghcr.io/osscontainertools/kaniko';

  async function startBuild(tag: string) {
    const name = `build-${createHash('sha256').update(`${run}:${tag}`).digest('hex').slice(0, 12)}`;
    const started = Date.now();
    await batch.createNamespacedJob({
      namespace: env.buildNamespace,
      body: {
        metadata: { name, labels: { 'fleetplane.io/test': run } },
        spec: {
          backoffLimit: 0,
          ttlSecondsAfterFinished: 600,
          template: {
            metadata: { labels: { 'fleetplane.io/test': run, job: name } },
            spec: {
              restartPolicy: 'Never',
              automountServiceAccountToken: false,
              containers: [
                {
                  name: 'kaniko',
                  image: `${KANIKO}:${tag}`,
                  args: [
                    `--context=s3://${env.s3.bucket}/builds/${name}.tar.gz`,
                    `--destination=${env.registry}/fleetplane/agent:${name}`,
                    '--digest-file=/dev/termination-log',
                  ],
                  terminationMessagePolicy: 'FallbackToLogsOnError',
                },
              ],
            },
          },
        },
      },
    });
    const pod = async () => (await podsOf(env.buildNamespace, `job=${name}`))[0];
    return { name, started, pod };
  }

  const terminal = (found: V1Job) =>
    (found.status?.conditions ?? []).filter(
      (c) => ['Complete', 'Failed'].includes(c.type) && c.status === 'True',
    );

  it('completes a build in seconds: pod Succeeded, exit 0, the digest as message; its log is readable', async () => {
    const build = await startBuild('v1.28.1');
    const done = await eventually('build Complete', () =>
      jobCondition(env.buildNamespace, build.name, 'Complete'),
    );
    const seconds = (Date.now() - build.started) / 1000;
    console.log(`build Job ${build.name}: Complete ${seconds.toFixed(1)} s after create`);
    expect(seconds).toBeLessThan(8);
    expect(done.status?.succeeded).toBe(1);
    expect(terminal(done).map((c) => c.type)).toEqual(['Complete']);
    const pod = await build.pod();
    expect(pod?.status?.phase).toBe('Succeeded');
    const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(terminated?.message).toMatch(/^sha256:[0-9a-f]{64}$/);

    const log = String(
      await core.readNamespacedPodLog({ name: pod?.metadata?.name ?? '', namespace: env.buildNamespace }),
    );
    expect(log.split('\n')[0]).toBe('INFO[0000] Retrieving image manifest node:24-slim');
    const tail = String(
      await core.readNamespacedPodLog({
        name: pod?.metadata?.name ?? '',
        namespace: env.buildNamespace,
        container: 'kaniko',
        tailLines: 2,
      }),
    );
    expect(tail.split('\n').filter(Boolean)).toEqual(log.split('\n').filter(Boolean).slice(-2));
  });

  it('fails a build whose builder image is tagged :fail: pod Failed, exit 1, reason Error, Kaniko-style message', async () => {
    const build = await startBuild('fail');
    const failed = await eventually('build Failed', () =>
      jobCondition(env.buildNamespace, build.name, 'Failed'),
    );
    expect(failed.status?.failed).toBe(1);
    expect(terminal(failed).map((c) => [c.type, c.reason])).toEqual([['Failed', 'BackoffLimitExceeded']]);
    const pod = await build.pod();
    expect(pod?.status?.phase).toBe('Failed');
    // As from a real kubelet: the container says why, the pod itself carries no reason.
    expect(pod?.status?.reason).toBeUndefined();
    const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(terminated?.message).toMatch(/^error building image: /);
    // The log tail a user would be shown is there for a failed build too.
    const tail = String(
      await core.readNamespacedPodLog({
        name: pod?.metadata?.name ?? '',
        namespace: env.buildNamespace,
        tailLines: 1,
      }),
    );
    expect(tail).toMatch(/^INFO\[\d{4}\] /);
  });

  it('leaves a build whose builder image cannot be pulled (:fail-pull) Pending in ImagePullBackOff, Job unfinished', async () => {
    const build = await startBuild('fail-pull');
    const waiting = await eventually('ImagePullBackOff', async () => {
      const pod = await build.pod();
      return pod?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff'
        ? pod
        : undefined;
    });
    expect(waiting.status?.phase).toBe('Pending');
    expect(waiting.status?.containerStatuses?.[0]?.state?.waiting?.message).toContain(`${KANIKO}:fail-pull`);
    await sleep(3000);
    const later = await build.pod();
    expect(later?.status?.phase).toBe('Pending');
    const found = await batch.readNamespacedJob({ name: build.name, namespace: env.buildNamespace });
    expect(terminal(found)).toEqual([]);
    expect(found.status?.active).toBe(1);
  });

  it('keeps a :push build running until the stand-in writes the pushed digest on its pod, then reports exactly that digest', async () => {
    const build = await startBuild(`push@sha256:${'0'.repeat(64)}`);
    const running = await eventually('push build running', async () => {
      const pod = await build.pod();
      return pod?.status?.phase === 'Running' ? pod : undefined;
    });
    await sleep(3000);
    expect(
      terminal(await batch.readNamespacedJob({ name: build.name, namespace: env.buildNamespace })),
    ).toEqual([]);
    const digest = `sha256:${createHash('sha256').update(build.name).digest('hex')}`;
    await core.patchNamespacedPod({
      name: running.metadata?.name ?? '',
      namespace: env.buildNamespace,
      body: [
        { op: 'add', path: '/metadata/annotations', value: { 'fleetplane.test/pushed-digest': digest } },
      ],
    });
    await eventually('push build Complete', () => jobCondition(env.buildNamespace, build.name, 'Complete'));
    const terminated = (await build.pod())?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated).toMatchObject({ exitCode: 0, reason: 'Completed', message: digest });
  });

  it('keeps a :slow build running for about 10 s, observable in between, then completes it', async () => {
    const build = await startBuild('slow');
    const running = await eventually('slow build running', async () => {
      const pod = await build.pod();
      return pod?.status?.phase === 'Running' ? pod : undefined;
    });
    const runningAfter = (Date.now() - build.started) / 1000;
    expect(running.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
    const midway = await batch.readNamespacedJob({ name: build.name, namespace: env.buildNamespace });
    expect(terminal(midway)).toEqual([]);
    expect(midway.status?.active).toBe(1);
    await eventually(
      'slow build Complete',
      () => jobCondition(env.buildNamespace, build.name, 'Complete'),
      30_000,
    );
    const seconds = (Date.now() - build.started) / 1000;
    console.log(
      `slow build Job: Running after ${runningAfter.toFixed(1)} s, Complete after ${seconds.toFixed(1)} s`,
    );
    expect(runningAfter).toBeLessThan(5);
    expect(seconds).toBeGreaterThanOrEqual(10);
    expect(seconds).toBeLessThan(20);
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
    // kwok's ClusterLogs cover the agents and builds namespaces only: a pod elsewhere has no log.
    const namespace = `nolog-${run}`;
    await core.createNamespace({
      body: { metadata: { name: namespace, labels: { 'fleetplane.io/test': run } } },
    });
    try {
      // The ServiceAccount admission plugin refuses pods until the namespace's `default` exists.
      await eventually('default ServiceAccount', () =>
        core.readNamespacedServiceAccount({ name: 'default', namespace }),
      );
      const agent = `nolog-${run}`;
      const name = `${agent}-0`;
      await runningPod(namespace, name, {
        'app.kubernetes.io/managed-by': 'fleetplane',
        'fleetplane.io/agent': agent,
      });
      const refusal = await core.readNamespacedPodLog({ name, namespace }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((refusal as ApiException<string>).code).toBe(400);
      expect(JSON.parse(String((refusal as ApiException<string>).body))).toMatchObject({
        reason: 'BadRequest',
        message: `no logs found for container "main" in pod "${namespace}/${name}"`,
      });
      const cluster = new KubeCluster({ namespace, kubeconfig: readFileSync(env.kubeconfigPath, 'utf8') });
      await expect(cluster.podLogs(agent, { tailLines: 10 })).rejects.toBeInstanceOf(ClusterRejectedError);
    } finally {
      await core.deleteNamespace({ name: namespace }).catch(() => {});
    }
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

const MANIFEST_TYPES =
  'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

/** user:password from a docker config's `auths[host].auth`, as a registry client would read it. */
function credentialsFrom(dockerConfig: string, host: string): { username: string; password: string } {
  const auths = (JSON.parse(dockerConfig) as { auths: Record<string, { auth: string }> }).auths;
  const decoded = Buffer.from(auths[host]?.auth ?? '', 'base64').toString();
  const colon = decoded.indexOf(':');
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `Bearer realm="x",service="y"` -> { scheme: 'bearer', params: { realm: 'x', service: 'y' } } */
function parseChallenge(header: string | null): { scheme: string; params: Record<string, string> } {
  const [scheme = '', rest = ''] = (header ?? '').split(/ (.*)/s);
  const params: Record<string, string> = {};
  for (const m of rest.matchAll(/(\w+)="([^"]*)"/g)) params[m[1] as string] = m[2] as string;
  return { scheme: scheme.toLowerCase(), params };
}

/**
 * HEAD of a manifest as the product's registry client will do it (that client comes later and
 * will be tested on the same registries): try anonymously; on a 401, follow the challenge, either
 * basic auth or the token flow (GET the realm with basic credentials, retry with the bearer token).
 * Returns the last response: the registry's, or the realm's when it refused.
 */
async function headManifest(
  host: string,
  repository: string,
  reference: string,
  credentials: { username: string; password: string },
): Promise<Response> {
  const url = `http://${host}/v2/${repository}/manifests/${reference}`;
  const first = await fetch(url, { method: 'HEAD', headers: { accept: MANIFEST_TYPES } });
  if (first.status !== 401) return first;
  const basic = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  const challenge = parseChallenge(first.headers.get('www-authenticate'));
  if (challenge.scheme === 'basic')
    return fetch(url, { method: 'HEAD', headers: { accept: MANIFEST_TYPES, authorization: basic } });
  if (challenge.scheme !== 'bearer' || !challenge.params.realm)
    throw new Error(`unexpected challenge ${first.headers.get('www-authenticate')}`);
  const realm = new URL(challenge.params.realm);
  if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
  if (challenge.params.scope) realm.searchParams.set('scope', challenge.params.scope);
  const tokenResponse = await fetch(realm, { headers: { authorization: basic } });
  if (tokenResponse.status !== 200) return tokenResponse;
  const body = (await tokenResponse.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  return fetch(url, {
    method: 'HEAD',
    headers: { accept: MANIFEST_TYPES, authorization: `Bearer ${token}` },
  });
}

describe('registry (basic auth, as started here)', () => {
  it("finds a pushed image's manifest with the registry's credentials", async () => {
    const pushed = await pushTestImage(env.registry, 'fleetplane/smoke', `t-${run}`);
    const credentials = env.registryAuth ?? { username: '', password: '' };
    const found = await headManifest(env.registry, 'fleetplane/smoke', `t-${run}`, credentials);
    expect(found.status).toBe(200);
    expect(found.headers.get('docker-content-digest')).toBe(pushed.digest);
    const missing = await headManifest(env.registry, 'fleetplane/smoke', `absent-${run}`, credentials);
    expect(missing.status).toBe(404);
  });

  it.skipIf(!env.registryAuth)('refuses requests without or with wrong credentials', async () => {
    const url = `http://${env.registry}/v2/fleetplane/smoke/manifests/t-${run}`;
    const anonymous = await fetch(url, { method: 'HEAD' });
    expect(anonymous.status).toBe(401);
    expect(parseChallenge(anonymous.headers.get('www-authenticate'))).toEqual({
      scheme: 'basic',
      params: { realm: 'fleetplane-test-registry' },
    });
    const auth = env.registryAuth as { username: string; password: string };
    const wrong = await headManifest(env.registry, 'fleetplane/smoke', `t-${run}`, {
      username: auth.username,
      password: `${auth.password}x`,
    });
    expect(wrong.status).toBe(401);
    // The docker config the environment hands out carries the same, working credentials.
    expect(credentialsFrom(env.registryDockerConfig ?? '{"auths":{}}', env.registry)).toEqual(auth);
  });
});

describe('registry with the token flow (as DigitalOcean Container Registry authenticates)', () => {
  let registry: TokenRegistry;
  beforeAll(async () => {
    registry = await startTokenRegistry({ stateFile: env.stateFile });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('takes a crane push through the token flow; a HEAD after the challenge finds it, a missing tag is 404', async () => {
    const pushed = await pushTestImage(registry.host, 'fleetplane/token', `t-${run}`, registry);
    // crane went to the realm with the basic credentials and was granted push.
    expect(registry.tokenRequests.some((r) => r.grantedTo === registry.username)).toBe(true);

    const anonymous = await fetch(`http://${registry.host}/v2/fleetplane/token/manifests/t-${run}`, {
      method: 'HEAD',
    });
    expect(anonymous.status).toBe(401);
    expect(parseChallenge(anonymous.headers.get('www-authenticate'))).toEqual({
      scheme: 'bearer',
      params: { realm: registry.realm, service: registry.service, scope: 'repository:fleetplane/token:pull' },
    });

    const credentials = credentialsFrom(registry.dockerConfig, registry.host);
    const asked = registry.tokenRequests.length;
    const found = await headManifest(registry.host, 'fleetplane/token', `t-${run}`, credentials);
    expect(found.status).toBe(200);
    expect(found.headers.get('docker-content-digest')).toBe(pushed.digest);
    expect(registry.tokenRequests.slice(asked)).toEqual([
      {
        scopes: ['repository:fleetplane/token:pull'],
        service: registry.service,
        grantedTo: registry.username,
        status: 200,
      },
    ]);
    const missing = await headManifest(registry.host, 'fleetplane/token', `absent-${run}`, credentials);
    expect(missing.status).toBe(404);
  });

  it('answers 401 for wrong credentials (at the realm) and for a token of another repository', async () => {
    const wrong = await headManifest(registry.host, 'fleetplane/token', `t-${run}`, {
      username: registry.username,
      password: `${registry.password}x`,
    });
    expect(wrong.status).toBe(401);
    expect(registry.tokenRequests.at(-1)).toMatchObject({ grantedTo: null, status: 401 });

    // A valid token scoped to one repository does not open another.
    const realm = new URL(registry.realm);
    realm.searchParams.set('service', registry.service);
    realm.searchParams.set('scope', 'repository:fleetplane/other:pull');
    const basic = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;
    const { token } = (await (await fetch(realm, { headers: { authorization: basic } })).json()) as {
      token: string;
    };
    const denied = await fetch(`http://${registry.host}/v2/fleetplane/token/manifests/t-${run}`, {
      method: 'HEAD',
      headers: { accept: MANIFEST_TYPES, authorization: `Bearer ${token}` },
    });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });
});

describe('request counters', () => {
  it.skipIf(!onKwok)(
    'count API server requests by verb and resource: 5 lists of Deployments raise LIST by exactly 5',
    async () => {
      // Namespaced scope: the controllers' informers list cluster-wide, so only this test counts here.
      const lists = { verb: 'LIST', resource: 'deployments', scope: 'namespace' };
      const before = await apiServerRequestCounts(env.kubeconfigPath);
      for (let i = 0; i < 5; i++) await apps.listNamespacedDeployment({ namespace: env.namespace });
      const after = await apiServerRequestCounts(env.kubeconfigPath);
      expect(after.count(lists) - before.count(lists)).toBe(5);
      expect(requestsBetween(before, after)['LIST deployments']).toBeGreaterThanOrEqual(5);
      expect(after.count({ verb: 'LIST', resource: 'deployments', code: '200' })).toBeGreaterThanOrEqual(5);
    },
  );

  it.skipIf(!env.local.s3)(
    'count MinIO requests by S3 API: 3 PutObject calls and 1 list raise exactly those counters',
    async () => {
      const s3 = s3Client(env.s3);
      try {
        const Bucket = env.s3.bucket;
        const before = await minioRequestCounts(env.s3);
        const beforeBucket = await minioRequestCounts(env.s3, { bucket: Bucket });
        for (let i = 0; i < 3; i++)
          await s3.send(new PutObjectCommand({ Bucket, Key: `counts/${run}/${i}.json`, Body: '{}' }));
        await s3.send(new ListObjectsV2Command({ Bucket, Prefix: `counts/${run}/` }));
        const after = await minioRequestCounts(env.s3);
        const afterBucket = await minioRequestCounts(env.s3, { bucket: Bucket });
        expect(requestsBetween(before, after)).toEqual({ PutObject: 3, ListObjectsV2: 1 });
        expect(requestsBetween(beforeBucket, afterBucket)).toEqual({ PutObject: 3, ListObjectsV2: 1 });
      } finally {
        s3.destroy();
      }
    },
  );
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
