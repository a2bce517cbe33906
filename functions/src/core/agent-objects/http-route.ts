/**
 * The agent's Gateway API HTTPRoute, the alternative to the Ingress: `/<name>` on the shared
 * host, attached to the platform's Gateway.
 *
 * Pure.
 */
import { objectNames } from './labels.ts';
import { basePathOf, metaOf, type RenderInput } from './render-input.ts';
import { SERVICE_PORT } from './service.ts';
import type { HTTPRoute } from './types.ts';

export function buildHttpRoute(input: RenderInput): HTTPRoute {
  const { gateway, domain } = input.platform;
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: metaOf(input, objectNames.workload(input.spec.name)),
    spec: {
      parentRefs: [
        {
          name: gateway.name,
          namespace: gateway.namespace,
          ...(gateway.sectionName ? { sectionName: gateway.sectionName } : {}),
        },
      ],
      hostnames: [domain],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: basePathOf(input) } }],
          backendRefs: [{ name: objectNames.workload(input.spec.name), port: SERVICE_PORT }],
        },
      ],
    },
  };
}
