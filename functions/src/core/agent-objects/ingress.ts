/**
 * The agent's Ingress: `/<name>` on the shared host, TLS from cert-manager (class
 * configurable). The runtime serves under `/<name>` itself, so no controller-specific
 * rewrite is needed.
 *
 * Pure.
 */
import type { V1Ingress } from '@kubernetes/client-node';
import { objectNames } from './labels.ts';
import { basePathOf, metaOf, type RenderInput } from './render-input.ts';

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
