/**
 * The body of a deploy: one agent config, or `{"agents": [...]}`. Each config is validated
 * on its own so that a batch reports, per agent, what is wrong, then against the target:
 * whether it can run `"cloud": "local"` agents, and the platform's policy (bounds, base URLs,
 * its own Secrets), which the caller passes in.
 *
 * Pure: never reads env or the cluster.
 */
import { RESERVED_AGENT_NAMES, reservedNameMessage } from './agent-config.ts';
import { type AgentPolicy, DEFAULT_AGENT_POLICY, egressErrors, policyErrors } from './agent-policy.ts';
import { type AgentSpec, validateAgentConfig } from './agent-spec.ts';
import type { FieldError } from './field-errors.ts';
import { MAX_AGENTS_PER_REQUEST } from './request-limits.ts';

export { MAX_AGENTS_PER_REQUEST };

export type CheckedAgent =
  | { index: number; name: string; ok: true; spec: AgentSpec }
  | { index: number; name: string | undefined; ok: false; errors: FieldError[] };

export type DeployBody =
  | { ok: true; batch: boolean; agents: CheckedAgent[] }
  | { ok: false; errors: FieldError[] };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export interface DeployTarget {
  /** Whether agents with `"cloud": "local"` can run here (the local server only). */
  localAgents: boolean;
  /** The platform's policy (agentPolicyOf(settings)); the defaults when absent (the CLI). */
  policy?: AgentPolicy;
  /**
   * Which agents run as processes of the local server, outside any NetworkPolicy, and may
   * therefore call loopback hosts: every agent (no cluster), those with `"cloud": "local"` (a
   * cluster beside), or none (the functions, and manifests rendered for a cluster). Default:
   * every agent, the most a target allows (the console and `fleetplane validate` know no target).
   */
  localProcesses?: LocalProcesses;
  /**
   * First path segments of the routes the serving app mounts (api/route-roots.ts), reserved as
   * agent names besides RESERVED_AGENT_NAMES: a route added to the app is never shadowed.
   */
  routeRoots?: readonly string[];
}

export type LocalProcesses = 'all' | 'cloud-local' | 'none';

const runsAsLocalProcess = (spec: AgentSpec, target: DeployTarget) => {
  const local = target.localProcesses ?? 'all';
  return local === 'all' || (local === 'cloud-local' && spec.cloud === 'local');
};

/** An agent that asks for a target this control plane does not have, or a name its routes use. */
function targetErrors(spec: AgentSpec, prefix: string, target: DeployTarget): FieldError[] {
  const errors: FieldError[] = [];
  const routes = target.routeRoots ?? [];
  // Names of the core's list are refused by the schema already, with the same message.
  if (routes.includes(spec.name) && !RESERVED_AGENT_NAMES.includes(spec.name))
    errors.push({
      path: `${prefix}name`,
      message: reservedNameMessage(spec.name, [...new Set([...RESERVED_AGENT_NAMES, ...routes])].sort()),
      rule: 'reserved',
    });
  if (spec.cloud === 'local' && !target.localAgents)
    errors.push({
      path: `${prefix}cloud`,
      message: 'is "local", which only the local server (npm start) can run; use "DigitalOcean" here',
    });
  return errors;
}

export function checkDeployBody(body: unknown, target: DeployTarget = { localAgents: true }): DeployBody {
  if (!isObject(body))
    return {
      ok: false,
      errors: [{ path: '(root)', message: 'must be a JSON object: one agent config, or {"agents": [...]}' }],
    };
  const batch = 'agents' in body;
  if (batch) {
    const extra = Object.keys(body).filter((key) => key !== 'agents');
    if (extra.length)
      return {
        ok: false,
        errors: extra.map((key) => ({ path: key, message: 'is not a known field next to "agents"' })),
      };
    if (!Array.isArray(body.agents) || body.agents.length === 0)
      return {
        ok: false,
        errors: [{ path: 'agents', message: 'must be a non-empty array of agent configs' }],
      };
    if (body.agents.length > MAX_AGENTS_PER_REQUEST)
      return {
        ok: false,
        errors: [
          {
            path: 'agents',
            message: `must hold at most ${MAX_AGENTS_PER_REQUEST} agents (got ${body.agents.length})`,
          },
        ],
      };
  }
  const raws: unknown[] = batch ? (body.agents as unknown[]) : [body];
  const agents = raws.map((raw, index): CheckedAgent => {
    const result = validateAgentConfig(raw);
    const name = isObject(raw) && typeof raw.name === 'string' ? raw.name : undefined;
    const prefix = batch ? `agents[${index}].` : '';
    if (!result.ok)
      return { index, name, ok: false, errors: result.errors.map((e) => ({ ...e, path: prefix + e.path })) };
    const policy = target.policy ?? DEFAULT_AGENT_POLICY;
    const misplaced = [
      ...targetErrors(result.spec, prefix, target),
      ...[
        ...policyErrors(result.config, result.spec, policy),
        ...egressErrors(result.spec, policy, runsAsLocalProcess(result.spec, target)),
      ].map((e) => ({ ...e, path: prefix + e.path })),
    ];
    if (misplaced.length) return { index, name, ok: false, errors: misplaced };
    return { index, name: result.spec.name, ok: true, spec: result.spec };
  });
  const seen = new Map<string, number>();
  for (const agent of agents) {
    if (!agent.ok) continue;
    const first = seen.get(agent.name);
    if (first !== undefined)
      agents[agent.index] = {
        index: agent.index,
        name: agent.name,
        ok: false,
        errors: [
          {
            path: `agents[${agent.index}].name`,
            message: `must be unique in one request ("${agent.name}" is also agents[${first}])`,
          },
        ],
      };
    else seen.set(agent.name, agent.index);
  }
  return { ok: true, batch, agents };
}

/** Every error of a checked body: its own, or its agents' in order; none when all is valid. */
export function deployBodyErrors(checked: DeployBody): FieldError[] {
  return checked.ok ? checked.agents.flatMap((agent) => (agent.ok ? [] : agent.errors)) : checked.errors;
}
