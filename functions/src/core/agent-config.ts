/**
 * The agent config as users write it: the seed's `agent.config.json`, accepted as written
 * (camelCase `customEndpoints`, snake_case inside `scaling`, `"model": "OpenAI gpt-4o"`).
 *
 * Pure schema. Every rule's message states the rule and the value so that a 4xx answer can
 * name the field, the rule and what was sent. Unknown keys are rejected, never dropped.
 * A config is untrusted: it may reference only the agent's own Secrets (agent-secrets.ts),
 * may not set environment names that change the runtime (reserved-env.ts), and may not
 * carry secrets inline (inline-secrets.ts). Rules that depend on the platform (bounds, which
 * base URLs get the platform's key) live in agent-policy.ts.
 */
import { z } from 'zod';
import { PROMPT_SLOT, RESERVED_AGENT_PATHS } from '#agent-runtime/contract';
import { notOwnedMessage, OWN_SECRET_RULE, ownsSecret, secretRefsOf } from './agent-secrets.ts';
import { baseUrlProblem, MAX_BASE_URL_CHARS } from './base-url.ts';
import { credentialInValue, SECRET_LOOKING_NAME, SECRET_LOOKING_NAME_PATTERN } from './inline-secrets.ts';
import { type JsonCaps, jsonExtent } from './json-extent.ts';
import { MODEL_ID, parseModelRef } from './model-ref.ts';
import { isPositiveQuantity, POSITIVE_QUANTITY_PATTERN, parseQuantity } from './quantity.ts';
import { RESERVED_ENV_RULES, reservedEnvPattern, reservedEnvRule } from './reserved-env.ts';
import { findTemplate, TEMPLATE_NAMES, TEMPLATES } from './templates.ts';
import { pooledIssues, TIERS } from './tiers.ts';
import { toolSchemas } from './tool-config.ts';

/** Longest agent name: pods add a 17-character suffix and must stay within a 63-character DNS label. */
export const MAX_NAME_LENGTH = 40;
export const MAX_INSTRUCTION_CHARS = 32_768;
export const MAX_PROMPT_TEMPLATE_CHARS = 8_192;
export const MAX_ENV_VALUE_CHARS = 4_096;
export const MAX_REPLICAS = 100;
/** `integrations` is free-form and only stored: bounded so no later walk of it can overflow. */
export const INTEGRATIONS_CAPS: JsonCaps = { maxDepth: 16, maxEntries: 1_000 };

/**
 * The control plane's own first path segments; the local server serves agents at `/<name>`.
 * The list every client checks offline (the console, `fleetplane validate`, the JSON Schema);
 * the API also refuses the first segment of any route it actually mounts (api/route-roots.ts),
 * and a unit test keeps this list a superset of those of the whole app.
 */
export const RESERVED_AGENT_NAMES = [
  'deploy',
  'deployments',
  'gc',
  'templates',
  'health',
  'docs',
  'openapi',
  'console',
  'whoami',
];

/** Why `name` may not be an agent's: it is one of `routes`, the control plane's own. */
export const reservedNameMessage = (name: string, routes: readonly string[]) =>
  `must not be one of the control plane's own routes (${routes.join(', ')}): an agent answers at /<name>/, where it would shadow the route (got ${show(name)})`;

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const POSIX_ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const ENDPOINT_PATH = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/;

const show = (value: unknown): string => {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const agentName = z.string().superRefine((name, ctx) => {
  const fail = (message: string, rule?: string) =>
    ctx.addIssue({ code: 'custom', message, input: name, ...(rule ? { params: { rule } } : {}) });
  if (name.length === 0) return fail('must not be empty');
  if (name.length > MAX_NAME_LENGTH)
    return fail(
      `must be at most ${MAX_NAME_LENGTH} characters so that every derived object name stays a valid DNS label (got ${name.length})`,
    );
  if (!DNS_1035_LABEL.test(name))
    return fail(
      `must be a DNS label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit (got ${show(name)})`,
    );
  if (RESERVED_AGENT_NAMES.includes(name)) fail(reservedNameMessage(name, RESERVED_AGENT_NAMES), 'reserved');
});

const quantity = (what: 'cpu' | 'memory') =>
  z
    .string()
    .refine(isPositiveQuantity, {
      error: (issue) =>
        `must be a positive Kubernetes quantity such as ${what === 'cpu' ? '"500m" or "1"' : '"512Mi" or "1Gi"'} (got ${show(issue.input)})`,
      params: { rule: 'pattern' },
    })
    .meta({
      pattern: POSITIVE_QUANTITY_PATTERN,
      description: `A positive Kubernetes quantity, e.g. ${what === 'cpu' ? '"500m" or "1"' : '"512Mi" or "1Gi"'}`,
      examples: what === 'cpu' ? ['500m', '1'] : ['512Mi', '1Gi'],
    });

const resourcesSchema = z
  .strictObject({
    cpu: quantity('cpu').optional(),
    memory: quantity('memory').optional(),
    limits: z
      .strictObject({ cpu: quantity('cpu').optional(), memory: quantity('memory').optional() })
      .optional(),
  })
  .superRefine((resources, ctx) => {
    for (const kind of ['cpu', 'memory'] as const) {
      const request = resources[kind];
      const limit = resources.limits?.[kind];
      if (request === undefined || limit === undefined) continue;
      if ((parseQuantity(limit) as number) < (parseQuantity(request) as number))
        ctx.addIssue({
          code: 'custom',
          path: ['limits', kind],
          message: `limit (${limit}) must be at least the request resources.${kind} (${request})`,
          input: limit,
        });
    }
  });

const count = (min: number, max: number) =>
  z
    .number({ error: (issue) => `must be a whole number (got ${show(issue.input)})` })
    .int({ error: (issue) => `must be a whole number (got ${show(issue.input)})` })
    .min(min, { error: (issue) => `must be at least ${min} (got ${show(issue.input)})` })
    .max(max, { error: (issue) => `must be at most ${max} (got ${show(issue.input)})` });

const scalingSchema = z
  .strictObject({
    replicas: count(1, MAX_REPLICAS).optional(),
    autoscale: z.boolean().optional(),
    min_replicas: count(1, MAX_REPLICAS).optional(),
    max_replicas: count(1, MAX_REPLICAS).optional(),
    target_cpu_percentage: count(1, 100).optional(),
  })
  .superRefine((scaling, ctx) => {
    const min = scaling.min_replicas ?? 1;
    const max = scaling.max_replicas ?? Math.max(min, 10);
    if (min > max)
      ctx.addIssue({
        code: 'custom',
        path: ['min_replicas'],
        message: `min_replicas (${min}) must not exceed max_replicas (${max})`,
        input: min,
      });
    if (
      scaling.autoscale &&
      scaling.replicas !== undefined &&
      (scaling.replicas < min || scaling.replicas > max)
    )
      ctx.addIssue({
        code: 'custom',
        path: ['replicas'],
        message: `replicas (${scaling.replicas}) must lie between min_replicas (${min}) and max_replicas (${max}) when autoscale is on`,
        input: scaling.replicas,
      });
  });

/** A key of a Secret; which Secrets an agent may name is checked with the agent's name, below. */
const secretRefSchema = z
  .strictObject({
    name: z
      .string()
      .max(253, { error: (issue) => `must be at most 253 characters (got ${String(issue.input).length})` })
      .regex(DNS_1123_SUBDOMAIN, {
        error: (issue) => `must be a Kubernetes Secret name (DNS subdomain) (got ${show(issue.input)})`,
      }),
    key: z.string().regex(SECRET_KEY, {
      error: (issue) => `must be a Secret key: letters, digits, '-', '_', '.' (got ${show(issue.input)})`,
    }),
  })
  .meta({ description: `A key of one of the agent's own Secrets: ${OWN_SECRET_RULE}` });

const envItemSchema = z
  .strictObject({
    name: z
      .string()
      .regex(POSIX_ENV_NAME, {
        error: (issue) =>
          `must be a POSIX environment variable name: letters, digits and '_', not starting with a digit (got ${show(issue.input)})`,
      })
      .meta({
        description: `POSIX name; reserved, in any case: ${RESERVED_ENV_RULES.map((rule) => rule.pattern).join(', ')}`,
        not: { description: 'a reserved name, in any case', pattern: reservedEnvPattern() },
      }),
    value: z
      .string()
      .max(MAX_ENV_VALUE_CHARS, { error: `must be at most ${MAX_ENV_VALUE_CHARS} characters` })
      .optional(),
    secretRef: secretRefSchema.optional(),
  })
  .superRefine((item, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message, input: item.name });
    if ((item.value === undefined) === (item.secretRef === undefined))
      issue('value', `env ${item.name} must have exactly one of value or secretRef`);
    const reserved = reservedEnvRule(item.name);
    if (reserved)
      issue(
        'name',
        `${item.name} is reserved: names matching ${reserved.pattern} may not be set by a config (${reserved.why}) (got ${show(item.name)})`,
      );
    const useSecretRef = `use {"name":"${item.name}","secretRef":{"name":"<agent-name>.<secret>","key":"<key>"}}`;
    if (item.value !== undefined && SECRET_LOOKING_NAME.test(item.name))
      issue(
        'value',
        `${item.name} looks like a secret: secret values are never stored inline; ${useSecretRef}`,
      );
    else if (item.value !== undefined) {
      const credential = credentialInValue(item.value);
      if (credential)
        issue(
          'value',
          `must not carry a credential inline (${credential}): secret values are never stored inline; ${useSecretRef}`,
        );
    }
  })
  // The rules above that JSON Schema can state, for editors (credentials inside a value cannot be).
  .meta({
    oneOf: [{ required: ['value'] }, { required: ['secretRef'] }],
    // Never an inline value under a secret-looking name.
    not: {
      description:
        'an inline value under a secret-looking name (ending in KEY, SECRET, TOKEN, PASSWORD, PASSWD or CREDENTIAL, plural too, any case): use secretRef',
      required: ['name', 'value'],
      properties: { name: { pattern: SECRET_LOOKING_NAME_PATTERN } },
    },
  });

/**
 * Where the agent's model calls go, when not to the platform's provider. The platform's key
 * goes only to the platform's own base URLs (agent-policy.ts): any other base URL needs the
 * agent's own key, from one of its own Secrets.
 */
const providerSchema = z
  .strictObject({
    baseUrl: z
      .string()
      .max(MAX_BASE_URL_CHARS, { error: `must be at most ${MAX_BASE_URL_CHARS} characters` })
      .superRefine((url, ctx) => {
        const problem = baseUrlProblem(url);
        if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (got ${show(url)})`, input: url });
      })
      .optional()
      .meta({
        description:
          'OpenAI-compatible base URL, e.g. https://api.openai.com/v1; unless the platform lists it, apiKey is required',
      }),
    apiKey: secretRefSchema.optional(),
  })
  .refine((provider) => provider.baseUrl !== undefined || provider.apiKey !== undefined, {
    error: 'must set baseUrl, apiKey or both (got neither)',
  })
  .meta({ anyOf: [{ required: ['baseUrl'] }, { required: ['apiKey'] }] });

const customEndpointObject = z.strictObject({
  path: z
    .string()
    .max(64, { error: (issue) => `must be at most 64 characters (got ${String(issue.input).length})` })
    .transform((path) => path.replace(/^\/+/, ''))
    .refine((path) => ENDPOINT_PATH.test(path), {
      error: (issue) =>
        `must be URL-safe: lower-case segments of letters, digits, '-' or '_' separated by '/' (got ${show(issue.input)})`,
    })
    .refine(
      (path) =>
        !RESERVED_AGENT_PATHS.some((reserved) => path === reserved || path.startsWith(`${reserved}/`)),
      {
        error: (issue) =>
          `must not shadow the runtime's own paths (${RESERVED_AGENT_PATHS.map((p) => `/${p}`).join(', ')}) (got ${show(issue.input)})`,
      },
    ),
  method: z.enum(['POST', 'GET']).optional(),
  description: z.string().max(1_024).optional(),
  prompt: z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(MAX_PROMPT_TEMPLATE_CHARS, { error: `must be at most ${MAX_PROMPT_TEMPLATE_CHARS} characters` })
    .optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: count(1, 128_000).optional(),
});

/** A custom endpoint, or the shorthand "summarize" (path only; the request's input is the prompt). */
const customEndpointSchema = z.union([
  z
    .string()
    .transform((path) => ({ path }))
    .pipe(customEndpointObject),
  customEndpointObject,
]);

const modelString = z.string().refine((text) => parseModelRef(text) !== undefined, {
  error: (issue) =>
    `must be "<Provider> <model-id>" such as "OpenAI gpt-4o", or a bare model id matching ${MODEL_ID} (got ${show(issue.input)})`,
});

const templateName = z.string().refine((name) => findTemplate(name) !== undefined, {
  error: (issue) =>
    `must be one of ${TEMPLATE_NAMES.map((n) => `"${n}"`).join(', ')} (got ${show(issue.input)})`,
  params: { rule: 'enum' },
});

const tools = toolSchemas(agentName, secretRefSchema);

const caseInsensitiveEnum = <T extends string>(values: readonly T[], aliases: Record<string, T> = {}) =>
  z.string().transform((text, ctx) => {
    const lower = text.toLowerCase();
    const found = values.find((value) => value.toLowerCase() === lower) ?? aliases[lower];
    if (found) return found;
    ctx.addIssue({
      code: 'custom',
      message: `must be one of ${values.join(', ')} (got ${show(text)})`,
      input: text,
      params: { rule: 'enum' },
    });
    return z.NEVER;
  });

export const CLOUDS = ['DigitalOcean', 'local'] as const;
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type Cloud = (typeof CLOUDS)[number];

export const agentConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: agentName.meta({
      description: `DNS label, at most ${MAX_NAME_LENGTH} characters; the agent answers at https://<host>/<name>/`,
      pattern: DNS_1035_LABEL.source,
      maxLength: MAX_NAME_LENGTH,
    }),
    // JSON Schema cannot match without regard to case: the schemas list the canonical spellings
    // (what the API returns and the docs use) and say in `description` what else is accepted.
    template: templateName.optional().meta({
      description:
        'Template that supplies defaults: its name or slug. Matched ignoring case, with spaces, "_" and "-" alike ("code assistant", "CODE_ASSISTANT")',
      enum: [...TEMPLATE_NAMES, ...TEMPLATES.map((template) => template.slug)],
      examples: TEMPLATE_NAMES,
    }),
    model: modelString
      .optional()
      .meta({ description: '"<Provider> <model-id>"', examples: ['OpenAI gpt-4o'] }),
    instruction: z
      .string()
      .max(MAX_INSTRUCTION_CHARS, {
        error: (issue) =>
          `must be at most ${MAX_INSTRUCTION_CHARS} characters (got ${String(issue.input).length})`,
      })
      .optional(),
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: count(1, 128_000).optional(),
    resources: resourcesSchema.optional(),
    scaling: scalingSchema.optional(),
    endpoints: z
      .array(z.enum(['generate', 'chat']))
      .max(2)
      .optional(),
    /** The OpenAI-compatible API (`/v1/chat/completions`); on unless switched off. */
    openaiCompatible: z
      .boolean({ error: (issue) => `must be true or false (got ${show(issue.input)})` })
      .optional()
      .meta({ description: 'Serve the OpenAI-compatible API (/v1/chat/completions); default true' }),
    customEndpoints: z.array(customEndpointSchema).max(32).optional(),
    env: z.array(envItemSchema).max(64).optional(),
    logging: caseInsensitiveEnum(LOG_LEVELS, { warning: 'warn' })
      .optional()
      .meta({
        description: 'Log level of the agent. Matched ignoring case; "warning" is accepted for "warn"',
        enum: [...LOG_LEVELS],
      }),
    cloud: caseInsensitiveEnum(CLOUDS, { do: 'DigitalOcean' })
      .optional()
      .meta({
        description:
          'Where the agent runs: "local" only on the local server (npm start). Matched ignoring case; "do" is accepted for "DigitalOcean"',
        enum: [...CLOUDS],
      }),
    integrations: z
      .record(z.string(), z.unknown())
      .superRefine((integrations, ctx) => {
        const extent = jsonExtent(integrations, INTEGRATIONS_CAPS);
        if (extent.within) return;
        const { maxDepth, maxEntries } = INTEGRATIONS_CAPS;
        ctx.addIssue({
          code: 'custom',
          // The value itself is not echoed: it is what is too large.
          input: undefined,
          params: { rule: 'max' },
          message:
            extent.exceeded === 'depth'
              ? `must nest objects and arrays at most ${maxDepth} levels deep (got more than ${maxDepth})`
              : `must hold at most ${maxEntries} keys and array items in all (got more than ${maxEntries})`,
        });
      })
      .optional()
      .meta({
        description: `Stored as written, not acted on: at most ${INTEGRATIONS_CAPS.maxDepth} levels deep and ${INTEGRATIONS_CAPS.maxEntries} keys and array items in all`,
      }),
    /**
     * Per-agent API keys: a Secret key holding comma-separated SHA-256 hex hashes of accepted
     * keys, or the hashes themselves (a pooled agent reads no Secret).
     */
    auth: z
      .strictObject({
        apiKeyHashes: secretRefSchema.optional(),
        apiKeySha256: z
          .array(
            z.string().regex(SHA256_HEX, {
              error: (issue) =>
                `must be the SHA-256 of a key as 64 lower-case hex digits (got ${show(issue.input)})`,
            }),
          )
          .min(1, { error: 'must list at least one hash' })
          .max(64, {
            error: (issue) => `must list at most 64 hashes (got ${(issue.input as unknown[]).length})`,
          })
          .optional()
          .meta({
            description:
              'SHA-256 (hex) of each accepted key, e.g. `printf %s "$KEY" | sha256sum`; use long random keys, since a hash is not a secret',
          }),
      })
      .refine((auth) => (auth.apiKeyHashes === undefined) !== (auth.apiKeySha256 === undefined), {
        error: 'must set exactly one of apiKeyHashes (a Secret) or apiKeySha256 (the hashes)',
      })
      .optional(),
    tier: caseInsensitiveEnum(TIERS)
      .optional()
      .meta({
        description:
          'Where the agent runs: "dedicated" (its own pods; the default) or "pooled" (one ConfigMap, served by the namespace\'s shared pool; no resources, scaling, env, provider or Secret). Matched ignoring case',
        enum: [...TIERS],
      }),
    provider: providerSchema.optional(),
    limits: z
      .strictObject({
        maxBodyBytes: count(1_024, 10 * 1024 * 1024).optional(),
        requestTimeoutMs: count(1_000, 600_000).optional(),
        maxRetries: count(0, 10).optional(),
        rateLimitPerMinute: count(0, 1_000_000).optional(),
      })
      .optional(),
    tools: z.array(tools.tool).max(128).optional().meta({
      description: 'What the agent may call while it answers: MCP servers, HTTP APIs, other agents',
    }),
    toolLimits: tools.toolLimits.optional(),
  })
  .superRefine((config, ctx) => {
    if (config.openaiCompatible === false && config.endpoints?.includes('chat'))
      ctx.addIssue({
        code: 'custom',
        path: ['endpoints'],
        message:
          'must not list "chat" when openaiCompatible is false (the chat endpoint is the OpenAI-compatible API)',
        input: config.endpoints,
      });
    const seenPaths = new Set<string>();
    config.customEndpoints?.forEach((endpoint, index) => {
      if (seenPaths.has(endpoint.path))
        ctx.addIssue({
          code: 'custom',
          path: ['customEndpoints', index, 'path'],
          message: `must be unique among custom endpoints ("${endpoint.path}" appears more than once)`,
          input: endpoint.path,
        });
      seenPaths.add(endpoint.path);
      const prompt = 'prompt' in endpoint ? endpoint.prompt : undefined;
      if (prompt && [...prompt.matchAll(PROMPT_SLOT)].length > 16)
        ctx.addIssue({
          code: 'custom',
          path: ['customEndpoints', index, 'prompt'],
          message: 'must use at most 16 {{slot}} placeholders',
          input: prompt,
        });
    });
    const seenEnv = new Set<string>();
    config.env?.forEach((item, index) => {
      if (seenEnv.has(item.name))
        ctx.addIssue({
          code: 'custom',
          path: ['env', index, 'name'],
          message: `must be unique (${item.name} appears more than once)`,
          input: item.name,
        });
      seenEnv.add(item.name);
    });
    const toolNames = new Set<string>();
    config.tools?.forEach((tool, index) => {
      if (toolNames.has(tool.name))
        ctx.addIssue({
          code: 'custom',
          path: ['tools', index, 'name'],
          message: `must be unique among the agent's tools ("${tool.name}" appears more than once)`,
          input: tool.name,
          params: { rule: 'unique' },
        });
      toolNames.add(tool.name);
      if (tool.type === 'agent' && tool.agent === config.name)
        ctx.addIssue({
          code: 'custom',
          path: ['tools', index, 'agent'],
          message: `must name another agent: an agent cannot call itself (got ${show(tool.agent)})`,
          input: tool.agent,
          params: { rule: 'self' },
        });
    });
    for (const issue of pooledIssues(config))
      ctx.addIssue({ code: 'custom', ...issue, params: { rule: 'tier' } });
    // An agent reads only its own Secrets: anything else it could print to its log and read back.
    const secretRefs = secretRefsOf({
      env: config.env,
      apiKeyHashes: config.auth?.apiKeyHashes,
      provider: config.provider,
      tools: config.tools,
    });
    for (const { path, name } of secretRefs)
      if (!ownsSecret(config.name, name))
        ctx.addIssue({
          code: 'custom',
          path,
          message: notOwnedMessage(config.name, name),
          input: name,
        });
  })
  // Of the rules above, what JSON Schema can state, for editors; the rest is in the description.
  .meta({
    description:
      'One agent. The API also checks what JSON Schema cannot state: min_replicas at most max_replicas, replicas between them when autoscaled, resource limits at least their requests, unique custom endpoint paths and env names, at most 16 {{slots}} per prompt, Secrets named <agent-name>.<anything>, no credentials inside env values',
    // Never "chat" in endpoints beside openaiCompatible: false.
    not: {
      description: '"chat" in endpoints beside openaiCompatible: false',
      required: ['openaiCompatible', 'endpoints'],
      properties: { openaiCompatible: { const: false }, endpoints: { contains: { const: 'chat' } } },
    },
  });

/** The config as written by a user (input side of the schema). */
export type AgentConfigInput = z.input<typeof agentConfigSchema>;
/** The config after parsing: names checked, shorthands expanded, enums canonical. */
export type AgentConfig = z.output<typeof agentConfigSchema>;
export type EnvItem = NonNullable<AgentConfig['env']>[number];
