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

export function buildPoolIngress(input: PoolInput): V1Ingress {
  const { platform } = input;
  const meta = poolMeta(input);
  if (platform.tlsIssuer) meta.annotations = { 'cert-manager.io/cluster-issuer': platform.tlsIssuer };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta,
    spec: {
      ...(platform.ingressClass ? { ingressClassName: platform.ingressClass } : {}),
      tls: [{ hosts: [platform.domain], secretName: platform.tlsSecretName }],
      rules: [
        {
          host: platform.domain,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: POOL_NAME, port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
    },
  };
}

export function buildPoolHttpRoute(input: PoolInput): HTTPRoute {
  const { gateway, domain } = input.platform;
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: poolMeta(input),
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
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [{ name: POOL_NAME, port: SERVICE_PORT }],
        },
      ],
    },
  };
}
