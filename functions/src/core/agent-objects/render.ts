/**
 * All objects of one agent, in apply order (config before the workload that mounts it,
 * workload before what routes to it). A pooled agent is one object, its ConfigMap: the pool
 * (pool-objects/) serves it.
 *
 * Pure.
 */
import { tierOf } from '../tiers.ts';
import { buildConfigMap, buildPooledConfigMap, configChecksum } from './config-map.ts';
import { buildDeployment } from './deployment.ts';
import { buildHpa } from './hpa.ts';
import { buildHttpRoute } from './http-route.ts';
import { buildIngress } from './ingress.ts';
import { buildNetworkPolicy } from './network-policy.ts';
import { buildPdb } from './pod-disruption-budget.ts';
import type { RenderInput } from './render-input.ts';
import { buildService } from './service.ts';
import type { AgentObject } from './types.ts';

export function renderAgent(input: RenderInput): AgentObject[] {
  if (tierOf(input.spec) === 'pooled') return [buildPooledConfigMap(input)];
  const configMap = buildConfigMap(input);
  const routing = input.platform.routing;
  const objects: (AgentObject | undefined)[] = [
    configMap,
    buildDeployment(input, configChecksum(configMap)),
    buildService(input),
    routing === 'ingress' ? buildIngress(input) : routing === 'gateway' ? buildHttpRoute(input) : undefined,
    buildHpa(input),
    buildPdb(input),
    buildNetworkPolicy(input),
  ];
  return objects.filter((object): object is AgentObject => object !== undefined);
}
