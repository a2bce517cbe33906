/**
 * The contract between the control plane and every agent: the shape of the JSON file that
 * the control plane renders into a ConfigMap and the runtime reads at start-up.
 *
 * The control plane imports this module (never the other way round). It must stay free of
 * I/O and of any SDK: only zod and plain data. Secrets never appear here; the runtime reads
 * them from its environment (a Kubernetes Secret).
 */
import { z } from 'zod';

/** Default mount path of the config file inside an agent's pod. */
export const RUNTIME_CONFIG_PATH = '/etc/fleetplane/agent.json';
/** Env var that overrides the config file path (local target, tests). */
export const RUNTIME_CONFIG_ENV = 'FLEETPLANE_AGENT_CONFIG';
/** Port every agent listens on inside its container. */
export const RUNTIME_PORT = 8080;

/** Paths the runtime serves itself; custom endpoints may not shadow them. */
export const RESERVED_AGENT_PATHS = ['', 'health', 'ready', 'generate', 'metrics', 'v1'] as const;

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
});

export const runtimeConfigSchema = z.strictObject({
  /** Schema version of this file. */
  apiVersion: z.literal('fleetplane.io/v1'),
  name: z.string().min(1),
  template: z.string(),
  /** Base path the agent serves under, e.g. "/my-assistant" (no trailing slash). */
  basePath: z.string().regex(/^(\/[a-z0-9-]+)?$/),
  model: runtimeModelSchema,
  instruction: z.string(),
  temperature: z.number().min(0).max(2),
  maxTokens: z.number().int().positive().optional(),
  /** Standard endpoints that are switched on: "generate", "chat" (OpenAI-compatible). */
  endpoints: z.array(z.enum(['generate', 'chat'])),
  customEndpoints: z.array(runtimeCustomEndpointSchema),
  logging: z.enum(logLevels),
  limits: runtimeLimitsSchema,
  /**
   * When true, every route but health/readiness needs `Authorization: Bearer <key>`; the
   * accepted keys' SHA-256 hex hashes come from env `FLEETPLANE_AGENT_API_KEY_HASHES`.
   */
  requireApiKey: z.boolean(),
});

export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;
export type RuntimeCustomEndpoint = z.infer<typeof runtimeCustomEndpointSchema>;
export type RuntimeLimits = z.infer<typeof runtimeLimitsSchema>;

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
