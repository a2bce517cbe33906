/**
 * The Kubernetes object types the builders produce. Type-only imports from the client
 * library (erased at build time); Gateway API types are ours, as the library has none.
 */
import type {
  V1ConfigMap,
  V1Deployment,
  V1Ingress,
  V1NetworkPolicy,
  V1ObjectMeta,
  V1PodDisruptionBudget,
  V1Service,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';

/** Where a route on the shared host sends requests: a path prefix and the Service behind it. */
export interface RouteTarget {
  path: string;
  service: string;
}

export interface HTTPRoute {
  apiVersion: 'gateway.networking.k8s.io/v1';
  kind: 'HTTPRoute';
  metadata: V1ObjectMeta;
  spec: {
    parentRefs: { name: string; namespace?: string; sectionName?: string }[];
    hostnames?: string[];
    rules: {
      matches: { path: { type: 'PathPrefix' | 'Exact'; value: string } }[];
      backendRefs: { name: string; port: number }[];
    }[];
  };
  /** Written by the Gateway controller, never by us. */
  status?: {
    parents?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] }[];
  };
}

export type AgentObject =
  | V1ConfigMap
  | V1Deployment
  | V1Service
  | V1Ingress
  | HTTPRoute
  | V2HorizontalPodAutoscaler
  | V1PodDisruptionBudget
  | V1NetworkPolicy;

/** Every kind an agent may own, with its API path parts: one list call per kind for status. */
export const AGENT_KINDS = [
  { kind: 'ConfigMap', apiVersion: 'v1', plural: 'configmaps' },
  { kind: 'Deployment', apiVersion: 'apps/v1', plural: 'deployments' },
  { kind: 'Service', apiVersion: 'v1', plural: 'services' },
  { kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', plural: 'ingresses' },
  { kind: 'HTTPRoute', apiVersion: 'gateway.networking.k8s.io/v1', plural: 'httproutes' },
  { kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2', plural: 'horizontalpodautoscalers' },
  { kind: 'PodDisruptionBudget', apiVersion: 'policy/v1', plural: 'poddisruptionbudgets' },
  { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', plural: 'networkpolicies' },
] as const;

export type AgentKind = (typeof AGENT_KINDS)[number]['kind'];
