/**
 * What an agent's tools add to the NetworkPolicies, and nothing more:
 * - egress to each http and mcp tool's port: on the internet (to the same IPv4 ranges as the
 *   model, the platform's deny list excepted), or, for an in-cluster Service the platform
 *   lists, to its namespace only;
 * - the caller→callee edge of each agent tool, both ways: the caller's egress to the callee's
 *   pods on the runtime's port, and the callee's ingress from the pods that carry the label
 *   `calls.fleetplane.io/<callee>`, which only a caller's pod template carries (callerLabels).
 *
 * Every agent's policy admits its callers that way, so a callee needs nothing of its callers'
 * configs. Agents that run on the local server get no tool rules (no policy applies there).
 *
 * Pure. WARNING: an in-cluster tool is opened on the URL's port: the Service's port must be its
 * pods' port (a NetworkPolicy sees the pod's port, after the Service's translation).
 */
import type {
  V1NetworkPolicyEgressRule,
  V1NetworkPolicyIngressRule,
  V1NetworkPolicyPeer,
} from '@kubernetes/client-node';
import { RUNTIME_PORT } from '#agent-runtime/contract';
import type { AgentSpec } from '../agent-spec.ts';
import { type PlatformSettings, runsOnLocalServer } from '../platform.ts';
import { toolEgressOf } from '../tool-egress.ts';
import { podSelector } from './labels.ts';

/** The label a caller's pods carry for each agent they may call. */
export const callsLabel = (callee: string) => `calls.fleetplane.io/${callee}`;

const tcp = (port: number) => ({ protocol: 'TCP', port });

/** Labels for the caller's pod template: one per callee, which the callee's ingress admits. */
export function callerLabels(spec: Pick<AgentSpec, 'tools'>): Record<string, string> {
  const callees = (spec.tools ?? []).flatMap((tool) => (tool.type === 'agent' ? [tool.agent] : []));
  return Object.fromEntries([...new Set(callees)].sort().map((callee) => [callsLabel(callee), 'true']));
}

/** The callee's side of every edge: pods labelled as its callers, on the runtime's port. */
export function callerIngressRule(name: string): V1NetworkPolicyIngressRule {
  // `from` as the API takes it (the client's type names the field `_from`).
  const from = [{ podSelector: { matchExpressions: [{ key: callsLabel(name), operator: 'Exists' }] } }];
  return { ...{ from }, ports: [tcp(RUNTIME_PORT)] };
}

/** The caller's egress for its tools: their hosts' ports and its callees' pods. */
export function toolEgressRules(
  spec: Pick<AgentSpec, 'tools' | 'cloud'>,
  platform: Pick<PlatformSettings, 'egressDenyCidrs' | 'localServer'>,
): V1NetworkPolicyEgressRule[] {
  const tools = spec.tools ?? [];
  if (tools.length === 0 || runsOnLocalServer(spec, platform)) return [];
  const internetPorts = new Set<number>();
  const inCluster = new Map<string, Set<number>>();
  const callees = new Set<string>();
  for (const tool of tools) {
    if (tool.type === 'agent') {
      callees.add(tool.agent);
      continue;
    }
    const egress = toolEgressOf(tool.url);
    if (!egress) continue;
    if (egress.namespace)
      inCluster.set(egress.namespace, (inCluster.get(egress.namespace) ?? new Set()).add(egress.port));
    else internetPorts.add(egress.port);
  }
  const sorted = (ports: Set<number>) => [...ports].sort((a, b) => a - b).map(tcp);
  const rules: V1NetworkPolicyEgressRule[] = [];
  if (internetPorts.size)
    rules.push({
      to: [
        {
          ipBlock: {
            cidr: '0.0.0.0/0',
            ...(platform.egressDenyCidrs.length ? { except: [...platform.egressDenyCidrs] } : {}),
          },
        },
      ],
      ports: sorted(internetPorts),
    });
  for (const [namespace, ports] of [...inCluster].sort(([a], [b]) => a.localeCompare(b)))
    rules.push({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } }],
      ports: sorted(ports),
    });
  if (callees.size)
    rules.push({
      to: [...callees]
        .sort()
        .map((callee): V1NetworkPolicyPeer => ({ podSelector: { matchLabels: podSelector(callee) } })),
      ports: [tcp(RUNTIME_PORT)],
    });
  return rules;
}
