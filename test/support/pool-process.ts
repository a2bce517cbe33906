/**
 * The pool as the tests run it: the real pool entry (agent-runtime/dist/agent-pool.mjs) as a
 * process out of the cluster, speaking for one of the pool Deployment's pods (kwok's pods run
 * nothing), with a kubeconfig of the pool's own ServiceAccount (manifests/13-pool-rbac.yaml), so
 * its RBAC is exercised as in a cluster. Must never leave its process behind (`stop`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { bundleRuntime, POOL_BUNDLE_PATH } from '../../agent-runtime/build.ts';
import { POOL_LABEL, POOL_NAME, POOL_NODE_FLAGS } from '../../agent-runtime/src/pool/contract.ts';

/**
 * A kubeconfig file holding a short-lived token of the pool's ServiceAccount (TokenRequest), and
 * how to remove it (works outside vitest too: the benchmarks use it).
 */
export async function poolKubeconfig(
  adminKubeconfigPath: string,
  namespace: string,
): Promise<{ path: string; remove(): Promise<void> }> {
  const admin = new KubeConfig();
  admin.loadFromFile(adminKubeconfigPath);
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the admin kubeconfig has no current cluster');
  const core = admin.makeApiClient(CoreV1Api);
  const { status } = await core.createNamespacedServiceAccountToken({
    name: POOL_NAME,
    namespace,
    body: { spec: { expirationSeconds: 3600, audiences: [] } },
  });
  if (!status?.token) throw new Error('no token for the pool ServiceAccount');
  const ca = cluster.caData ?? (cluster.caFile ? readFileSync(cluster.caFile).toString('base64') : undefined);
  const dir = await mkdtemp(join(tmpdir(), 'fp-pool-kube-'));
  const file = join(dir, 'kubeconfig');
  await writeFile(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server: cluster.server, 'certificate-authority-data': ca } }],
      users: [{ name: POOL_NAME, user: { token: status.token } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: POOL_NAME, namespace } }],
      'current-context': 'test',
    }),
  );
  return { path: file, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The pool Deployment's pods that are Ready (kwok makes them so), waiting for `count` of them. */
export async function readyPoolPods(
  adminKubeconfigPath: string,
  namespace: string,
  count: number,
): Promise<V1Pod[]> {
  const admin = new KubeConfig();
  admin.loadFromFile(adminKubeconfigPath);
  const core = admin.makeApiClient(CoreV1Api);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { items } = await core.listNamespacedPod({
      namespace,
      labelSelector: `${POOL_LABEL}=${POOL_NAME}`,
    });
    const ready = items.filter(
      (pod) =>
        !pod.metadata?.deletionTimestamp &&
        pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    if (ready.length >= count) return ready.slice(0, count);
    if (Date.now() > deadline) throw new Error(`only ${ready.length} of ${count} pool pods Ready after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface PoolProcess {
  pod: string;
  port: number;
  url: string;
  logs: string[];
  process: ChildProcess;
  stop(): Promise<void>;
}

let bundled: Promise<unknown> | undefined;

export async function startPoolProcess(options: {
  kubeconfigPath: string;
  namespace: string;
  pod: V1Pod;
  baseURL: string;
  env?: Record<string, string>;
}): Promise<PoolProcess> {
  bundled ??= bundleRuntime();
  await bundled;
  const logs: string[] = [];
  const pod = options.pod.metadata?.name ?? '';
  const child = spawn(process.execPath, [...POOL_NODE_FLAGS, POOL_BUNDLE_PATH], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      KUBECONFIG: options.kubeconfigPath,
      FLEETPLANE_NAMESPACE: options.namespace,
      POD_NAME: pod,
      POD_UID: options.pod.metadata?.uid ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      OPENAI_BASE_URL: options.baseURL,
      OPENAI_API_KEY: 'sk-test',
      FLEETPLANE_AGENT_SHUTDOWN_GRACE_MS: '500',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        logs.push(line);
        if (line.includes('"msg":"listening"')) resolve(JSON.parse(line).port);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    child.once('exit', (code) => reject(new Error(`the pool exited with ${code}: ${logs.join('\n')}`)));
  });
  return {
    pod,
    port,
    url: `http://127.0.0.1:${port}`,
    logs,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
