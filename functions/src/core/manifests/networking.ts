/**
 * How traffic reaches an agent: its ClusterIP Service (80 -> 8080), and either an Ingress
 * (class configurable, TLS from cert-manager) or a Gateway API HTTPRoute, each routing
 * `/<name>` on the shared host to the Service. The runtime serves under `/<name>` itself,
 * so neither needs a controller-specific rewrite.
 *
 * Pure.
 */
import type { V1Ingress, V1Service } from '@kubernetes/client-node';
import { objectNames, podSelector } from './labels.ts';
import { basePathOf, metaOf, type RenderInput } from './render-input.ts';
import type { HTTPRoute } from './types.ts';

export const SERVICE_PORT = 80;

export function buildService(input: RenderInput): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metaOf(input, objectNames.workload(input.spec.name)),
    spec: {
      type: 'ClusterIP',
      selector: podSelector(input.spec.name),
      ports: [{ name: 'http', port: SERVICE_PORT, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

export function buildIngress(input: RenderInput): V1Ingress {
  const { platform } = input;
  const meta = metaOf(input, objectNames.workload(input.spec.name));
  if (platform.tlsIssuer)
    meta.annotations = { ...meta.annotations, 'cert-manager.io/cluster-issuer': platform.tlsIssuer };
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
                path: basePathOf(input),
                pathType: 'Prefix',
                backend: { service: { name: objectNames.workload(input.spec.name), port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
    },
  };
}

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
