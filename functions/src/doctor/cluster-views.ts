/**
 * What doctor's cluster checks read of a cluster, as interfaces: as the functions' ServiceAccount
 * (its version, access reviews) and as an admin (get and list only). kube-views.ts implements
 * both over a kubeconfig; tests may hand in their own.
 */
import type { DoctorSettings } from './settings-checks.ts';

export interface AccessReview {
  namespace: string;
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
}

/** The cluster as the functions see it: their own kubeconfig. */
export interface FunctionsClusterView {
  /** The API server's version (a 401 or 403 throws). */
  version(): Promise<string>;
  /** One SelfSubjectAccessReview per review: allowed or not, in order. */
  canI(reviews: AccessReview[]): Promise<boolean[]>;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface GatewayView {
  addresses: string[];
  conditions: Condition[];
  listeners: { name: string; hostname?: string }[];
  annotations: Record<string, string>;
}

export interface CertManagerController {
  namespace: string;
  name: string;
  startedAt?: Date;
  gatewayApiEnabled: boolean;
}

/** The cluster as an admin reads it (get and list only). */
export interface AdminClusterView {
  namespaceLabels(name: string): Promise<Record<string, string> | undefined>;
  /** The keys of a Secret, never its values; undefined when there is no such Secret. */
  secretKeys(namespace: string, name: string): Promise<string[] | undefined>;
  ingressClasses(): Promise<{ name: string; isDefault: boolean }[]>;
  /** Addresses of LoadBalancer Services in these namespaces (IPs or host names). */
  loadBalancerAddresses(namespaces: string[]): Promise<string[]>;
  gateway(namespace: string, name: string): Promise<GatewayView | undefined>;
  crd(name: string): Promise<{ createdAt: Date; established: boolean } | undefined>;
  clusterIssuer(name: string): Promise<{ conditions: Condition[] } | undefined>;
  admissionPolicy(name: string): Promise<{ bound: boolean } | undefined>;
  /** The keys of a ConfigMap's data; undefined when there is no such ConfigMap. */
  configMapKeys(namespace: string, name: string): Promise<string[] | undefined>;
  /**
   * cert-manager's controller pods, wherever they run: when their running container started
   * (undefined while it is not running), and whether its configuration enables the Gateway API.
   */
  certManagerControllers(): Promise<CertManagerController[]>;
}

/** What the cluster checks get: the settings, the functions' view, and an admin's when at hand. */
export interface ClusterCheckInput {
  settings: DoctorSettings;
  functions: FunctionsClusterView;
  /** Undefined when no admin kubeconfig is at hand: those checks warn that they were skipped. */
  admin?: AdminClusterView;
}

export const conditionOf = (conditions: Condition[], type: string) => conditions.find((c) => c.type === type);
