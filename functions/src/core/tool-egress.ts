/**
 * A tool is egress: where an agent may send its tools' requests, decided in one place
 * (`toolUrlProblem`) for every URL a config names for a tool, and what that URL needs from
 * the agent's NetworkPolicy (`toolEgressOf`).
 *
 * The rules: never an address of the platform's own networks (egress-url.ts, the rule every URL
 * a config names goes through: private, link-local, shared ranges; loopback only on the local
 * server); https to a public host; an in-cluster Service (`<svc>.<ns>.svc`) only when the
 * platform lists its origin (FLEETPLANE_ALLOWED_TOOL_ORIGINS), over http or https; no
 * `localhost`; on the local server (the user's own machine, `npm start`) plain http too.
 *
 * Pure. WARNING: hosts are compared as URL origins (normal form), never by prefix or suffix.
 */
import { urlTemplateProblem } from '#agent-runtime/contract';
import { clusterServiceNamespace, portOfUrl } from './base-url.ts';
import { egressUrlProblem } from './egress-url.ts';

export interface ToolEgressPolicy {
  /** The agent runs on the local server, for its user alone: loopback and plain http are fine. */
  local: boolean;
  /** Origins of in-cluster Services that tools may call (normal form: `new URL(x).origin`). */
  allowedToolOrigins: readonly string[];
}

/** The URL with a placeholder in each slot, so it parses like the requests it stands for. */
const concrete = (template: string) => template.replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, 'x');

/** Why an agent may not send requests to this tool URL (slots in place), or undefined. */
export function toolUrlProblem(url: string, policy: ToolEgressPolicy): string | undefined {
  const template = urlTemplateProblem(url);
  if (template) return template;
  const parsed = new URL(concrete(url));
  const networks = egressUrlProblem(parsed.href, { allowLoopback: policy.local });
  if (networks) return networks;
  if (policy.local) return undefined;
  if (parsed.hostname === 'localhost' || parsed.hostname.endsWith('.localhost'))
    return 'must not name localhost: in the cluster that is the agent itself';
  if (clusterServiceNamespace(parsed.href)) {
    if (policy.allowedToolOrigins.includes(parsed.origin)) return undefined;
    const listed = policy.allowedToolOrigins.length ? policy.allowedToolOrigins.join(', ') : 'none is listed';
    return `names a Service in the cluster, which tools reach only when the platform lists its origin in FLEETPLANE_ALLOWED_TOOL_ORIGINS (${listed})`;
  }
  if (parsed.protocol !== 'https:')
    return "must use https:// (plain http would carry the tool's arguments and credentials in clear); http only to an in-cluster Service the platform lists, or on the local server";
  return undefined;
}

/** What a valid tool URL needs opened: its port, and the namespace when it is an in-cluster Service. */
export function toolEgressOf(url: string): { port: number; namespace?: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(concrete(url));
  } catch {
    return undefined;
  }
  const port = portOfUrl(parsed.href);
  if (port === undefined) return undefined;
  const namespace = clusterServiceNamespace(parsed.href);
  return namespace ? { port, namespace } : { port };
}
