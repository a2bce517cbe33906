/**
 * `tools` and `toolLimits` of an agent config, as users write them: what the agent may call
 * while it answers (a remote MCP server, an HTTP API, another agent of the fleet) and how far
 * a run may go. The rules that depend on the platform (where an agent may send requests, the
 * caps) live in agent-policy.ts and tool-egress.ts.
 *
 * Pure schema. Credentials are never written inline: a header that carries one names one of
 * the agent's own Secrets (`secretRef`), and so does an agent tool's `apiKey`.
 */
import { z } from 'zod';
import {
  HEADER_NAME,
  HTTP_TOOL_METHODS,
  TOOL_NAME,
  urlTemplateProblem,
  urlTemplateSlots,
} from '#agent-runtime/contract';
import { MAX_BASE_URL_CHARS } from './base-url.ts';
import { credentialInValue } from './inline-secrets.ts';

export const MAX_TOOL_DESCRIPTION_CHARS = 1_024;
export const MAX_TOOL_PARAMETERS_CHARS = 16_384;
export const MAX_TOOL_HEADERS = 16;

const show = (value: unknown): string => {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/** Headers the HTTP stack sets itself, or that would change where or how a request goes. */
const FORBIDDEN_HEADERS =
  /^(host|content-length|content-type|transfer-encoding|connection|keep-alive|upgrade|te|trailer|expect|proxy-.*|x-fleetplane-.*|x-forwarded-.*|forwarded)$/i;
/** Headers whose value is a credential: only from a Secret. */
const CREDENTIAL_HEADERS = /^(authorization|cookie)$|(key|secret|token|password|passwd|credential|auth)s?$/i;
/** A plain value that is a credential whatever its header is called. */
const CREDENTIAL_VALUE = /^(bearer|basic|token|apikey)\s+\S/i;

/** A header: a plain value, or one of the agent's own Secrets (with text before it, e.g. "Bearer "). */
type SecretRefSchema = z.ZodType<{ name: string; key: string }>;

const headerValue = (secretRefSchema: SecretRefSchema) =>
  z.union([
    z.string().max(4_096, { error: 'must be at most 4096 characters' }),
    z.strictObject({
      secretRef: secretRefSchema,
      prefix: z
        .string()
        .max(64, { error: 'must be at most 64 characters' })
        .optional()
        .meta({ description: 'Text before the Secret\'s value, e.g. "Bearer "' }),
    }),
  ]);

const headersOf = (secretRefSchema: SecretRefSchema) =>
  z
    .record(z.string(), headerValue(secretRefSchema))
    .superRefine((headers, ctx) => {
      const names = Object.keys(headers);
      if (names.length > MAX_TOOL_HEADERS)
        ctx.addIssue({
          code: 'custom',
          message: `must have at most ${MAX_TOOL_HEADERS} headers (got ${names.length})`,
          params: { rule: 'max' },
        });
      const seen = new Set<string>();
      for (const name of names) {
        const issue = (message: string, rule: string) =>
          ctx.addIssue({ code: 'custom', path: [name], message, input: name, params: { rule } });
        if (!HEADER_NAME.test(name))
          issue(`must be a header name: letters, digits and "-", at most 64 (got ${show(name)})`, 'pattern');
        else if (FORBIDDEN_HEADERS.test(name))
          issue(
            `${name} is set by the platform or the HTTP stack, never by a config (got ${show(name)})`,
            'reserved',
          );
        if (seen.has(name.toLowerCase()))
          issue(`must be unique, ignoring case (got ${show(name)})`, 'unique');
        seen.add(name.toLowerCase());
        const value = headers[name];
        if (typeof value !== 'string') continue;
        if (CREDENTIAL_HEADERS.test(name) || CREDENTIAL_VALUE.test(value) || credentialInValue(value))
          issue(
            `carries a credential, which is never stored inline: use {"secretRef": {"name": "<agent-name>.<secret>", "key": "<key>"}, "prefix": "Bearer "} (header ${show(name)})`,
            'secret',
          );
      }
    })
    .meta({
      description:
        'Request headers: a plain value, or {"secretRef": {name, key}, "prefix"?} from one of the agent\'s own Secrets (credentials must use secretRef)',
    });

const toolName = z
  .string()
  .regex(TOOL_NAME, {
    error: (issue) =>
      `must start with a letter and hold only letters, digits, "_" and "-", at most 40 (got ${show(issue.input)})`,
  })
  .meta({ description: "The name the model calls the tool by; unique among the agent's tools" });

const description = z
  .string()
  .max(MAX_TOOL_DESCRIPTION_CHARS, { error: `must be at most ${MAX_TOOL_DESCRIPTION_CHARS} characters` });

const toolUrl = z
  .string()
  .max(MAX_BASE_URL_CHARS, { error: `must be at most ${MAX_BASE_URL_CHARS} characters` })
  .superRefine((url, ctx) => {
    const problem = urlTemplateProblem(url) ?? credentialInValue(url);
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (got ${show(url)})`, input: url });
  });

/** A JSON Schema of an object, as OpenAI function calling takes it. */
const parametersSchema = z
  .looseObject({
    type: z.literal('object', { error: 'must be "object": a tool takes its arguments as a JSON object' }),
    properties: z.record(z.string(), z.unknown()).optional(),
    required: z.array(z.string()).optional(),
  })
  .refine((schema) => JSON.stringify(schema).length <= MAX_TOOL_PARAMETERS_CHARS, {
    error: `must be at most ${MAX_TOOL_PARAMETERS_CHARS} characters of JSON`,
    params: { rule: 'max' },
  })
  .meta({
    description:
      'JSON Schema of the arguments (an object); default: each {slot} of the URL, a required string',
  });

export function toolSchemas<N extends z.ZodType<string>, S extends SecretRefSchema>(
  agentName: N,
  secretRefSchema: S,
) {
  const headers = headersOf(secretRefSchema).optional();
  const http = z
    .strictObject({
      type: z.literal('http'),
      name: toolName,
      description: description.optional(),
      method: z.enum(HTTP_TOOL_METHODS).optional().meta({ description: 'Default GET' }),
      url: toolUrl.meta({
        description:
          'https:// URL; {slot}s in its path and query are filled, URL-encoded, from the arguments (the host is fixed)',
      }),
      parameters: parametersSchema.optional(),
      headers,
    })
    .superRefine((tool, ctx) => {
      if (!tool.parameters) return;
      const required = new Set(tool.parameters.required ?? []);
      for (const slot of urlTemplateSlots(tool.url))
        if (!tool.parameters.properties?.[slot] || !required.has(slot))
          ctx.addIssue({
            code: 'custom',
            path: ['parameters'],
            message: `must list the URL's slot "${slot}" in properties and in required (every slot fills the URL)`,
            input: tool.parameters,
          });
    });
  const mcp = z.strictObject({
    type: z.literal('mcp'),
    name: toolName,
    url: toolUrl
      .refine((url) => urlTemplateSlots(url).length === 0, {
        error: 'must be a plain URL: {slot}s are for http tools',
      })
      .meta({ description: "The MCP server's Streamable HTTP endpoint (https://)" }),
    headers,
    allow: z
      .array(z.string().min(1).max(128))
      .max(128)
      .optional()
      .meta({ description: "The server's tools the model may call; default: all it lists" }),
  });
  const agent = z.strictObject({
    type: z.literal('agent'),
    name: toolName,
    description: description.optional(),
    agent: agentName.meta({ description: 'Another agent of the same fleet; its answer is the result' }),
    apiKey: secretRefSchema.optional().meta({
      description: "The callee's API key (when it requires one), from one of this agent's own Secrets",
    }),
  });
  return {
    tool: z.discriminatedUnion('type', [http, mcp, agent]),
    toolLimits: z
      .strictObject({
        maxSteps: z.number().int().min(1).max(100).optional(),
        timeoutMs: z.number().int().min(100).max(600_000).optional(),
        maxResultBytes: z
          .number()
          .int()
          .min(256)
          .max(10 * 1024 * 1024)
          .optional(),
      })
      .meta({ description: "Bounds of a run with tools; each at most the platform's cap" }),
  };
}
