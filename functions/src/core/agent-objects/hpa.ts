/**
 * The agent's HorizontalPodAutoscaler (autoscaling/v2, CPU utilisation target), only when
 * autoscale is on. The Deployment then leaves `replicas` out, so the two never fight.
 *
 * Pure.
 */
import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { objectNames } from './labels.ts';
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
