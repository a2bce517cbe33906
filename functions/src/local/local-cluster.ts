/**
 * The local target: the Cluster interface over child processes, so deploy, list, status,
 * rollback and delete run the very same reconcile and status code as on Kubernetes.
 *
 * Applied objects are kept as they were rendered. The Deployment and its ConfigMap decide
 * the process: a changed config restarts it. Deployment and Pod status are synthesised from
 * the live process (ready, restarts, CrashLoopBackOff). One process per agent: replicas and
 * autoscaling are a cluster's business and are recorded, not simulated.
 *
 * Secrets: a `secretRef` env item is filled from the local server's own env var of the same
 * name, if set; nothing else is read. The server's OPENAI_API_KEY is the platform's key here.
 */
import type { KubernetesObject, V1ConfigMap, V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { Cluster, ObserveScope, PodLog } from '../cluster/cluster.ts';
import { RUNTIME_CONFIG_FILE } from '../core/agent-objects/config-map.ts';
import { AGENT_LABEL, FLEET_LABEL, objectNames } from '../core/agent-objects/labels.ts';
import type { AgentObject } from '../core/agent-objects/types.ts';
import { type AppliedObject, emptyObserved, type ObjectRef, type Observed, refOf } from '../core/observed.ts';
import { DEFAULT_PLATFORM } from '../core/platform.ts';
import { envValue } from '../wiring/env.ts';
import { AgentProcess } from './agent-process.ts';

export interface LocalClusterOptions {
  bundlePath: () => Promise<string>;
  dataDir: string;
  /** The local server's env: OPENAI_BASE_URL, OPENAI_API_KEY and secretRef values come from here. */
  env: Record<string, string | undefined>;
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
  private readonly processes = new Map<string, AgentProcess>();
  private version = 0;

  constructor(options: LocalClusterOptions) {
    this.options = options;
  }

  /** The loopback port an agent's process listens on, for the proxy. */
  portOf(agent: string): number | undefined {
    const process = this.processes.get(agent);
    return process?.port || undefined;
  }

  async ping(): Promise<void> {}

  async apply(objects: AgentObject[]): Promise<AppliedObject[]> {
    const results: AppliedObject[] = [];
    const changedAgents = new Set<string>();
    for (const object of objects) {
      const key = keyOf(object);
      const before = this.objects.get(key);
      const same = before && JSON.stringify(before.object) === JSON.stringify(object);
      if (!same) {
        this.objects.set(key, { object: structuredClone(object), resourceVersion: ++this.version });
        const agent = object.metadata?.labels?.[AGENT_LABEL];
        if (agent && (object.kind === 'Deployment' || object.kind === 'ConfigMap')) changedAgents.add(agent);
      }
      results.push({
        kind: object.kind ?? '',
        name: object.metadata?.name ?? '',
        outcome: !before ? 'created' : same ? 'unchanged' : 'updated',
      });
    }
    for (const agent of changedAgents) await this.restart(agent);
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

  private async restart(agent: string): Promise<void> {
    const deployment = this.objects.get(`Deployment/${objectNames.workload(agent)}`)?.object as
      | V1Deployment
      | undefined;
    const configMap = this.objects.get(`ConfigMap/${objectNames.configMap(agent)}`)?.object as
      | V1ConfigMap
      | undefined;
    const configJson = configMap?.data?.[RUNTIME_CONFIG_FILE];
    await this.processes.get(agent)?.stop();
    this.processes.delete(agent);
    if (!deployment || !configJson) return;
    const process = new AgentProcess({
      name: agent,
      configJson,
      bundlePath: await this.options.bundlePath(),
      dataDir: this.options.dataDir,
      env: containerEnv(deployment, this.options.env),
    });
    this.processes.set(agent, process);
    await process.start();
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
      if (ref.kind === 'Deployment') agents.add(ref.agent);
    }
    await Promise.all(
      [...agents].map(async (agent) => {
        await this.processes.get(agent)?.stop();
        this.processes.delete(agent);
      }),
    );
    return changed;
  }

  private podOf(agent: string, deployment: KubernetesObject): V1Pod | undefined {
    const process = this.processes.get(agent);
    if (!process) return undefined;
    const waiting = process.waitingReason
      ? { waiting: { reason: process.waitingReason, message: process.lastExit ?? '' } }
      : undefined;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${agent}-local`, labels: deployment.metadata?.labels ?? {} },
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

  /** A Deployment as a cluster would report it: its status synthesised from the live process. */
  private running(rendered: V1Deployment, owner: string): V1Deployment {
    const ready = this.processes.get(owner)?.ready ? 1 : 0;
    const template = rendered.spec?.template;
    return {
      ...rendered,
      metadata: { ...rendered.metadata, generation: 1 },
      // What actually runs is the local runtime bundle, not the rendered image.
      ...(rendered.spec && template?.spec
        ? {
            spec: {
              ...rendered.spec,
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
        replicas: 1,
        readyReplicas: ready,
        updatedReplicas: 1,
        availableReplicas: ready,
      },
    };
  }

  async observe(scope: ObserveScope): Promise<Observed> {
    const observed = emptyObserved();
    for (const { object, resourceVersion } of this.objects.values()) {
      const owner = object.metadata?.labels?.[AGENT_LABEL] ?? '';
      if (scope.agent && owner !== scope.agent) continue;
      if (scope.fleet && object.metadata?.labels?.[FLEET_LABEL] !== scope.fleet) continue;
      observed.objects.push(refOf(object, String(resourceVersion)));
      observed.live.push(object);
      if (object.kind !== 'Deployment') continue;
      observed.deployments.push(this.running(object as V1Deployment, owner));
      const pod = this.podOf(owner, object);
      if (pod) observed.pods.push(pod);
    }
    return observed;
  }

  async podLogs(agent: string, options: { tailLines: number }): Promise<PodLog[]> {
    const process = this.processes.get(agent);
    if (!process) return [];
    return [{ pod: `${agent}-local`, container: 'agent', lines: process.logs.slice(-options.tailLines) }];
  }

  /** Stops every agent process (server shutdown). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.processes.values()].map((process) => process.stop()));
    this.processes.clear();
  }
}
