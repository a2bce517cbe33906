/**
 * Scaling and availability: the HorizontalPodAutoscaler (autoscaling/v2, CPU target) when
 * autoscale is on, and a PodDisruptionBudget when more than one replica is wanted, so a
 * node drain never takes every pod of an agent at once.
 *
 * Pure.
 */
import type { V1PodDisruptionBudget, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { objectNames, podSelector } from './labels.ts';
import { metaOf, type RenderInput } from './render-input.ts';

export function buildHpa(input: RenderInput): V2HorizontalPodAutoscaler | undefined {
  const { scaling, name } = input.spec;
  if (!scaling.autoscale) return undefined;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metaOf(input, objectNames.workload(name)),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: objectNames.workload(name) },
      minReplicas: scaling.minReplicas,
      maxReplicas: scaling.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: scaling.targetCpuPercentage },
          },
        },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    },
  };
}

/** The smallest replica count the agent runs with. */
export function floorReplicas(input: RenderInput): number {
  const { scaling } = input.spec;
  return scaling.autoscale ? scaling.minReplicas : scaling.replicas;
}

export function buildPdb(input: RenderInput): V1PodDisruptionBudget | undefined {
  if (floorReplicas(input) < 2) return undefined;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metaOf(input, objectNames.workload(input.spec.name)),
    spec: { maxUnavailable: 1, selector: { matchLabels: podSelector(input.spec.name) } },
  };
}
