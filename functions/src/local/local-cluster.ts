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
 * Secrets: a `secretRef` env item is filled from the local server's own env var of the same
 * name, if set; nothing else is read. The server's OPENAI_API_KEY is the platform's key here.
 */
import { join } from 'node:path';
import type {
  KubernetesObject,
  V1ConfigMap,
  V1Deployment,
  V1Pod,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { Cluster, ObserveScope, PodLog } from '../cluster/cluster.ts';
import { RUNTIME_CONFIG_FILE } from '../core/agent-objects/config-map.ts';
import {
  AGENT_LABEL,
  FLEET_LABEL,
  LOCAL_PROCESSES_ANNOTATION,
  objectNames,
} from '../core/agent-objects/labels.ts';
import type { AgentObject } from '../core/agent-objects/types.ts';
import { type AppliedObject, emptyObserved, type ObjectRef, type Observed, refOf } from '../core/observed.ts';
import { DEFAULT_PLATFORM } from '../core/platform.ts';
import type { Logger } from '../lib/logger.ts';
import { envValue } from '../wiring/env.ts';
import type { AgentProcess } from './agent-process.ts';
import { type DesiredAgent, LocalAgent, revisionOf } from './local-agent.ts';

export interface LocalClusterOptions {
  bundlePath: () => Promise<string>;
  dataDir: string;
  /** The local server's env: OPENAI_BASE_URL, OPENAI_API_KEY and secretRef values come from here. */
  env: Record<string, string | undefined>;
  /** The server's log: agent processes that exit on their own are told there. */
  log?: Logger;
}

/** What status reports as the image of a local agent. */
export const LOCAL_IMAGE = 'local:agent-runtime-bundle';

const keyOf = (object: { kind?: string; metadata?: { name?: string } }) =>
  `${object.kind}/${object.metadata?.name}`;

/**
 * The env a Deployment's container asks for, resolved locally (no Secrets here). WARNING: the
 * server's OPENAI_API_KEY stands for the platform's key: it goes only where the Deployment
 * takes OPENAI_API_KEY from the provider Secret (which the renderer pairs only with a base URL
 * of the platform's), never to an agent that brings a base URL of its own.
 */
export function containerEnv(
  deployment: V1Deployment,
  serverEnv: LocalClusterOptions['env'],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'OPENAI_BASE_URL', 'HOME']) {
    const value = serverEnv[name];
    if (value !== undefined) env[name] = value;
  }
  const providerSecret =
    envValue(serverEnv, 'FLEETPLANE_PROVIDER_SECRET') ?? DEFAULT_PLATFORM.providerSecret.name;
  for (const item of deployment.spec?.template.spec?.containers[0]?.env ?? []) {
    const ref = item.valueFrom?.secretKeyRef;
    if (item.value !== undefined) env[item.name] = item.value;
    else if (item.name === 'OPENAI_API_KEY' && ref?.name !== providerSecret) continue;
    else if (ref && serverEnv[item.name] !== undefined) env[item.name] = serverEnv[item.name] as string;
  }
  // The config path and port are the local process's own.
  delete env.FLEETPLANE_AGENT_CONFIG;
  delete env.PORT;
  return env;
}

export class LocalCluster implements Cluster {
  readonly description = 'local processes';
  private readonly options: LocalClusterOptions;
  private readonly objects = new Map<string, { object: AgentObject; resourceVersion: number }>();
  private readonly agents = new Map<string, LocalAgent>();
  private version = 0;
  private closed = false;

  constructor(options: LocalClusterOptions) {
    this.options = options;
  }

  /** The loopback port of the agent's next ready process (round robin), for the proxy. */
  portOf(agent: string): number | undefined {
    return this.agents.get(agent)?.nextPort();
  }

  /** Whether the agent is deployed here (its processes may still be starting). */
  hasAgent(agent: string): boolean {
    return this.objects.has(`Deployment/${objectNames.workload(agent)}`);
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
    await Promise.all([...agents].map((agent) => this.sync(agent)));
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
    return {
      configJson,
      env: containerEnv(deployment, this.options.env),
      replicas: this.replicasOf(agent, deployment),
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
    for (const ref of refs) {
      const key = `${ref.kind}/${ref.name}`;
      const current = this.objects.get(key);
      // Like the API server's preconditions: an object changed since it was observed is left alone.
      if (current && ref.resourceVersion && String(current.resourceVersion) !== ref.resourceVersion) {
        changed.push(ref);
        continue;
      }
      this.objects.delete(key);
      if (ref.agent) agents.add(ref.agent);
    }
    // Level-triggered again: an agent left without a Deployment stops and loses its directory.
    await Promise.all([...agents].map((agent) => this.sync(agent)));
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

  async podLogs(agent: string, options: { tailLines: number }): Promise<PodLog[]> {
    return (this.agents.get(agent)?.processes ?? []).map((process) => ({
      pod: process.options.podName,
      container: 'agent',
      lines: process.logs.slice(-options.tailLines),
    }));
  }

  /** Stops every agent process for good (server shutdown); applies after this start nothing. */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.agents.values()].map((agent) => agent.shutdown()));
  }
}
