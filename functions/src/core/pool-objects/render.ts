/**
 * Every object of the pool, in apply order: Deployment, Service, the catch-all route, HPA, PDB
 * and NetworkPolicy. The NetworkPolicy admits what an agent's admits and lets out what an agent
 * calling the platform's provider may reach, plus the API server (its watch and its Leases: 443
 * is already open to addresses outside the cluster's ranges; 6443 is added for API servers that
 * listen there).
 *
 * Pure.
 */
import type {
  V1NetworkPolicy,
  V1PodDisruptionBudget,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { POOL_NAME } from '#agent-runtime/pool-contract';
import { agentIngress, modelEgress } from '../agent-objects/network-policy.ts';
import { AGENT_KINDS, type AgentObject } from '../agent-objects/types.ts';
import { buildPoolDeployment } from './deployment.ts';
import { POOL_SELECTOR, type PoolInput, poolMeta } from './pool-input.ts';
import { buildPoolHttpRoute, buildPoolIngress, buildPoolService } from './routing.ts';

export function buildPoolHpa(input: PoolInput): V2HorizontalPodAutoscaler {
  const { minReplicas, maxReplicas } = input.platform.pool;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: poolMeta(input),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: POOL_NAME },
      minReplicas,
      maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    },
  };
}

export function buildPoolPdb(input: PoolInput): V1PodDisruptionBudget | undefined {
  if (input.platform.pool.minReplicas < 2) return undefined;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: poolMeta(input),
    spec: { maxUnavailable: 1, selector: { matchLabels: POOL_SELECTOR } },
  };
}

export function buildPoolNetworkPolicy(input: PoolInput): V1NetworkPolicy {
  const { platform } = input;
  const egress = modelEgress(platform, platform.openaiBaseUrl);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: poolMeta(input),
    spec: {
      podSelector: { matchLabels: POOL_SELECTOR },
      policyTypes: ['Ingress', 'Egress'],
      ingress: agentIngress(platform),
      egress: [
        ...egress,
        {
          to: [
            {
              ipBlock: {
                cidr: '0.0.0.0/0',
                ...(platform.egressDenyCidrs.length ? { except: [...platform.egressDenyCidrs] } : {}),
              },
            },
          ],
          ports: [{ protocol: 'TCP', port: 6443 }],
        },
      ],
    },
  };
}

/** Every kind the pool may own: the agents' kinds but ConfigMap (it has none). */
export const POOL_KINDS = AGENT_KINDS.filter((entry) => entry.kind !== 'ConfigMap');

export function renderPool(input: PoolInput): AgentObject[] {
  const routing = input.platform.routing;
  const objects: (AgentObject | undefined)[] = [
    buildPoolDeployment(input),
    buildPoolService(input),
    routing === 'ingress'
      ? buildPoolIngress(input)
      : routing === 'gateway'
        ? buildPoolHttpRoute(input)
        : undefined,
    buildPoolHpa(input),
    buildPoolPdb(input),
    buildPoolNetworkPolicy(input),
  ];
  return objects.filter((object): object is AgentObject => object !== undefined);
}
