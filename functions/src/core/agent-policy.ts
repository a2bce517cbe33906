/**
 * The rules of a config that depend on the platform: the per-agent bounds (CPU, memory,
 * replicas), the base URLs that may receive the platform's model key, and the platform's
 * own Secrets, which no agent may reference whatever their names. The route passes the
 * policy in (built from settings at the edge); nothing here reads env or the cluster.
 *
 * Pure.
 */
import type { AgentConfig } from './agent-config.ts';
import { ownsSecret, secretRefsOf } from './agent-secrets.ts';
import type { AgentSpec } from './agent-spec.ts';
import { normalizeBaseUrl, parsedUrl } from './base-url.ts';
import { egressUrlProblem } from './egress-url.ts';
import { type FieldError, formatPath } from './field-errors.ts';
import {
  type AgentBounds,
  DEFAULT_PLATFORM,
  type LocalServerSettings,
  type PlatformSettings,
  runsOnLocalServer,
  type ToolCaps,
} from './platform.ts';
import { parseQuantity } from './quantity.ts';
import { toolUrlProblem } from './tool-egress.ts';

export interface AgentPolicy {
  bounds: AgentBounds;
  /** The largest max_tokens an agent's calls may ask for (FLEETPLANE_AGENT_MAX_TOKENS). */
  maxTokens: number;
  /** Base URLs (normal form) that may receive the platform's key: its own and the allow-list. */
  keyedBaseUrls: string[];
  /** The platform's Secrets in the agents namespace (provider key, TLS, image pull). */
  platformSecrets: string[];
  /** What a run with tools may ask for (FLEETPLANE_AGENT_MAX_TOOL*). */
  toolCaps: ToolCaps;
  /** In-cluster origins tools may call (FLEETPLANE_ALLOWED_TOOL_ORIGINS). */
  allowedToolOrigins: string[];
  /** Set on the local server: which agents run there (their tools may reach loopback). */
  localServer?: LocalServerSettings;
}

export function agentPolicyOf(platform: PlatformSettings): AgentPolicy {
  return {
    bounds: platform.agentBounds,
    maxTokens: platform.agentCaps.maxTokens,
    keyedBaseUrls: [
      ...(platform.openaiBaseUrl ? [platform.openaiBaseUrl] : []),
      ...platform.allowedBaseUrls,
    ].map(normalizeBaseUrl),
    platformSecrets: [
      platform.providerSecret.name,
      platform.tlsSecretName,
      ...(platform.imagePullSecret ? [platform.imagePullSecret] : []),
    ],
    toolCaps: platform.toolCaps,
    allowedToolOrigins: platform.allowedToolOrigins,
    ...(platform.localServer ? { localServer: platform.localServer } : {}),
  };
}

export const DEFAULT_AGENT_POLICY: AgentPolicy = agentPolicyOf(DEFAULT_PLATFORM);

/** Whether `agent` may reference the Secret `secretName`: one of its own, never the platform's. */
export function mayReference(
  policy: Pick<AgentPolicy, 'platformSecrets'>,
  agent: string,
  secretName: string,
) {
  return ownsSecret(agent, secretName) && !policy.platformSecrets.includes(secretName);
}

/** Whether the platform's key may be sent to `baseUrl` (a `provider.baseUrl` without its own key). */
export function platformKeyMayGoTo(policy: Pick<AgentPolicy, 'keyedBaseUrls'>, baseUrl: string): boolean {
  return policy.keyedBaseUrls.includes(normalizeBaseUrl(baseUrl));
}

const show = (value: string | number) => (typeof value === 'string' ? JSON.stringify(value) : String(value));

function boundsErrors(config: AgentConfig, spec: AgentSpec, bounds: AgentBounds): FieldError[] {
  const errors: FieldError[] = [];
  const over = (
    path: string,
    value: string | number,
    max: string | number,
    setting: string,
    written: boolean,
  ) =>
    errors.push({
      path,
      message: `must be at most ${max}, the platform's per-agent maximum (${setting}) (got ${show(value)}${written ? '' : ', a default; set it lower explicitly'})`,
    });
  const quantities = [
    ['cpu', 'requests', bounds.maxRequests.cpu, 'FLEETPLANE_MAX_CPU_REQUEST'],
    ['memory', 'requests', bounds.maxRequests.memory, 'FLEETPLANE_MAX_MEMORY_REQUEST'],
    ['cpu', 'limits', bounds.maxLimits.cpu, 'FLEETPLANE_MAX_CPU_LIMIT'],
    ['memory', 'limits', bounds.maxLimits.memory, 'FLEETPLANE_MAX_MEMORY_LIMIT'],
  ] as const;
  for (const [kind, side, max, setting] of quantities) {
    const value = spec.resources[side][kind];
    if ((parseQuantity(value) as number) <= (parseQuantity(max) as number)) continue;
    const path = side === 'requests' ? `resources.${kind}` : `resources.limits.${kind}`;
    const written = side === 'requests' ? config.resources?.[kind] : config.resources?.limits?.[kind];
    over(path, value, max, setting, written !== undefined);
  }
  const { scaling } = spec;
  const replicas: [string, number, boolean][] = scaling.autoscale
    ? [
        ['scaling.min_replicas', scaling.minReplicas, config.scaling?.min_replicas !== undefined],
        ['scaling.max_replicas', scaling.maxReplicas, config.scaling?.max_replicas !== undefined],
      ]
    : [['scaling.replicas', scaling.replicas, config.scaling?.replicas !== undefined]];
  for (const [path, value, written] of replicas)
    if (value > bounds.maxReplicas) over(path, value, bounds.maxReplicas, 'FLEETPLANE_MAX_REPLICAS', written);
  return errors;
}

function platformSecretErrors(spec: AgentSpec, platformSecrets: string[]): FieldError[] {
  return secretRefsOf(spec)
    .filter(({ name }) => platformSecrets.includes(name))
    .map(({ path, name }) => ({
      path: formatPath(path),
      message: `must not name one of the platform's own Secrets (${platformSecrets.join(', ')}): an agent may reference only its own Secrets (got ${show(name)})`,
    }));
}

function providerErrors(spec: AgentSpec, policy: AgentPolicy): FieldError[] {
  const provider = spec.provider;
  if (!provider?.baseUrl || provider.apiKey || platformKeyMayGoTo(policy, provider.baseUrl)) return [];
  const allowed = policy.keyedBaseUrls.length ? policy.keyedBaseUrls.join(', ') : 'none is configured';
  return [
    {
      path: 'provider.apiKey',
      message: `is required with this provider.baseUrl: the platform's model key is sent only to the platform's base URLs (${allowed}); bring the agent's own key as {"name": "${spec.name}.<secret>", "key": "<key>"} (got baseUrl ${show(provider.baseUrl)} and no apiKey)`,
    },
  ];
}

/**
 * Where an agent's model calls may go on the wire. A base URL the platform lists is the
 * operator's choice and passes. Any other may not name an address of the platform's own
 * networks (egress-url.ts; loopback only for an agent the local server runs as a process),
 * and in the cluster must be https://: its NetworkPolicy opens plain http only towards a model
 * server the platform lists, so a key sent in clear never leaves the cluster.
 */
export function egressErrors(
  spec: AgentSpec,
  policy: Pick<AgentPolicy, 'keyedBaseUrls'>,
  runsAsLocalProcess: boolean,
): FieldError[] {
  const baseUrl = spec.provider?.baseUrl;
  if (!baseUrl || platformKeyMayGoTo(policy, baseUrl)) return [];
  const problem =
    egressUrlProblem(baseUrl, { allowLoopback: runsAsLocalProcess }) ??
    (!runsAsLocalProcess && parsedUrl(baseUrl)?.protocol === 'http:'
      ? "must use https:// unless the platform lists it (FLEETPLANE_OPENAI_BASE_URL, FLEETPLANE_ALLOWED_BASE_URLS): an agent's egress opens plain http only towards in-cluster model servers the platform lists, so that nothing is sent in clear across the internet"
      : undefined);
  return problem ? [{ path: 'provider.baseUrl', message: `${problem} (got ${show(baseUrl)})` }] : [];
}

/** Token defaults over the platform's cap: the agent would refuse its own default. */
function tokenErrors(spec: AgentSpec, maxTokens: number): FieldError[] {
  const over = (path: string, value: number | undefined) =>
    value !== undefined && value > maxTokens
      ? [
          {
            path,
            message: `must be at most ${maxTokens}, the platform's cap on tokens per answer (FLEETPLANE_AGENT_MAX_TOKENS) (got ${value})`,
          },
        ]
      : [];
  return [
    ...over('max_tokens', spec.maxTokens),
    ...spec.customEndpoints.flatMap((endpoint, index) =>
      over(`customEndpoints[${index}].max_tokens`, endpoint.maxTokens),
    ),
  ];
}

/** Tools over the platform's caps, and tool URLs an agent may not send requests to. */
function toolErrors(spec: AgentSpec, policy: AgentPolicy): FieldError[] {
  const errors: FieldError[] = [];
  const caps = policy.toolCaps;
  const tools = spec.tools ?? [];
  if (tools.length > caps.maxTools)
    errors.push({
      path: 'tools',
      rule: 'max',
      message: `must list at most ${caps.maxTools} tools, the platform's cap (FLEETPLANE_AGENT_MAX_TOOLS) (got ${tools.length})`,
    });
  const limits = [
    ['maxSteps', spec.toolLimits?.maxSteps, caps.maxSteps, 'FLEETPLANE_AGENT_MAX_TOOL_STEPS'],
    ['timeoutMs', spec.toolLimits?.timeoutMs, caps.maxTimeoutMs, 'FLEETPLANE_AGENT_MAX_TOOL_TIMEOUT_MS'],
    [
      'maxResultBytes',
      spec.toolLimits?.maxResultBytes,
      caps.maxResultBytes,
      'FLEETPLANE_AGENT_MAX_TOOL_RESULT_BYTES',
    ],
  ] as const;
  for (const [field, value, max, setting] of limits)
    if (value !== undefined && value > max)
      errors.push({
        path: `toolLimits.${field}`,
        rule: 'max',
        message: `must be at most ${max}, the platform's cap (${setting}) (got ${value})`,
      });
  const egress = { local: runsOnLocalServer(spec, policy), allowedToolOrigins: policy.allowedToolOrigins };
  tools.forEach((tool, index) => {
    if (tool.type === 'agent') return;
    const problem = toolUrlProblem(tool.url, egress);
    if (problem)
      errors.push({
        path: `tools[${index}].url`,
        rule: 'egress',
        message: `${problem} (got ${show(tool.url)})`,
      });
  });
  return errors;
}

/** Every way a valid config breaks the platform's policy; empty when it keeps to it. */
export function policyErrors(config: AgentConfig, spec: AgentSpec, policy: AgentPolicy): FieldError[] {
  return [
    ...boundsErrors(config, spec, policy.bounds),
    ...platformSecretErrors(spec, policy.platformSecrets),
    ...providerErrors(spec, policy),
    ...tokenErrors(spec, policy.maxTokens),
    ...toolErrors(spec, policy),
  ];
}
