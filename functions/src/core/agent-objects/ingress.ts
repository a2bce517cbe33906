/**
 * The agent's Ingress: `/<name>` on the shared host, TLS from cert-manager (class
 * configurable). The runtime serves under `/<name>` itself, so no controller-specific
 * rewrite is needed. The pool's catch-all Ingress is the same shape with `/` for a path.
 *
 * Pure.
 */
import type { V1Ingress, V1ObjectMeta } from '@kubernetes/client-node';
import type { PlatformSettings } from '../platform.ts';
import { objectNames } from './labels.ts';
import { basePathOf, metaOf, type RenderInput } from './render-input.ts';
import type { RouteTarget } from './types.ts';

export function buildIngress(input: RenderInput): V1Ingress {
  const name = objectNames.workload(input.spec.name);
  return ingressTo(input.platform, metaOf(input, name), { path: basePathOf(input), service: name });
}

/** An Ingress on the shared host that sends `target.path` to `target.service`. */
export function ingressTo(platform: PlatformSettings, meta: V1ObjectMeta, target: RouteTarget): V1Ingress {
  const metadata = platform.tlsIssuer
    ? { ...meta, annotations: { ...meta.annotations, 'cert-manager.io/cluster-issuer': platform.tlsIssuer } }
    : meta;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata,
    spec: {
      ...(platform.ingressClass ? { ingressClassName: platform.ingressClass } : {}),
      tls: [{ hosts: [platform.domain], secretName: platform.tlsSecretName }],
      rules: [
        {
          host: platform.domain,
          http: {
            paths: [
              {
                path: target.path,
                pathType: 'Prefix',
                backend: { service: { name: target.service, port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
    },
  };
}
