/**
 * How requests reach the pool: its Service, and the host's catch-all route to it (`/` on the
 * agents' host, Ingress or HTTPRoute like the agents'). A dedicated agent's own route
 * (`/<name>`) is a longer prefix, so it wins for that agent; every other path, pooled agents and
 * unknown names alike, reaches the pool, which answers 404 for a name it does not serve.
 *
 * Pure.
 */
import type { V1Ingress, V1Service } from '@kubernetes/client-node';
import { POOL_NAME } from '#agent-runtime/pool-contract';
import { httpRouteTo } from '../agent-objects/http-route.ts';
import { ingressTo } from '../agent-objects/ingress.ts';
import { SERVICE_PORT } from '../agent-objects/service.ts';
import type { HTTPRoute } from '../agent-objects/types.ts';
import { POOL_SELECTOR, type PoolInput, poolMeta } from './pool-input.ts';

export function buildPoolService(input: PoolInput): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: poolMeta(input),
    spec: {
      type: 'ClusterIP',
      selector: POOL_SELECTOR,
      ports: [{ name: 'http', port: SERVICE_PORT, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

/** The pool's routes take every path on the host that no dedicated agent's longer prefix claims. */
const CATCH_ALL = { path: '/', service: POOL_NAME };

export function buildPoolIngress(input: PoolInput): V1Ingress {
  return ingressTo(input.platform, poolMeta(input), CATCH_ALL);
}

export function buildPoolHttpRoute(input: PoolInput): HTTPRoute {
  return httpRouteTo(input.platform, poolMeta(input), CATCH_ALL);
}
