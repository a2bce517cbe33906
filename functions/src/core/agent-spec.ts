/**
 * From what a user wrote to what the platform runs: validate a raw config, then resolve it
 * against its template and the platform's defaults into an `AgentSpec` in which every field
 * has a value. The spec is what is stored, hashed, rendered and diffed.
 *
 * Pure. Precedence for every field: the config > the template > the platform default.
 */
import { promptSlots, type RuntimeConfig } from '#agent-runtime/contract';
import { type AgentConfig, agentConfigSchema, type Cloud, type EnvItem } from './agent-config.ts';
import {
  resolveTools,
  runtimeToolsOf,
  type SpecTool,
  type SpecToolLimits,
  toolLimitsOf,
} from './agent-tools.ts';
import { type FieldError, fieldErrors } from './field-errors.ts';
import { type ModelRef, parseModelRef } from './model-ref.ts';
import { DEFAULT_PLATFORM, PLATFORM_AGENT_DEFAULTS, type PlatformSettings } from './platform.ts';
import { formatCpu, parseQuantity } from './quantity.ts';
import { DEFAULT_TEMPLATE, findTemplate } from './templates.ts';
import type { Tier } from './tiers.ts';

export interface AgentSpec {
  name: string;
  template: string;
  model: ModelRef;
  instruction: string;
  temperature: number;
  maxTokens?: number;
  resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  scaling: {
    replicas: number;
    autoscale: boolean;
    minReplicas: number;
    maxReplicas: number;
    targetCpuPercentage: number;
  };
  endpoints: ('generate' | 'chat')[];
  customEndpoints: RuntimeConfig['customEndpoints'];
  env: EnvItem[];
  logging: RuntimeConfig['logging'];
  cloud: Cloud;
  integrations: Record<string, unknown>;
  apiKeyHashes?: { name: string; key: string };
  /** Hex SHA-256 of accepted API keys, written in the config itself. */
  apiKeySha256?: string[];
  /** Set only for "pooled": a dedicated spec leaves it out (so specs from before tiers keep their hash). */
  tier?: Exclude<Tier, 'dedicated'>;
  /** The agent's own model provider; absent: the platform's (its base URL and its key). */
  provider?: { baseUrl?: string; apiKey?: { name: string; key: string } };
  limits: RuntimeConfig['limits'];
  /** What the agent may call while it answers; absent: nothing. */
  tools?: SpecTool[];
  toolLimits?: SpecToolLimits;
}

export type ValidationResult =
  | { ok: true; config: AgentConfig; spec: AgentSpec }
  | { ok: false; errors: FieldError[] };

/** Validates a raw config and resolves it; on failure, every broken field with its rule. */
export function validateAgentConfig(raw: unknown): ValidationResult {
  const parsed = agentConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  return { ok: true, config: parsed.data, spec: resolveAgentSpec(parsed.data) };
}

export function resolveAgentSpec(config: AgentConfig): AgentSpec {
  const defaults = PLATFORM_AGENT_DEFAULTS;
  const template =
    findTemplate(config.template ?? DEFAULT_TEMPLATE) ?? (findTemplate(DEFAULT_TEMPLATE) as never);
  const cpu = config.resources?.cpu ?? template.resources.cpu;
  const memory = config.resources?.memory ?? template.resources.memory;
  const scaling = config.scaling ?? {};
  const autoscale = scaling.autoscale ?? false;
  const minReplicas = scaling.min_replicas ?? defaults.minReplicas;
  const maxReplicas = scaling.max_replicas ?? Math.max(minReplicas, defaults.maxReplicas);
  const spec: AgentSpec = {
    name: config.name,
    template: template.name,
    model: parseModelRef(config.model ?? template.model) as ModelRef,
    instruction: config.instruction ?? template.instruction,
    temperature: config.temperature ?? template.temperature,
    resources: {
      requests: { cpu, memory },
      limits: {
        cpu:
          config.resources?.limits?.cpu ??
          formatCpu((parseQuantity(cpu) as number) * defaults.cpuLimitFactor),
        memory: config.resources?.limits?.memory ?? memory,
      },
    },
    scaling: {
      replicas: scaling.replicas ?? (autoscale ? minReplicas : defaults.replicas),
      autoscale,
      minReplicas,
      maxReplicas,
      targetCpuPercentage: scaling.target_cpu_percentage ?? defaults.targetCpuPercentage,
    },
    // The OpenAI-compatible API is on unless the config switches it off (`openaiCompatible: false`).
    endpoints: [
      ...new Set([
        ...(config.endpoints ?? template.endpoints).filter(
          (e) => config.openaiCompatible !== false || e !== 'chat',
        ),
        ...(config.openaiCompatible === false ? [] : ['chat' as const]),
      ]),
    ],
    customEndpoints: (config.customEndpoints ?? []).map((endpoint) => {
      const written = 'prompt' in endpoint ? endpoint.prompt : undefined;
      // No slot in the template: the request's `input` follows the written prompt.
      const prompt =
        written === undefined
          ? '{{input}}'
          : promptSlots(written).length
            ? written
            : `${written}\n\n{{input}}`;
      return {
        path: endpoint.path,
        method: ('method' in endpoint && endpoint.method) || 'POST',
        description:
          ('description' in endpoint && endpoint.description) || `Custom endpoint /${endpoint.path}`,
        prompt,
        slots: promptSlots(prompt),
        ...('temperature' in endpoint && endpoint.temperature !== undefined
          ? { temperature: endpoint.temperature }
          : {}),
        ...('max_tokens' in endpoint && endpoint.max_tokens !== undefined
          ? { maxTokens: endpoint.max_tokens }
          : {}),
      };
    }),
    env: config.env ?? [],
    logging: config.logging ?? defaults.logging,
    cloud: config.cloud ?? 'DigitalOcean',
    integrations: config.integrations ?? {},
    limits: {
      maxBodyBytes: config.limits?.maxBodyBytes ?? defaults.maxBodyBytes,
      maxPromptChars: defaults.maxPromptChars,
      requestTimeoutMs: config.limits?.requestTimeoutMs ?? defaults.requestTimeoutMs,
      maxRetries: config.limits?.maxRetries ?? defaults.maxRetries,
      rateLimitPerMinute: config.limits?.rateLimitPerMinute ?? defaults.rateLimitPerMinute,
    },
  };
  if (config.max_tokens !== undefined) spec.maxTokens = config.max_tokens;
  if (config.auth?.apiKeyHashes) spec.apiKeyHashes = config.auth.apiKeyHashes;
  if (config.auth?.apiKeySha256) spec.apiKeySha256 = config.auth.apiKeySha256;
  if (config.tier === 'pooled') spec.tier = 'pooled';
  // Set only when written, so that the spec (and its hash) of every other agent is unchanged.
  if (config.provider) spec.provider = config.provider;
  if (config.tools?.length) spec.tools = resolveTools(config.tools);
  if (config.toolLimits) spec.toolLimits = config.toolLimits;
  return spec;
}

/**
 * The file every agent reads at start-up (the runtime's contract), derived from its spec.
 * `publicUrl` is where callers reach the agent (its A2A card names it); without one the agent
 * uses the origin each request came to.
 */
export function runtimeConfigOf(
  spec: AgentSpec,
  basePath = `/${spec.name}`,
  platform: Pick<PlatformSettings, 'agentCaps' | 'toolCaps' | 'namespace' | 'localServer'> = DEFAULT_PLATFORM,
  publicUrl?: string,
): RuntimeConfig {
  const caps = platform.agentCaps;
  // A cap lowered after a config was stored clamps its defaults rather than stopping the agent.
  const capped = (tokens: number | undefined) =>
    tokens === undefined ? undefined : Math.min(tokens, caps.maxTokens);
  const maxTokens = capped(spec.maxTokens);
  return {
    apiVersion: 'fleetplane.io/v1',
    name: spec.name,
    template: spec.template,
    basePath,
    ...(publicUrl === undefined ? {} : { publicUrl }),
    model: spec.model,
    instruction: spec.instruction,
    temperature: spec.temperature,
    ...(maxTokens === undefined ? {} : { maxTokens }),
    endpoints: spec.endpoints,
    customEndpoints: spec.customEndpoints.map((endpoint) => {
      const endpointTokens = capped(endpoint.maxTokens);
      return endpointTokens === undefined ? endpoint : { ...endpoint, maxTokens: endpointTokens };
    }),
    logging: spec.logging,
    limits: {
      ...spec.limits,
      maxTokensCap: caps.maxTokens,
      maxChoices: caps.maxChoices,
      authFailuresPerMinute: caps.authFailuresPerMinute,
    },
    requireApiKey: spec.apiKeyHashes !== undefined || spec.apiKeySha256 !== undefined,
    ...(spec.apiKeySha256 ? { apiKeyHashes: spec.apiKeySha256 } : {}),
    // Only for agents with tools, so every other agent's file (and its pods) stays as it was.
    ...(spec.tools?.length
      ? {
          tools: runtimeToolsOf(spec, platform),
          toolLimits: toolLimitsOf(spec.toolLimits, platform.toolCaps),
        }
      : {}),
  };
}
