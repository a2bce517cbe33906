/**
 * The agent's ClusterIP Service (80 -> the container's `http` port), the one backend that
 * the Ingress or the HTTPRoute routes to.
 *
 * Pure.
 */
import type { V1Service } from '@kubernetes/client-node';
import { objectNames, podSelector } from './labels.ts';
import { metaOf, type RenderInput } from './render-input.ts';

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
