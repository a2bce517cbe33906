/**
 * The contract between the control plane and every agent: the shape of the JSON file that
 * the control plane renders into a ConfigMap and the runtime reads at start-up.
 *
 * The control plane imports this module (never the other way round). It must stay free of
 * I/O and of any SDK: only zod and plain data. Secrets never appear here; the runtime reads
 * them from its environment (a Kubernetes Secret).
 */
import { z } from 'zod';
import { runtimeToolLimitsSchema, runtimeToolSchema } from './tool-contract.ts';

export * from './tool-contract.ts';

/** Default mount path of the config file inside an agent's pod. */
export const RUNTIME_CONFIG_PATH = '/etc/fleetplane/agent.json';
/** Env var that overrides the config file path (local target, tests). */
export const RUNTIME_CONFIG_ENV = 'FLEETPLANE_AGENT_CONFIG';
/** Port every agent listens on inside its container. */
export const RUNTIME_PORT = 8080;

/**
 * Paths the runtime serves itself; custom endpoints may not shadow them: its description, probes,
 * /generate, metrics, the OpenAI-compatible API (v1), the MCP server (mcp), A2A's JSON-RPC endpoint
 * (a2a) and its agent card (.well-known).
 */
export const RESERVED_AGENT_PATHS = [
  '',
  'health',
  'ready',
  'generate',
  'metrics',
  'v1',
  'mcp',
  'a2a',
  '.well-known',
] as const;

/** `{{slot}}` placeholders in a prompt template: letters, digits, underscore. */
export const PROMPT_SLOT = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export const logLevels = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof logLevels)[number];

export const runtimeModelSchema = z.strictObject({
  /** Provider as written in the config ("OpenAI"), lower-cased: "openai". */
  provider: z.string().min(1),
  /** Model id sent to the provider ("gpt-4o"). */
  id: z.string().min(1),
});

export const runtimeCustomEndpointSchema = z.strictObject({
  /** Path below the agent's base path, without a leading slash: "summarize", "review/code". */
  path: z.string().min(1),
  method: z.enum(['POST', 'GET']),
  description: z.string(),
  /** Prompt template; each `{{slot}}` is filled from the request (JSON body, or query for GET). */
  prompt: z.string().min(1),
  /** Slot names found in `prompt`, in order of first use. Each is a required string input. */
  slots: z.array(z.string()),
  /** Overrides of the agent's defaults for this endpoint. */
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().optional(),
});

/** Platform-safe values used when a rendered config leaves a cap out (an older control plane). */
export const DEFAULT_MAX_TOKENS_CAP = 4096;
export const DEFAULT_MAX_CHOICES = 1;
export const DEFAULT_AUTH_FAILURES_PER_MINUTE = 10;

export const runtimeLimitsSchema = z.strictObject({
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: z.number().int().positive(),
  /** Largest prompt (or sum of message contents) accepted, in characters. */
  maxPromptChars: z.number().int().positive(),
  /** Time allowed for one upstream model call including retries, in milliseconds. */
  requestTimeoutMs: z.number().int().positive(),
  /** Retries of upstream 429/5xx/timeouts, within requestTimeoutMs. */
  maxRetries: z.number().int().min(0).max(10),
  /** Requests per minute per client (by API key, else by address); 0 disables. */
  rateLimitPerMinute: z.number().int().min(0),
  /**
   * Wrong or missing API keys accepted per minute per client address before that address
   * gets 429 (whatever key it sends) until its bucket refills. Only with `requireApiKey`;
   * it cannot be switched off, and it is independent of `rateLimitPerMinute`.
   */
  authFailuresPerMinute: z.number().int().min(1).default(DEFAULT_AUTH_FAILURES_PER_MINUTE),
  /**
   * Most completion tokens one call may ask for: a request's `max_tokens` (or
   * `max_completion_tokens`) above it is refused with 422, and a call that names none is
   * sent with the agent's `maxTokens`, or this cap, so the model never runs unbounded.
   */
  maxTokensCap: z.number().int().positive().default(DEFAULT_MAX_TOKENS_CAP),
  /** Most choices (`n`) one OpenAI-compatible call may ask for; above it, 422. */
  maxChoices: z.number().int().min(1).max(128).default(DEFAULT_MAX_CHOICES),
});

export const runtimeConfigSchema = z
  .strictObject({
    /** Schema version of this file. */
    apiVersion: z.literal('fleetplane.io/v1'),
    name: z.string().min(1),
    template: z.string(),
    /** Base path the agent serves under, e.g. "/my-assistant" (no trailing slash). */
    basePath: z.string().regex(/^(\/[a-z0-9-]+)?$/),
    /**
     * Where callers reach the agent, its base path included: "https://agents.example.com/my-assistant".
     * Its A2A card names its endpoint below it. Left out (a config rendered before it existed,
     * tests), the card uses the origin each request came to.
     */
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
    model: runtimeModelSchema,
    instruction: z.string(),
    temperature: z.number().min(0).max(2),
    maxTokens: z.number().int().positive().optional(),
    /**
     * Standard endpoints that are switched on: "generate" (POST /generate) and "chat", the
     * OpenAI-compatible API (/v1/chat/completions, /v1/models). Without "chat" that API is
     * off and /v1/* answers 404: this list is the per-agent switch, there is no other.
     */
    endpoints: z.array(z.enum(['generate', 'chat'])),
    customEndpoints: z.array(runtimeCustomEndpointSchema),
    logging: z.enum(logLevels),
    limits: runtimeLimitsSchema,
    /**
     * When true, every route but health/readiness needs `Authorization: Bearer <key>`; the
     * accepted keys' SHA-256 hex hashes come from env `FLEETPLANE_AGENT_API_KEY_HASHES`.
     */
    requireApiKey: z.boolean(),
    /** What the agent may call while answering (tools/): none by default. */
    tools: z.array(runtimeToolSchema).max(128).default([]),
    toolLimits: runtimeToolLimitsSchema.prefault({}),
    /**
     * Hex SHA-256 hashes of accepted API keys carried in the config itself (a pooled agent
     * reads no Secret); accepted together with those from `FLEETPLANE_AGENT_API_KEY_HASHES`.
     */
    apiKeyHashes: z
      .array(z.string().regex(/^[0-9a-f]{64}$/))
      .max(64)
      .optional(),
  })
  .superRefine((config, ctx) => {
    // The agent's own defaults must fit under its cap, or every call would be refused.
    const cap = config.limits.maxTokensCap;
    const over = (value: number | undefined, path: (string | number)[]) => {
      if (value !== undefined && value > cap)
        ctx.addIssue({
          code: 'custom',
          path,
          input: value,
          params: { rule: 'max' },
          message: `must be at most limits.maxTokensCap (${cap}) (got ${value})`,
        });
    };
    over(config.maxTokens, ['maxTokens']);
    config.customEndpoints.forEach((e, i) => {
      over(e.maxTokens, ['customEndpoints', i, 'maxTokens']);
    });
    const names = new Set<string>();
    config.tools.forEach((tool, i) => {
      if (names.has(tool.name))
        ctx.addIssue({
          code: 'custom',
          path: ['tools', i, 'name'],
          message: `must be unique (got ${tool.name})`,
        });
      names.add(tool.name);
      if (tool.type === 'agent' && tool.agent === config.name)
        ctx.addIssue({
          code: 'custom',
          path: ['tools', i, 'agent'],
          message: 'must not be the agent itself',
        });
    });
  });

/**
 * The file as the control plane writes it: fields with a default may be left out (a config
 * rendered before they existed keeps working, with the safe default).
 */
export type RuntimeConfig = z.input<typeof runtimeConfigSchema>;
/** The config as the runtime holds it after parsing: every default filled in. */
export type ResolvedRuntimeConfig = z.output<typeof runtimeConfigSchema>;
export type RuntimeCustomEndpoint = z.infer<typeof runtimeCustomEndpointSchema>;
export type RuntimeLimits = z.input<typeof runtimeLimitsSchema>;
export type ResolvedRuntimeLimits = z.output<typeof runtimeLimitsSchema>;

/**
 * One violated input rule, the shape both the control plane and the agents use in a 422's
 * `errors`: `path` is dotted with indexes (`messages[0].content`, `(root)` for the whole
 * body), `message` states the rule and the value (`must be at most 2 (got number 5)`), and
 * `rule` is a short machine name (`required`, `type`, `min`, `max`, `enum`, `unknown`, ...).
 */
export interface FieldError {
  path: string;
  message: string;
  rule?: string;
}

/** A field's path as a person writes it: `messages[0].content`; `(root)` for the value itself. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text || '(root)';
}

/** Env var listing the origins (the platform's console) whose pages may call the agent (CORS). */
export const CORS_ORIGINS_ENV = 'FLEETPLANE_AGENT_CORS_ORIGINS';

/** Env var naming the proxies whose X-Forwarded-For the agent trusts (CIDRs or addresses, comma separated). */
export const TRUSTED_PROXIES_ENV = 'FLEETPLANE_AGENT_TRUSTED_PROXIES';

/** Env var carrying the hashes of accepted per-agent API keys (comma separated hex SHA-256). */
export const AGENT_API_KEY_HASHES_ENV = 'FLEETPLANE_AGENT_API_KEY_HASHES';

/** Slot names in a prompt template, in order of first appearance, without duplicates. */
export function promptSlots(template: string): string[] {
  const seen = new Set<string>();
  for (const match of template.matchAll(PROMPT_SLOT)) seen.add(match[1] as string);
  return [...seen];
}

/** Fills `{{slot}}` placeholders; unknown slots are left as written. */
export function fillPrompt(template: string, values: Record<string, string>): string {
  return template.replace(PROMPT_SLOT, (whole, slot: string) => values[slot] ?? whole);
}
