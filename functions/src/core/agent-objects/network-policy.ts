/**
 * The agent's NetworkPolicy: traffic in only to the HTTP port; traffic out only to DNS, to
 * HTTPS, and to the port of a configured OpenAI-compatible base URL (an in-cluster vLLM or
 * Ollama, say). Nothing else leaves an agent's pod.
 *
 * Pure.
 */
import type { V1NetworkPolicy, V1NetworkPolicyPort } from '@kubernetes/client-node';
import { RUNTIME_PORT } from '#agent-runtime/contract';
import { objectNames, podSelector } from './labels.ts';
import { metaOf, type RenderInput } from './render-input.ts';

/** The port a base URL reaches, or undefined when it is not a valid http(s) URL. */
export function portOfUrl(url: string): number | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.port) return Number(parsed.port);
    return parsed.protocol === 'http:' ? 80 : parsed.protocol === 'https:' ? 443 : undefined;
  } catch {
    return undefined;
  }
}

export function buildNetworkPolicy(input: RenderInput): V1NetworkPolicy {
  const baseUrl =
    input.spec.env.find((item) => item.name === 'OPENAI_BASE_URL')?.value ?? input.platform.openaiBaseUrl;
  const egressPorts = new Set([
    443,
    ...(baseUrl && portOfUrl(baseUrl) ? [portOfUrl(baseUrl) as number] : []),
  ]);
  const tcp = (port: number): V1NetworkPolicyPort => ({ protocol: 'TCP', port });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metaOf(input, objectNames.workload(input.spec.name)),
    spec: {
      podSelector: { matchLabels: podSelector(input.spec.name) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ ports: [tcp(RUNTIME_PORT)] }],
      egress: [
        { ports: [{ protocol: 'UDP', port: 53 }, tcp(53)] },
        { ports: [...egressPorts].sort((a, b) => a - b).map(tcp) },
      ],
    },
  };
}
