/**
 * The agent's PodDisruptionBudget, when it runs at least two replicas, so a node drain
 * never takes every pod of an agent at once.
 *
 * Pure.
 */
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import { objectNames, podSelector } from './labels.ts';
import { metaOf, type RenderInput } from './render-input.ts';

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
