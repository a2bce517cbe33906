/**
 * The agent's Gateway API HTTPRoute, the alternative to the Ingress: `/<name>` on the shared
 * host, attached to the platform's Gateway. The pool's catch-all route is the same shape with
 * `/` for a path.
 *
 * Pure.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { PlatformSettings } from '../platform.ts';
import { objectNames } from './labels.ts';
import { basePathOf, metaOf, type RenderInput } from './render-input.ts';
import { SERVICE_PORT } from './service.ts';
import type { HTTPRoute, RouteTarget } from './types.ts';

export function buildHttpRoute(input: RenderInput): HTTPRoute {
  const name = objectNames.workload(input.spec.name);
  return httpRouteTo(input.platform, metaOf(input, name), { path: basePathOf(input), service: name });
}

/** An HTTPRoute on the shared host, attached to the platform's Gateway, that sends `target.path` to `target.service`. */
export function httpRouteTo(platform: PlatformSettings, meta: V1ObjectMeta, target: RouteTarget): HTTPRoute {
  const { gateway, domain } = platform;
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: meta,
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
          matches: [{ path: { type: 'PathPrefix', value: target.path } }],
          backendRefs: [{ name: target.service, port: SERVICE_PORT }],
        },
      ],
    },
  };
}
