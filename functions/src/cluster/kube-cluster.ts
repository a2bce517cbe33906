/**
 * The Kubernetes cluster behind the Cluster interface, through @kubernetes/client-node:
 * server-side apply (field manager `fleetplane`) of objects in parallel, one list call per
 * kind by label selector, deletes that tolerate objects already gone, pod log tails.
 *
 * WARNING: this module pulls in the whole client library (~75 ms to load). Function entries
 * must import it lazily, on the first request that needs the cluster.
 */
import {
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  type V1APIResourceList,
  type V1Deployment,
  type V1Pod,
  VersionApi,
} from '@kubernetes/client-node';
import { POOL_NAME, REPORT_LABEL } from '#agent-runtime/pool-contract';
import { agentSelector, FIELD_MANAGER } from '../core/agent-objects/labels.ts';
import { AGENT_KINDS, type AgentObject } from '../core/agent-objects/types.ts';
import { ClusterRejectedError } from '../core/errors.ts';
import { type AppliedObject, mergeObserved, type ObjectRef, type Observed, refOf } from '../core/observed.ts';
import { POOL_SELECTOR_TEXT } from '../core/pool-objects/pool-input.ts';
import { POOL_KINDS } from '../core/pool-objects/render.ts';
import { type PoolObserved, reportsByPod } from '../core/pool-observed.ts';
import {
  type BuildCluster,
  type Cluster,
  linesOf,
  type ObserveScope,
  POOLED_LOG_WINDOW,
  type PodLog,
} from './cluster.ts';
import { KubeBuilds } from './kube-builds.ts';
import { httpStatusOf, toClusterError } from './kube-errors.ts';
import { collectionPath, KubeHttp } from './kube-http.ts';
import { observeSelectors } from './observe-selectors.ts';
import { readPodLogs } from './pod-logs.ts';

/** Discovery results we know ahead of time: skips a discovery round trip per kind on cold start. */
const KNOWN_RESOURCES: { apiVersion: string; kind: string; plural: string }[] = [
  ...AGENT_KINDS,
  { kind: 'Pod', apiVersion: 'v1', plural: 'pods' },
  { kind: 'Job', apiVersion: 'batch/v1', plural: 'jobs' },
  { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', plural: 'leases' },
];

/** The resource name of a kind we manage (pods, deployments, ...). */
function pluralOf(kind: string): string {
  return KNOWN_RESOURCES.find((resource) => resource.kind === kind)?.plural ?? `${kind.toLowerCase()}s`;
}

class PreloadedObjectApi extends KubernetesObjectApi {
  static preloaded(kubeConfig: KubeConfig, namespace: string): PreloadedObjectApi {
    const api = KubernetesObjectApi.makeApiClient(kubeConfig) as PreloadedObjectApi;
    Object.setPrototypeOf(api, PreloadedObjectApi.prototype);
    api.defaultNamespace = namespace;
    for (const { apiVersion, kind, plural } of KNOWN_RESOURCES) {
      const list: V1APIResourceList = api.apiVersionResourceCache[apiVersion] ?? {
        groupVersion: apiVersion,
        resources: [],
      };
      list.resources.push({
        kind,
        name: plural,
        namespaced: true,
        singularName: kind.toLowerCase(),
        verbs: [],
      });
      api.apiVersionResourceCache[apiVersion] = list;
    }
    return api;
  }
}

export interface KubeClusterOptions {
  namespace: string;
  /** Kubeconfig as YAML text (from a file, or FLEETPLANE_KUBECONFIG_DATA decoded). */
  kubeconfig: string;
  dryRun?: boolean;
}

export class KubeCluster implements Cluster {
  readonly description: string;
  private readonly objects: PreloadedObjectApi;
  private readonly core: CoreV1Api;
  private readonly version: VersionApi;
  private readonly http: KubeHttp;
  private readonly options: KubeClusterOptions;

  constructor(options: KubeClusterOptions) {
    this.options = options;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(options.kubeconfig);
    this.description = kubeConfig.getCurrentCluster()?.server ?? 'kubernetes';
    this.objects = PreloadedObjectApi.preloaded(kubeConfig, options.namespace);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.version = kubeConfig.makeApiClient(VersionApi);
    this.http = new KubeHttp(kubeConfig);
  }

  private async list<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string,
    selector: string,
  ): Promise<(T & { apiVersion: string; kind: string })[]> {
    try {
      const list = await this.http.json<{ items?: T[] }>(
        'GET',
        collectionPath(apiVersion, pluralOf(kind), namespace),
        {
          query: { labelSelector: selector },
        },
      );
      return (list.items ?? []).map((item) => ({ ...item, apiVersion, kind }));
    } catch (error) {
      // An optional API (Gateway API) that is not installed lists as empty.
      if (httpStatusOf(error) === 404 && kind === 'HTTPRoute') return [];
      throw toClusterError(error, `list ${kind} objects`);
    }
  }

  /** One list call per kind (and one of pods) for each selector of the scope, all at once. */
  async observe(scope: ObserveScope): Promise<Observed> {
    return mergeObserved(
      await Promise.all(observeSelectors(scope).map((selector) => this.observeBy(selector))),
    );
  }

  private async observeBy(selector: string): Promise<Observed> {
    const { namespace } = this.options;
    const [kinds, pods] = await Promise.all([
      Promise.all(
        AGENT_KINDS.map(({ apiVersion, kind }) => this.list(apiVersion, kind, namespace, selector)),
      ),
      this.list<V1Pod>('v1', 'Pod', namespace, selector),
    ]);
    const byKind = (kind: string) => kinds[AGENT_KINDS.findIndex((entry) => entry.kind === kind)] ?? [];
    const live = kinds.flat();
    return {
      objects: live.map((object) => refOf(object)),
      live,
      deployments: byKind('Deployment') as Observed['deployments'],
      pods: pods as Observed['pods'],
      hpas: byKind('HorizontalPodAutoscaler') as Observed['hpas'],
      ingresses: byKind('Ingress') as Observed['ingresses'],
      httpRoutes: byKind('HTTPRoute') as unknown as Observed['httpRoutes'],
    };
  }

  async observePool(options: { objects?: boolean } = {}): Promise<PoolObserved> {
    const { namespace } = this.options;
    const [live, pods, leases] = await Promise.all([
      options.objects
        ? Promise.all(
            POOL_KINDS.map(({ apiVersion, kind }) =>
              this.list(apiVersion, kind, namespace, POOL_SELECTOR_TEXT),
            ),
          ).then((kinds) => kinds.flat())
        : this.getOptional<V1Deployment>('apps/v1', 'Deployment', POOL_NAME).then((found) =>
            found ? [found] : [],
          ),
      this.list<V1Pod>('v1', 'Pod', namespace, POOL_SELECTOR_TEXT),
      this.list('coordination.k8s.io/v1', 'Lease', namespace, `${REPORT_LABEL}=${POOL_NAME}`),
    ]);
    const deployments = live.filter((object) => object.kind === 'Deployment') as V1Deployment[];
    return {
      live: options.objects ? live : [],
      deployments,
      pods,
      reports: reportsByPod(leases, pods),
    };
  }

  /** One object by name, or undefined when there is none. */
  private async getOptional<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    name: string,
  ): Promise<(T & { apiVersion: string; kind: string }) | undefined> {
    try {
      const found = await this.http.json<T>(
        'GET',
        `${collectionPath(apiVersion, pluralOf(kind), this.options.namespace)}/${encodeURIComponent(name)}`,
      );
      return { ...found, apiVersion, kind };
    } catch (error) {
      if (httpStatusOf(error) === 404) return undefined;
      throw toClusterError(error, `get ${kind} ${name}`);
    }
  }

  async apply(objects: AgentObject[], observed: ObjectRef[]): Promise<AppliedObject[]> {
    const dryRun = this.options.dryRun ? 'All' : undefined;
    return Promise.all(
      objects.map(async (object) => {
        const name = object.metadata?.name ?? '';
        let applied: KubernetesObject;
        try {
          applied = await this.http.json<KubernetesObject>(
            'PATCH',
            `${collectionPath(object.apiVersion ?? '', pluralOf(object.kind ?? ''), object.metadata?.namespace ?? this.options.namespace)}/${encodeURIComponent(name)}`,
            {
              query: { fieldManager: FIELD_MANAGER, force: 'true', dryRun },
              body: object,
              contentType: 'application/apply-patch+yaml',
            },
          );
        } catch (error) {
          if (httpStatusOf(error) === 404 && object.kind === 'HTTPRoute')
            throw new ClusterRejectedError(
              `the cluster refused to apply HTTPRoute ${name}: the Gateway API (HTTPRoute CRD) is not installed in the cluster`,
              { cause: error },
            );
          throw toClusterError(error, `apply ${object.kind} ${name}`);
        }
        const before = observed.find((ref) => ref.kind === object.kind && ref.name === name);
        const outcome = !before
          ? 'created'
          : before.resourceVersion === applied.metadata?.resourceVersion
            ? 'unchanged'
            : 'updated';
        return { kind: object.kind as string, name, outcome, live: applied };
      }),
    );
  }

  async delete(refs: ObjectRef[]): Promise<ObjectRef[]> {
    const changed = await Promise.all(
      refs.map(async (ref) => {
        const preconditions =
          ref.uid || ref.resourceVersion
            ? {
                preconditions: {
                  ...(ref.uid ? { uid: ref.uid } : {}),
                  ...(ref.resourceVersion ? { resourceVersion: ref.resourceVersion } : {}),
                },
              }
            : {};
        try {
          await this.objects.delete(
            {
              apiVersion: ref.apiVersion,
              kind: ref.kind,
              metadata: { name: ref.name, namespace: ref.namespace },
            },
            undefined,
            this.options.dryRun ? 'All' : undefined,
            undefined,
            undefined,
            'Background',
            { ...preconditions, propagationPolicy: 'Background' },
          );
          return undefined;
        } catch (error) {
          const status = httpStatusOf(error);
          if (status === 404) return undefined;
          // A failed precondition: the object was changed or re-created since it was observed.
          if (status === 409) return ref;
          throw toClusterError(error, `delete ${ref.kind} ${ref.name}`);
        }
      }),
    );
    return changed.filter((ref): ref is ObjectRef => ref !== undefined);
  }

  async podLogs(agent: string, options: { tailLines: number; pooled?: boolean }): Promise<PodLog[]> {
    if (options.pooled) {
      const pods = await this.list<V1Pod>('v1', 'Pod', this.options.namespace, POOL_SELECTOR_TEXT);
      const tails = await readPodLogs(this.core, this.options.namespace, pods, {
        tailLines: Math.min(options.tailLines * POOLED_LOG_WINDOW, 50_000),
      });
      return tails.map((log) => ({ ...log, lines: linesOf(agent, log.lines, options.tailLines) }));
    }
    const { items } = await this.objects
      .list<V1Pod>(
        'v1',
        'Pod',
        this.options.namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        agentSelector(agent),
      )
      .catch((error: unknown) => {
        throw toClusterError(error, `list the pods of ${agent}`);
      });
    return readPodLogs(this.core, this.options.namespace, items, options);
  }

  /** Kaniko build Jobs in `namespace`, through the same clients (and credentials). */
  buildsIn(namespace: string): BuildCluster {
    return new KubeBuilds({
      objects: this.objects,
      core: this.core,
      namespace,
      list: (apiVersion, kind, selector) => this.list(apiVersion, kind, namespace, selector),
    });
  }

  async ping(): Promise<void> {
    try {
      await this.version.getCode();
    } catch (error) {
      throw toClusterError(error, 'reach the API server');
    }
  }
}
