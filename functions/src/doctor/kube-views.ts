/**
 * The Kubernetes reads behind doctor's cluster section, over a kubeconfig: as the functions'
 * ServiceAccount (its version, and SelfSubjectAccessReviews, which the API server answers and
 * stores nothing of), and with an admin's read access (namespaces, Secrets' keys, ingress
 * classes, Services, the Gateway, CRDs, the ClusterIssuer, the admission policy and its params'
 * keys, cert-manager's pods).
 *
 * Only GETs and access reviews: it changes nothing. A Secret's values are read by the API call
 * and dropped here: only its keys leave this module.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp } from '../cluster/kube-http.ts';
import { mapLimit } from '../lib/map-limit.ts';
import type {
  AccessReview,
  AdminClusterView,
  Condition,
  FunctionsClusterView,
  GatewayView,
} from './cluster-views.ts';

interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
}
interface Item<S = unknown, T = unknown> {
  metadata: Meta;
  spec?: S;
  status?: T;
  data?: Record<string, string>;
}

const isNotFound = (error: unknown) => (error as { code?: number }).code === 404;

export class KubeViews implements FunctionsClusterView, AdminClusterView {
  private readonly http: KubeHttp;

  constructor(kubeconfig: string) {
    const config = new KubeConfig();
    config.loadFromString(kubeconfig);
    this.http = new KubeHttp(config);
  }

  /** A GET; undefined for a 404 (no such object, or no such API: a CRD not installed). */
  private async find<T>(path: string, query?: Record<string, string>): Promise<T | undefined> {
    try {
      return await this.http.json<T>('GET', path, query ? { query } : {});
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async version(): Promise<string> {
    return (await this.http.json<{ gitVersion: string }>('GET', '/version')).gitVersion;
  }

  async canI(reviews: AccessReview[]): Promise<boolean[]> {
    return mapLimit(reviews, 8, async (review) => {
      const answer = await this.http.json<{ status?: { allowed?: boolean } }>(
        'POST',
        '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        {
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: review },
          },
        },
      );
      return answer.status?.allowed === true;
    });
  }

  async namespaceLabels(name: string) {
    const namespace = await this.find<Item>(`/api/v1/namespaces/${encodeURIComponent(name)}`);
    return namespace && (namespace.metadata.labels ?? {});
  }

  async secretKeys(namespace: string, name: string) {
    const secret = await this.find<Item>(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`,
    );
    return secret && Object.keys(secret.data ?? {});
  }

  async ingressClasses() {
    const list = await this.find<{ items: Item[] }>('/apis/networking.k8s.io/v1/ingressclasses');
    return (list?.items ?? []).map((item) => ({
      name: item.metadata.name,
      isDefault: item.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true',
    }));
  }

  async loadBalancerAddresses(namespaces: string[]) {
    const paths = namespaces.includes('*')
      ? ['/api/v1/services']
      : namespaces.map((ns) => `/api/v1/namespaces/${encodeURIComponent(ns)}/services`);
    const lists = await Promise.all(
      paths.map((path) =>
        this.find<{
          items: Item<
            { type?: string },
            { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } }
          >[];
        }>(path),
      ),
    );
    return lists
      .flatMap((list) => list?.items ?? [])
      .filter((service) => service.spec?.type === 'LoadBalancer')
      .flatMap((service) => service.status?.loadBalancer?.ingress ?? [])
      .flatMap((entry) => (entry.ip ? [entry.ip] : entry.hostname ? [entry.hostname] : []));
  }

  async gateway(namespace: string, name: string): Promise<GatewayView | undefined> {
    const gateway = await this.find<
      Item<
        { listeners?: { name: string; hostname?: string }[] },
        { addresses?: { value: string }[]; conditions?: Condition[] }
      >
    >(
      `/apis/gateway.networking.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/gateways/${encodeURIComponent(name)}`,
    );
    if (!gateway) return undefined;
    return {
      addresses: (gateway.status?.addresses ?? []).map((address) => address.value),
      conditions: gateway.status?.conditions ?? [],
      listeners: (gateway.spec?.listeners ?? []).map((l) => ({
        name: l.name,
        ...(l.hostname ? { hostname: l.hostname } : {}),
      })),
      annotations: gateway.metadata.annotations ?? {},
    };
  }

  async crd(name: string) {
    const crd = await this.find<Item<unknown, { conditions?: Condition[] }>>(
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}`,
    );
    if (!crd) return undefined;
    return {
      createdAt: new Date(crd.metadata.creationTimestamp ?? 0),
      established:
        crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false,
    };
  }

  async clusterIssuer(name: string) {
    const issuer = await this.find<Item<unknown, { conditions?: Condition[] }>>(
      `/apis/cert-manager.io/v1/clusterissuers/${encodeURIComponent(name)}`,
    );
    return issuer && { conditions: issuer.status?.conditions ?? [] };
  }

  async admissionPolicy(name: string) {
    const base = '/apis/admissionregistration.k8s.io/v1';
    const policy = await this.find<Item>(`${base}/validatingadmissionpolicies/${encodeURIComponent(name)}`);
    if (!policy) return undefined;
    const bindings = await this.find<{ items: Item<{ policyName?: string }>[] }>(
      `${base}/validatingadmissionpolicybindings`,
    );
    return { bound: (bindings?.items ?? []).some((binding) => binding.spec?.policyName === name) };
  }

  async configMapKeys(namespace: string, name: string) {
    const configMap = await this.find<Item>(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`,
    );
    return configMap && Object.keys(configMap.data ?? {});
  }

  async certManagerControllers() {
    type PodSpec = {
      containers?: { args?: string[] }[];
      volumes?: { configMap?: { name?: string } }[];
    };
    type PodStatus = { containerStatuses?: { state?: { running?: { startedAt?: string } } }[] };
    const pods = await this.find<{ items: Item<PodSpec, PodStatus>[] }>('/api/v1/pods', {
      labelSelector: 'app.kubernetes.io/name=cert-manager,app.kubernetes.io/component=controller',
    });
    // A pod being deleted (an old ReplicaSet's, a namespace going away) is not the controller.
    const live = (pods?.items ?? []).filter(
      (pod) => !(pod.metadata as { deletionTimestamp?: string }).deletionTimestamp,
    );
    return Promise.all(
      live.map(async (pod) => {
        const namespace = pod.metadata.namespace ?? '';
        const starts = (pod.status?.containerStatuses ?? []).flatMap(
          (c) => c.state?.running?.startedAt ?? [],
        );
        const startedAt =
          starts.length === (pod.status?.containerStatuses ?? []).length && starts.length
            ? starts.sort()[0]
            : undefined;
        return {
          namespace,
          name: pod.metadata.name,
          ...(startedAt ? { startedAt: new Date(startedAt) } : {}),
          gatewayApiEnabled: await this.gatewayApiEnabled(namespace, pod.spec ?? {}),
        };
      }),
    );
  }

  /**
   * Whether a cert-manager controller pod has the Gateway API on: its ControllerConfiguration
   * (the ConfigMap the chart mounts when `config` is set) says enableGatewayAPI: true, or, before
   * cert-manager 1.15, its arguments carry --enable-gateway-api.
   */
  private async gatewayApiEnabled(
    namespace: string,
    spec: { containers?: { args?: string[] }[]; volumes?: { configMap?: { name?: string } }[] },
  ): Promise<boolean> {
    if (spec.containers?.some((c) => c.args?.some((arg) => /^--enable-gateway-api(=true)?$/.test(arg))))
      return true;
    for (const volume of spec.volumes ?? []) {
      const name = volume.configMap?.name;
      if (!name) continue;
      const map = await this.find<Item>(
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`,
      );
      if (Object.values(map?.data ?? {}).some((text) => /^\s*enableGatewayAPI:\s*true\s*$/m.test(text)))
        return true;
    }
    return false;
  }
}
