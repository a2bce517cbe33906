/**
 * All objects of one agent, in apply order (config before the workload that mounts it,
 * workload before what routes to it).
 *
 * Pure.
 */
import { buildConfigMap, configChecksum } from './config-map.ts';
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
