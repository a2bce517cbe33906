/**
 * The agent's NetworkPolicy.
 * - In: only the HTTP port, and only from the ingress or gateway controller's namespace
 *   (FLEETPLANE_INGRESS_NAMESPACES; "*" admits any source).
 * - Out: DNS to the cluster's DNS pods only (kube-system, `k8s-app: kube-dns`); HTTPS, and the
 *   port of an https:// base URL, to IPv4 addresses outside FLEETPLANE_EGRESS_DENY_CIDRS (the
 *   RFC 1918 ranges, which hold the cluster's pods, Services and VPC, shared and link-local
 *   addresses, where the metadata service answers); and, only for a base URL the platform
 *   lists, its port towards the pods of its namespace (`http://<svc>.<ns>.svc:<port>`) or
 *   towards its one address (`http://10.0.0.5:8000`).
 * - Tools (tool-network-rules.ts): their hosts' ports, and each agent tool's edge both ways.
 * Nothing else leaves an agent's pod.
 *
 * Pure. WARNING: a plain http:// base URL never opens its port to the internet: the key it
 * carries would cross it in clear, and with a search domain of the attacker's choosing a short
 * in-cluster name resolves to their host. An in-cluster base URL a config names on its own
 * gets no way in: the deny ranges hold every pod and Service, and only the operator chooses
 * which of them agents reach.
 */
import type {
  V1NetworkPolicy,
  V1NetworkPolicyEgressRule,
  V1NetworkPolicyIngressRule,
  V1NetworkPolicyPeer,
  V1NetworkPolicyPort,
} from '@kubernetes/client-node';
import ipaddr from 'ipaddr.js';
import { RUNTIME_PORT } from '#agent-runtime/contract';
import { agentPolicyOf, platformKeyMayGoTo } from '../agent-policy.ts';
import { clusterServiceNamespace, parsedUrl, portOfUrl } from '../base-url.ts';
import { defaultIngressNamespaces } from '../platform.ts';
import { objectNames, podSelector } from './labels.ts';
import { metaOf, type RenderInput } from './render-input.ts';
import { callerIngressRule, toolEgressRules } from './tool-network-rules.ts';

const tcp = (port: number): V1NetworkPolicyPort => ({ protocol: 'TCP', port });
const namespacePeer = (namespace: string): V1NetworkPolicyPeer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
});

/** The cluster's DNS pods, as kubeadm, DOKS and most distributions label CoreDNS. */
export const CLUSTER_DNS_PEER: V1NetworkPolicyPeer = {
  ...namespacePeer('kube-system'),
  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
};

/** The IPv4 address a URL's host is, when it is one. */
function ipv4Of(url: string): string | undefined {
  const host = parsedUrl(url)?.hostname ?? '';
  return ipaddr.IPv4.isValidFourPartDecimal(host) ? host : undefined;
}

/** Where a base URL the platform lists is let through besides the internet: its namespace or address. */
function listedModelPeer(baseUrl: string): V1NetworkPolicyPeer | undefined {
  const namespace = clusterServiceNamespace(baseUrl);
  if (namespace) return namespacePeer(namespace);
  const address = ipv4Of(baseUrl);
  return address ? { ipBlock: { cidr: `${address}/32` } } : undefined;
}

/**
 * The egress of a pod that calls the model at `baseUrl` (an agent's, or the pool's with the
 * platform's): DNS to the cluster's DNS pods, the internet on 443 (and an https base URL's port),
 * and a base URL the platform lists, towards its namespace or address.
 */
export function modelEgress(
  platform: RenderInput['platform'],
  baseUrl: string | undefined,
): V1NetworkPolicyEgressRule[] {
  const baseUrlPort = baseUrl ? portOfUrl(baseUrl) : undefined;
  const secure = baseUrl !== undefined && parsedUrl(baseUrl)?.protocol === 'https:';
  const internetPorts = [...new Set([443, ...(secure && baseUrlPort ? [baseUrlPort] : [])])].sort(
    (a, b) => a - b,
  );
  // An in-cluster or private model server is reachable only when the platform trusts its base URL.
  const modelPeer =
    baseUrl && baseUrlPort && platformKeyMayGoTo(agentPolicyOf(platform), baseUrl)
      ? listedModelPeer(baseUrl)
      : undefined;
  return [
    { to: [CLUSTER_DNS_PEER], ports: [{ protocol: 'UDP', port: 53 }, tcp(53)] },
    {
      to: [
        {
          ipBlock: {
            cidr: '0.0.0.0/0',
            ...(platform.egressDenyCidrs.length ? { except: [...platform.egressDenyCidrs] } : {}),
          },
        },
      ],
      ports: internetPorts.map(tcp),
    },
    ...(modelPeer && baseUrlPort ? [{ to: [modelPeer], ports: [tcp(baseUrlPort)] }] : []),
  ];
}

/** Who may reach an agent's (or the pool's) HTTP port: the ingress or gateway controller's namespaces. */
export function agentIngress(platform: RenderInput['platform']): V1NetworkPolicyIngressRule[] {
  const sources = platform.ingressNamespaces ?? defaultIngressNamespaces(platform);
  return [
    { ...(sources.includes('*') ? {} : { from: sources.map(namespacePeer) }), ports: [tcp(RUNTIME_PORT)] },
  ];
}

export function buildNetworkPolicy(input: RenderInput): V1NetworkPolicy {
  const { spec, platform } = input;
  const sources = platform.ingressNamespaces ?? defaultIngressNamespaces(platform);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metaOf(input, objectNames.workload(spec.name)),
    spec: {
      podSelector: { matchLabels: podSelector(spec.name) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        ...agentIngress(platform),
        // Agents whose agent tools name this one (tool-network-rules.ts); "*" admits them already.
        ...(sources.includes('*') ? [] : [callerIngressRule(spec.name)]),
      ],
      egress: [
        ...modelEgress(platform, spec.provider?.baseUrl ?? platform.openaiBaseUrl),
        ...toolEgressRules(spec, platform),
      ],
    },
  };
}
