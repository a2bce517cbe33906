/**
 * The tools part of the runtime contract: the flat, compiled shape in which the control plane
 * hands an agent its tools (`tools`) and their bounds (`toolLimits`), and the URL templates
 * of `http` tools (`{slot}`s in path and query, filled from the model's arguments).
 *
 * Pure: zod and plain data only (contract.ts re-exports it; the control plane imports it).
 * Credentials never appear here: a header that carries one names the environment variable
 * the platform fills from the agent's own Secret (`FLEETPLANE_TOOL_*`).
 */
import { z } from 'zod';

/** Most tool calls run in one step; the model's further calls of that step get an error result. */
export const MAX_CALLS_PER_STEP = 16;
/** Longest chain of agents calling agents: a request at this depth offers no `agent` tools. */
export const MAX_AGENT_DEPTH = 3;
/** Request header: how many agent hops led to this request (absent: 0, a client's own call). */
export const AGENT_DEPTH_HEADER = 'x-fleetplane-agent-depth';
/** Request header: milliseconds the caller still waits; the run's deadline never exceeds it. */
export const DEADLINE_HEADER = 'x-fleetplane-deadline-ms';
/** Request header naming the calling agent, for the callee's log. */
export const CALLER_HEADER = 'x-fleetplane-caller';
/** Environment variables that carry tool credentials start with this (the only ones a tool may read). */
export const TOOL_SECRET_ENV_PREFIX = 'FLEETPLANE_TOOL_';

/** Defaults when a rendered config leaves `toolLimits` out (the control plane renders its own). */
export const DEFAULT_TOOL_LIMITS = {
  maxSteps: 8,
  timeoutMs: 15_000,
  maxResultBytes: 32_768,
  maxTools: 32,
} as const;

/** A tool's name as the model sees it: OpenAI's function-name rule, kept short for prefixes. */
export const TOOL_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;
/** A header name: an HTTP token without '_' (proxies drop those), so env names stay distinct. */
export const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
/** `{slot}` placeholders in an http tool's URL template. */
export const URL_SLOT = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export const HTTP_TOOL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const toolName = z.string().regex(TOOL_NAME);

/** A request header of a tool: a plain value, or one read from the agent's environment. */
export const runtimeToolHeaderSchema = z.union([
  z.strictObject({ name: z.string().regex(HEADER_NAME), value: z.string() }),
  z.strictObject({
    name: z.string().regex(HEADER_NAME),
    /** A `FLEETPLANE_TOOL_*` variable the platform fills from one of the agent's own Secrets. */
    env: z.string().regex(/^FLEETPLANE_TOOL_[A-Z0-9_]+$/),
    /** Text before the secret's value, e.g. "Bearer ". */
    prefix: z.string().max(64).optional(),
  }),
]);

/** A JSON Schema of an object: what the model must pass as the tool's arguments. */
export const toolParametersSchema = z.looseObject({ type: z.literal('object') });

export const runtimeHttpToolSchema = z.strictObject({
  type: z.literal('http'),
  name: toolName,
  description: z.string(),
  method: z.enum(HTTP_TOOL_METHODS),
  /** Absolute URL whose path and query may hold `{slot}`s; scheme, host and port are fixed. */
  url: z.string().refine((url) => urlTemplateProblem(url) === undefined, {
    error: (issue) => urlTemplateProblem(String(issue.input)) ?? 'invalid URL template',
  }),
  parameters: toolParametersSchema,
  headers: z.array(runtimeToolHeaderSchema).default([]),
});

export const runtimeMcpToolSchema = z.strictObject({
  type: z.literal('mcp'),
  name: toolName,
  /** The MCP server's Streamable HTTP endpoint. */
  url: z.url({ protocol: /^https?$/ }),
  headers: z.array(runtimeToolHeaderSchema).default([]),
  /** The server's tools offered to the model; absent: all of them. */
  allow: z.array(z.string().min(1)).optional(),
});

export const runtimeAgentToolSchema = z.strictObject({
  type: z.literal('agent'),
  name: toolName,
  description: z.string(),
  /** The callee's name. */
  agent: z.string().min(1),
  /** The callee's base URL (its Service in the cluster, the local server on a laptop). */
  url: z.url({ protocol: /^https?$/ }),
  headers: z.array(runtimeToolHeaderSchema).default([]),
});

export const runtimeToolSchema = z.discriminatedUnion('type', [
  runtimeHttpToolSchema,
  runtimeMcpToolSchema,
  runtimeAgentToolSchema,
]);

export const runtimeToolLimitsSchema = z.strictObject({
  /** Most model calls in one run; a run whose last one still asks for tools stops there. */
  maxSteps: z.number().int().min(1).max(100).default(DEFAULT_TOOL_LIMITS.maxSteps),
  /** Most time one tool call may take, in ms (never beyond the run's deadline). */
  timeoutMs: z.number().int().min(1).default(DEFAULT_TOOL_LIMITS.timeoutMs),
  /** Largest tool result handed to the model, in bytes of UTF-8; the rest is cut off. */
  maxResultBytes: z.number().int().min(1).default(DEFAULT_TOOL_LIMITS.maxResultBytes),
  /** Most functions offered to the model (each http or agent tool, each allowed MCP tool). */
  maxTools: z.number().int().min(1).max(128).default(DEFAULT_TOOL_LIMITS.maxTools),
});

export type RuntimeTool = z.output<typeof runtimeToolSchema>;
export type RuntimeHttpTool = z.output<typeof runtimeHttpToolSchema>;
export type RuntimeMcpTool = z.output<typeof runtimeMcpToolSchema>;
export type RuntimeAgentTool = z.output<typeof runtimeAgentToolSchema>;
export type RuntimeToolHeader = z.output<typeof runtimeToolHeaderSchema>;
export type RuntimeToolLimits = z.output<typeof runtimeToolLimitsSchema>;

/** Slot names of a URL template, in order of first use, without duplicates. */
export function urlTemplateSlots(template: string): string[] {
  return [...new Set([...template.matchAll(URL_SLOT)].map((match) => match[1] as string))];
}

const fillWith = (template: string, value: string) => template.replace(URL_SLOT, value);

/**
 * Why a URL template cannot be used, or undefined. The rule that matters: whatever the model
 * puts in a slot, the request goes to the same scheme, host and port (a slot in the host
 * would let the model choose where the agent's requests, and their credentials, go).
 */
export function urlTemplateProblem(template: string): string | undefined {
  if (/[{}]/.test(fillWith(template, '')))
    return 'may use braces only for {slot} placeholders (letters, digits, "_")';
  let a: URL;
  let b: URL;
  try {
    a = new URL(fillWith(template, 'a'));
    b = new URL(fillWith(template, 'b.c'));
  } catch {
    return 'must be an absolute http:// or https:// URL (with {slot}s filled in)';
  }
  if (a.protocol !== 'http:' && a.protocol !== 'https:') return 'must use http:// or https://';
  if (a.origin !== b.origin || a.username !== b.username || a.password !== b.password)
    return 'must not have a {slot} in its scheme, host or port: only the path and the query may vary';
  if (a.username || a.password) return 'must not carry credentials before the host';
  if (template.includes('#')) return 'must not have a fragment';
  return undefined;
}

/** A slot's value that cannot go into the URL: undefined when it can. */
function slotValueProblem(slot: string, value: unknown, inPath: boolean): string | undefined {
  if (value === undefined || value === null) return `argument "${slot}" is required (it fills the URL)`;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
    return `argument "${slot}" must be a string, number or boolean (it fills the URL)`;
  // WARNING: "." and ".." (also as %2e) are path segments that URLs resolve: the model could
  // walk up the path. Encoding does not help (the URL parser decodes %2e in a segment).
  if (inPath && /^\.+$/.test(String(value))) return `argument "${slot}" may not be only dots in the path`;
  return undefined;
}

/**
 * The URL with every slot filled from `args`, each value URL-encoded (a value can never add a
 * path segment, a query parameter or a fragment). Throws an Error the model may read.
 */
export function fillUrlTemplate(template: string, args: Record<string, unknown>): string {
  const queryStart = template.indexOf('?');
  return template.replace(URL_SLOT, (_whole, slot: string, offset: number) => {
    const value = args[slot];
    const problem = slotValueProblem(slot, value, queryStart < 0 || offset < queryStart);
    if (problem) throw new Error(problem);
    return encodeURIComponent(String(value));
  });
}
