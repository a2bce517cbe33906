/**
 * The local target: the Cluster interface over child processes, so deploy, list, status,
 * rollback and delete run the very same reconcile and status code as on Kubernetes.
 *
 * Applied objects are kept as they were rendered. The Deployment, its ConfigMap and its HPA
 * decide the processes (LocalAgent): one per replica (`replicas`, or `minReplicas` with
 * autoscale, since nothing scales them locally); a changed config or env replaces them.
 * Deployment and Pod status are synthesised from the live processes, one pod per process
 * (ready, restarts, CrashLoopBackOff). Deleting an agent stops its processes and removes its
 * directory.
 *
 * Pooled agents' ConfigMaps go to one pool process (LocalPool) for all of them; its report is
 * what observePool answers, as a cluster's pool pods' Leases would. The proxy prefers an agent's
 * own ready processes, then the pool (a pooled agent, or one moving between tiers).
 *
 * Secrets: a `secretKeyRef` is read from the local secret files (local-secrets.ts), never from
 * the server's own environment; a missing one keeps the agent from starting, with the reason in
 * its pods' status. The server's OPENAI_API_KEY is the platform's key here.
 */
import { dirname, join } from 'node:path';
import type {
  KubernetesObject,
  V1ConfigMap,
  V1Deployment,
  V1Pod,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { POOL_LABEL, POOL_NAME } from '#agent-runtime/pool-contract';
import { type Cluster, linesOf, type ObserveScope, type PodLog } from '../cluster/cluster.ts';
import { RUNTIME_CONFIG_FILE } from '../core/agent-objects/config-map.ts';
import { unescapeKubernetes } from '../core/agent-objects/kubernetes-literal.ts';
import {
  AGENT_LABEL,
  FLEET_LABEL,
  GENERATION_ANNOTATION,
  LOCAL_PROCESSES_ANNOTATION,
  objectNames,
  POOLED,
  TIER_LABEL,
} from '../core/agent-objects/labels.ts';
import type { AgentObject } from '../core/agent-objects/types.ts';
import { type AppliedObject, emptyObserved, type ObjectRef, type Observed, refOf } from '../core/observed.ts';
import { DEFAULT_PLATFORM } from '../core/platform.ts';
import { emptyPool, type PoolObserved } from '../core/pool-observed.ts';
import type { Logger } from '../lib/logger.ts';
import { envValue } from '../wiring/env.ts';
import type { AgentProcess } from './agent-process.ts';
import { type DesiredAgent, LocalAgent, revisionOf } from './local-agent.ts';
import { LOCAL_POOL_POD, LocalPool } from './local-pool.ts';
import { localSecrets, type SecretReader } from './local-secrets.ts';

export interface LocalClusterOptions {
  bundlePath: () => Promise<string>;
  /** The pool's bundle; default: agent-pool.mjs beside the agent's bundle. */
  poolBundlePath?: () => Promise<string>;
  dataDir: string;
  /** The local server's env: only OPENAI_BASE_URL, OPENAI_API_KEY, PATH and HOME come from here. */
  env: Record<string, string | undefined>;
  /** Where agents' Secrets are read; default `<dataDir>/secrets`. */
  secretsDir?: string;
  /** The server's log: agent processes that exit on their own are told there. */
  log?: Logger;
}

/** What status reports as the image of a local agent. */
export const LOCAL_IMAGE = 'local:agent-runtime-bundle';

const keyOf = (object: { kind?: string; metadata?: { name?: string } }) =>
  `${object.kind}/${object.metadata?.name}`;

const isPooled = (object: { metadata?: { labels?: Record<string, string> } }) =>
  object.metadata?.labels?.[TIER_LABEL] === POOLED;

/**
 * The pool's env: the server's model settings, the platform's (pooled agents have no other),
 * and the pool's own shares (FLEETPLANE_POOL_AGENT_CONCURRENCY, _AGENT_QUEUE, _CONCURRENCY).
 */
function poolEnv(serverEnv: LocalClusterOptions['env']): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [
    'PATH',
    'HOME',
    'OPENAI_BASE_URL',
    'OPENAI_API_KEY',
    'FLEETPLANE_POOL_AGENT_CONCURRENCY',
    'FLEETPLANE_POOL_AGENT_QUEUE',
    'FLEETPLANE_POOL_CONCURRENCY',
  ]) {
    const value = serverEnv[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * The env a Deployment's container asks for, resolved locally, and what keeps it from starting
 * (Secrets that are not there). WARNING: the server's OPENAI_API_KEY stands for the platform's
 * key: it goes only where the Deployment takes OPENAI_API_KEY from the provider Secret (which
 * the renderer pairs only with a base URL of the platform's), never to an agent that brings a
 * base URL of its own. Every other Secret comes from `secrets`, never from the server's env.
 */
export function containerEnv(
  deployment: V1Deployment,
  serverEnv: LocalClusterOptions['env'],
  secrets: SecretReader,
): { env: Record<string, string>; problems: string[] } {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  for (const name of ['PATH', 'OPENAI_BASE_URL', 'HOME']) {
    const value = serverEnv[name];
    if (value !== undefined) env[name] = value;
  }
  const providerSecret =
    envValue(serverEnv, 'FLEETPLANE_PROVIDER_SECRET') ?? DEFAULT_PLATFORM.providerSecret.name;
  for (const item of deployment.spec?.template.spec?.containers[0]?.env ?? []) {
    const ref = item.valueFrom?.secretKeyRef;
    // As the kubelet expands it: the literal text the config wrote.
    if (item.value !== undefined) env[item.name] = unescapeKubernetes(item.value);
    else if (!ref?.name || !ref.key) continue;
    else if (ref.name === providerSecret) {
      const platformKey = serverEnv.OPENAI_API_KEY;
      if (item.name === 'OPENAI_API_KEY' && platformKey !== undefined) env[item.name] = platformKey;
    } else {
      const found = secrets(ref.name, ref.key);
      if ('value' in found) env[item.name] = found.value;
      else problems.push(`${item.name}: ${found.problem}`);
    }
  }
  // The config path and port are the local process's own.
  delete env.FLEETPLANE_AGENT_CONFIG;
  delete env.PORT;
  return { env, problems };
}

export class LocalCluster implements Cluster {
  readonly description = 'local processes';
  private readonly options: LocalClusterOptions;
  private readonly objects = new Map<string, { object: AgentObject; resourceVersion: number }>();
  private readonly agents = new Map<string, LocalAgent>();
  private version = 0;
  private closed = false;
  private readonly pool: LocalPool;

  private readonly secrets: SecretReader;
  /** requireApiKey of each stored ConfigMap (objects are replaced, never changed, on apply). */
  private readonly ownKeys = new WeakMap<V1ConfigMap, boolean>();

  constructor(options: LocalClusterOptions) {
    this.options = options;
    this.secrets = localSecrets(options.secretsDir ?? join(options.dataDir, 'secrets'));
    this.pool = new LocalPool({
      bundlePath:
        options.poolBundlePath ?? (async () => join(dirname(await options.bundlePath()), 'agent-pool.mjs')),
      env: poolEnv(options.env),
    });
  }

  /**
   * The loopback port for the agent's next request: one of its own ready processes (round
   * robin), else the pool while it holds the agent; undefined when neither can answer.
   */
  portOf(agent: string): number | undefined {
    return this.agents.get(agent)?.nextPort() ?? (this.pool.holds(agent) ? this.pool.port : undefined);
  }

  /** Whether the agent is deployed here (its processes, or the pool, may still be starting). */
  hasAgent(agent: string): boolean {
    return (
      this.objects.has(`Deployment/${objectNames.workload(agent)}`) ||
      this.objects.has(`ConfigMap/${objectNames.pooledConfig(agent)}`)
    );
  }

  /** The pooled configs as the pool loads them (the ConfigMap's version is its resourceVersion here). */
  private pooledConfigs() {
    return [...this.objects.values()]
      .filter(({ object }) => object.kind === 'ConfigMap' && isPooled(object))
      .map(({ object, resourceVersion }) => ({
        name: object.metadata?.labels?.[AGENT_LABEL] ?? '',
        generation: Number(object.metadata?.annotations?.[GENERATION_ANNOTATION]) || 0,
        version: String(resourceVersion),
        configJson: (object as V1ConfigMap).data?.[RUNTIME_CONFIG_FILE] ?? '',
      }));
  }

  /** Whether the agent has (or had) processes of its own to converge. */
  private runsOwnProcesses(agent: string): boolean {
    return this.agents.has(agent) || this.objects.has(`Deployment/${objectNames.workload(agent)}`);
  }

  /** Whether the agent's runtime config requires API keys of its own (it checks them itself). */
  hasOwnKeys(agent: string): boolean {
    const configMap = this.objectOf<V1ConfigMap>('ConfigMap', objectNames.configMap(agent));
    const text = configMap?.data?.[RUNTIME_CONFIG_FILE];
    if (!configMap || text === undefined) return false;
    let known = this.ownKeys.get(configMap);
    if (known === undefined) {
      known = (JSON.parse(text) as { requireApiKey?: unknown }).requireApiKey === true;
      this.ownKeys.set(configMap, known);
    }
    return known;
  }

  async ping(): Promise<void> {}

  async apply(objects: AgentObject[]): Promise<AppliedObject[]> {
    const results: AppliedObject[] = [];
    const agents = new Set<string>();
    for (const object of objects) {
      const key = keyOf(object);
      const before = this.objects.get(key);
      const same = before && JSON.stringify(before.object) === JSON.stringify(object);
      if (!same) this.objects.set(key, { object: structuredClone(object), resourceVersion: ++this.version });
      const agent = object.metadata?.labels?.[AGENT_LABEL];
      if (agent) agents.add(agent);
      results.push({
        kind: object.kind ?? '',
        name: object.metadata?.name ?? '',
        outcome: !before ? 'created' : same ? 'unchanged' : 'updated',
      });
    }
    // Level-triggered: each agent converges to its objects as they stand (a no-op when nothing changed).
    await Promise.all([
      ...[...agents].filter((agent) => this.runsOwnProcesses(agent)).map((agent) => this.sync(agent)),
      ...(objects.some(isPooled) && !this.closed ? [this.pool.set(this.pooledConfigs())] : []),
    ]);
    // Only Deployments have a live form here (no HPA controller, no ingress): answer with it.
    return results.map((result) => {
      const object = this.objects.get(`${result.kind}/${result.name}`)?.object;
      if (result.kind !== 'Deployment' || !object) return result;
      return {
        ...result,
        live: this.running(object as V1Deployment, object.metadata?.labels?.[AGENT_LABEL] ?? ''),
      };
    });
  }

  /** What the agent's objects ask to run now; undefined when it has no Deployment or config. */
  private desired(agent: string): DesiredAgent | undefined {
    const deployment = this.objectOf<V1Deployment>('Deployment', objectNames.workload(agent));
    const configMap = this.objectOf<V1ConfigMap>('ConfigMap', objectNames.configMap(agent));
    const configJson = configMap?.data?.[RUNTIME_CONFIG_FILE];
    if (!deployment || !configJson) return undefined;
    const { env, problems } = containerEnv(deployment, this.options.env, this.secrets);
    return {
      configJson,
      env,
      replicas: this.replicasOf(agent, deployment),
      ...(problems.length ? { configError: problems.join('; ') } : {}),
    };
  }

  /** Replicas to run: the Deployment's, or the HPA's minimum when autoscaling owns the count. */
  private replicasOf(agent: string, deployment: V1Deployment): number {
    const hpa = this.objectOf<V2HorizontalPodAutoscaler>(
      'HorizontalPodAutoscaler',
      objectNames.workload(agent),
    );
    return deployment.spec?.replicas ?? hpa?.spec?.minReplicas ?? 1;
  }

  private objectOf<T>(kind: string, name: string): T | undefined {
    return this.objects.get(`${kind}/${name}`)?.object as T | undefined;
  }

  /** Queues the agent's convergence to its objects (its one lifecycle); nothing after close. */
  private sync(agent: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    let local = this.agents.get(agent);
    if (!local) {
      const created: LocalAgent = new LocalAgent({
        name: agent,
        dir: join(this.options.dataDir, 'agents', agent),
        bundlePath: this.options.bundlePath,
        ...(this.options.log ? { log: this.options.log } : {}),
        onRetired: () => {
          if (this.agents.get(agent) === created) this.agents.delete(agent);
        },
      });
      local = created;
      this.agents.set(agent, local);
    }
    return local.sync(() => this.desired(agent));
  }

  async delete(refs: ObjectRef[]): Promise<ObjectRef[]> {
    const agents = new Set<string>();
    const changed: ObjectRef[] = [];
    let pooled = false;
    for (const ref of refs) {
      const key = `${ref.kind}/${ref.name}`;
      const current = this.objects.get(key);
      // Like the API server's preconditions: an object changed since it was observed is left alone.
      if (current && ref.resourceVersion && String(current.resourceVersion) !== ref.resourceVersion) {
        changed.push(ref);
        continue;
      }
      if (current && isPooled(current.object)) pooled = true;
      this.objects.delete(key);
      if (ref.agent) agents.add(ref.agent);
    }
    // Level-triggered again: an agent left without a Deployment stops and loses its directory.
    await Promise.all([
      ...[...agents].filter((agent) => this.agents.has(agent)).map((agent) => this.sync(agent)),
      ...(pooled && !this.closed ? [this.pool.set(this.pooledConfigs())] : []),
    ]);
    return changed;
  }

  private podOf(deployment: KubernetesObject, process: AgentProcess): V1Pod {
    const waiting = process.waitingReason
      ? { waiting: { reason: process.waitingReason, message: process.lastExit ?? '' } }
      : undefined;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: process.options.podName, labels: deployment.metadata?.labels ?? {} },
      spec: { containers: [{ name: 'agent' }], nodeName: 'localhost' },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: process.ready ? 'True' : 'False' }],
        containerStatuses: [
          {
            name: 'agent',
            image: 'local',
            imageID: '',
            ready: process.ready,
            restartCount: process.restarts,
            state: waiting ?? { running: { startedAt: process.startedAt } },
          },
        ],
      },
    };
  }

  /** A Deployment as a cluster would report it: its status synthesised from the live processes. */
  private running(rendered: V1Deployment, owner: string): V1Deployment {
    const processes = this.agents.get(owner)?.processes ?? [];
    const desired = this.desired(owner);
    const current = desired ? revisionOf(desired) : undefined;
    const ready = processes.filter((process) => process.ready).length;
    const template = rendered.spec?.template;
    return {
      ...rendered,
      // Marked as processes, so status speaks of them (only here: never on a stored object).
      metadata: {
        ...rendered.metadata,
        generation: 1,
        annotations: { ...rendered.metadata?.annotations, [LOCAL_PROCESSES_ANNOTATION]: 'true' },
      },
      // What actually runs is the local runtime bundle, not the rendered image; as many
      // processes as replicas, however the count was asked for.
      ...(rendered.spec && template?.spec
        ? {
            spec: {
              ...rendered.spec,
              replicas: this.replicasOf(owner, rendered),
              template: {
                ...template,
                spec: {
                  ...template.spec,
                  containers: template.spec.containers.map((c) => ({ ...c, image: LOCAL_IMAGE })),
                },
              },
            },
          }
        : {}),
      status: {
        observedGeneration: 1,
        replicas: processes.length,
        readyReplicas: ready,
        updatedReplicas: processes.filter((process) => process.options.revision === current).length,
        availableReplicas: ready,
      },
    };
  }

  async observe(scope: ObserveScope): Promise<Observed> {
    this.retryBlocked();
    const observed = emptyObserved();
    const agents = scope.agents && new Set(scope.agents);
    for (const { object, resourceVersion } of this.objects.values()) {
      const owner = object.metadata?.labels?.[AGENT_LABEL] ?? '';
      if (scope.agent && owner !== scope.agent) continue;
      if (agents && !agents.has(owner)) continue;
      if (scope.fleet && object.metadata?.labels?.[FLEET_LABEL] !== scope.fleet) continue;
      observed.objects.push(refOf(object, String(resourceVersion)));
      observed.live.push(object);
      if (object.kind !== 'Deployment') continue;
      observed.deployments.push(this.running(object as V1Deployment, owner));
      for (const process of this.agents.get(owner)?.processes ?? [])
        observed.pods.push(this.podOf(object, process));
    }
    return observed;
  }

  /**
   * Agents whose replicas wait for a Secret converge again (as a kubelet retries a container it
   * could not create): one that was written meanwhile starts them. Every status read and sweep
   * observes, so that is when; nothing is started when nothing changed.
   */
  private retryBlocked(): void {
    for (const [name, agent] of this.agents)
      if (agent.processes.some((process) => process.waitingReason === 'CreateContainerConfigError'))
        void this.sync(name);
  }

  /**
   * The pool as a cluster's would be seen: its stored objects (what the control plane applied,
   * inert here), a Deployment and one pod for the pool process, and the process's last report.
   */
  async observePool(): Promise<PoolObserved> {
    const observed = emptyPool();
    for (const { object } of this.objects.values())
      if (object.metadata?.labels?.[POOL_LABEL] === POOL_NAME) observed.live.push(object);
    const replica = this.pool.replica;
    if (!replica) return observed;
    // No target label: alone, the local server runs every agent here; beside a cluster, the
    // composite marks these pods local.
    const labels = { [POOL_LABEL]: POOL_NAME };
    const deployment: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: POOL_NAME, labels, generation: 1 },
      spec: {
        replicas: 1,
        selector: { matchLabels: { [POOL_LABEL]: POOL_NAME } },
        template: { metadata: { labels }, spec: { containers: [{ name: 'pool', image: LOCAL_IMAGE }] } },
      },
      status: {
        observedGeneration: 1,
        replicas: 1,
        readyReplicas: replica.ready ? 1 : 0,
        updatedReplicas: 1,
        availableReplicas: replica.ready ? 1 : 0,
      },
    };
    observed.deployments.push(deployment);
    observed.pods.push(this.podOf(deployment, replica));
    if (this.pool.report) observed.reports.set(LOCAL_POOL_POD, this.pool.report);
    return observed;
  }

  async podLogs(agent: string, options: { tailLines: number; pooled?: boolean }): Promise<PodLog[]> {
    if (options.pooled) {
      // A pooled agent's lines are the pool process's lines that name it.
      const replica = this.pool.replica;
      if (!replica) return [];
      return [
        {
          pod: replica.options.podName,
          container: 'pool',
          lines: linesOf(agent, replica.logs, options.tailLines),
        },
      ];
    }
    return (this.agents.get(agent)?.processes ?? []).map((process) => ({
      pod: process.options.podName,
      container: 'agent',
      lines: process.logs.slice(-options.tailLines),
    }));
  }

  /** Stops every agent process for good (server shutdown); applies after this start nothing. */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...[...this.agents.values()].map((agent) => agent.shutdown()), this.pool.stop()]);
  }
}
