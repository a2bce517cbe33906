/**
 * The agent's NetworkPolicy.
 * - In: only the HTTP port, and only from the ingress or gateway controller's namespace
 *   (FLEETPLANE_INGRESS_NAMESPACES; "*" admits any source).
 * - Out: DNS; HTTPS and the port of the agent's base URL to IPv4 addresses outside the
 *   cluster's own ranges and link-local (FLEETPLANE_EGRESS_DENY_CIDRS: pods, Services, the
 *   metadata service); and the port of an in-cluster model server (`<svc>.<ns>.svc`) to the
 *   pods of its namespace, only when the platform lists that base URL.
 * - Tools (tool-network-rules.ts): their hosts' ports, and each agent tool's edge both ways.
 * Nothing else leaves an agent's pod.
 *
 * Pure. WARNING: an in-cluster base URL a config names on its own gets no way in: the deny
 * ranges hold every pod and Service, and only the operator chooses which of them agents reach.
 */
import type { V1NetworkPolicy, V1NetworkPolicyPeer, V1NetworkPolicyPort } from '@kubernetes/client-node';
import { RUNTIME_PORT } from '#agent-runtime/contract';
import { agentPolicyOf, platformKeyMayGoTo } from '../agent-policy.ts';
import { clusterServiceNamespace, portOfUrl } from '../base-url.ts';
import { defaultIngressNamespaces } from '../platform.ts';
import { objectNames, podSelector } from './labels.ts';
import { metaOf, type RenderInput } from './render-input.ts';
import { callerIngressRule, toolEgressRules } from './tool-network-rules.ts';

const tcp = (port: number): V1NetworkPolicyPort => ({ protocol: 'TCP', port });
const namespacePeer = (namespace: string): V1NetworkPolicyPeer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
});

export function buildNetworkPolicy(input: RenderInput): V1NetworkPolicy {
  const { spec, platform } = input;
  const baseUrl = spec.provider?.baseUrl ?? platform.openaiBaseUrl;
  const baseUrlPort = baseUrl ? portOfUrl(baseUrl) : undefined;
  const egressPorts = [...new Set([443, ...(baseUrlPort ? [baseUrlPort] : [])])].sort((a, b) => a - b);
  // An in-cluster model server is reachable only when the platform trusts its base URL.
  const modelNamespace =
    baseUrl && baseUrlPort && platformKeyMayGoTo(agentPolicyOf(platform), baseUrl)
      ? clusterServiceNamespace(baseUrl)
      : undefined;
  const sources = platform.ingressNamespaces ?? defaultIngressNamespaces(platform);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metaOf(input, objectNames.workload(spec.name)),
    spec: {
      podSelector: { matchLabels: podSelector(spec.name) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          ...(sources.includes('*') ? {} : { from: sources.map(namespacePeer) }),
          ports: [tcp(RUNTIME_PORT)],
        },
        // Agents whose agent tools name this one (tool-network-rules.ts); "*" admits them already.
        ...(sources.includes('*') ? [] : [callerIngressRule(spec.name)]),
      ],
      egress: [
        { ports: [{ protocol: 'UDP', port: 53 }, tcp(53)] },
        {
          to: [
            {
              ipBlock: {
                cidr: '0.0.0.0/0',
                ...(platform.egressDenyCidrs.length ? { except: [...platform.egressDenyCidrs] } : {}),
              },
            },
          ],
          ports: egressPorts.map(tcp),
        },
        ...(modelNamespace && baseUrlPort
          ? [{ to: [namespacePeer(modelNamespace)], ports: [tcp(baseUrlPort)] }]
          : []),
        ...toolEgressRules(spec, platform),
      ],
    },
  };
}
