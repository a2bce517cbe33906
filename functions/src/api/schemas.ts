/**
 * Request and response schemas of the REST API (zod). They validate what routes accept,
 * type what routes return, and generate the OpenAPI document, so the three cannot drift.
 *
 * Every schema with `.meta({ id })` becomes `#/components/schemas/<id>` in the document, and
 * every use of it a `$ref` there (openapi.ts): give a schema an id when more than one place
 * uses it or a client would want it by name.
 */
import { z } from 'zod';
import { agentConfigSchema, MAX_NAME_LENGTH } from '../core/agent-config.ts';
import { BUILD_PHASES } from '../core/build-status.ts';
import { LOCAL_LIMITS, type RequestLimits } from '../core/request-limits.ts';
import type { AgentStatus } from '../core/status.ts';
import { PHASES } from '../core/status.ts';
import { TIERS } from '../core/tiers.ts';
import { ROLES } from '../core/token-scope.ts';

export const agentNameParam = z.object({
  name: z
    .string()
    .max(MAX_NAME_LENGTH, { error: `must be at most ${MAX_NAME_LENGTH} characters` })
    .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, { error: 'must be an agent name (a DNS label)' }),
});

/**
 * The most agents one page of GET /deployments holds, and its default, where the API runs
 * locally (about 1.2 KB an agent: well under 1 MB). DigitalOcean's are smaller (request-limits.ts).
 */
export const MAX_PAGE = LOCAL_LIMITS.maxPageSize;
export const DEFAULT_PAGE = LOCAL_LIMITS.defaultPageSize;

/** An opaque continue token: where the previous page ended, as Kubernetes lists do it. */
export const continueToken = (after: string) => Buffer.from(JSON.stringify({ after })).toString('base64url');

const continueSchema = z.string().transform((token, ctx) => {
  try {
    const { after } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof after === 'string' && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(after)) return { after };
  } catch {
    // fall through to the message below
  }
  ctx.addIssue({
    code: 'custom',
    message: 'must be a continue token from a previous page of this list',
    input: token,
  });
  return z.NEVER;
});

/** The query of GET /deployments, with the page bounds of where the API runs. */
export const listQueryFor = (limits: RequestLimits) =>
  z.object({
    limit: z.coerce
      .number({ error: 'must be a whole number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(limits.maxPageSize, {
        error: (issue) =>
          `must be at most ${limits.maxPageSize}${limits.where === 'digitalocean' ? ' on DigitalOcean, whose answers are capped at 1 MB' : ''} (got ${String(issue.input)})`,
      })
      .default(limits.defaultPageSize),
    continue: continueSchema.optional(),
  });
export const listQuery = listQueryFor(LOCAL_LIMITS);
const shown = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : String(value));

export const logsQuery = z.object({
  tail: z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: (issue) => `must be at least 1 (got ${shown(issue.input)})` })
    .max(5_000, { error: (issue) => `must be at most 5000 (got ${shown(issue.input)})` })
    .default(100),
  build: z
    .enum(['true', 'false'])
    .optional()
    .transform((value) => value === 'true'),
});

export const rollbackBody = z
  .strictObject({
    generation: z
      .number({
        error: (issue) => `must be a whole number, a generation to roll back to (got ${shown(issue.input)})`,
      })
      .int({
        error: (issue) => `must be a whole number, a generation to roll back to (got ${shown(issue.input)})`,
      })
      .min(1, {
        error: (issue) => `must be at least 1: generations count from 1 (got ${shown(issue.input)})`,
      })
      .optional()
      .meta({ description: 'The generation to run again; default: the one before the current one' }),
  })
  .meta({ id: 'RollbackRequest', description: 'An empty body rolls back to the previous generation' });

export const fieldErrorSchema = z
  .object({
    path: z
      .string()
      .meta({ description: 'Dotted path with indexes: "scaling.replicas", "env[2].name", "(root)"' }),
    message: z.string().meta({ description: 'The rule and the value that broke it' }),
    rule: z
      .string()
      .optional()
      .meta({
        description:
          'Machine name of the rule: required, type, min, max, enum, unknown, pattern, or a check of its own',
        examples: ['required', 'type', 'min', 'max', 'enum', 'unknown', 'pattern'],
      }),
  })
  .meta({
    id: 'FieldError',
    description: 'One violated rule of a request: the same shape from the control plane and from agents',
  });

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(fieldErrorSchema).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

const conditionSchema = z.object({
  type: z.enum(['Stored', 'Applied', 'Available', 'Progressing', 'Degraded', 'Built', 'Routed', 'Served']),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string(),
  message: z.string(),
  lastTransitionTime: z.string().optional(),
});

export const buildStatusSchema = z
  .object({
    tag: z.string().meta({ description: "the build context's content address (sha256)" }),
    job: z.string().meta({ description: 'the Kaniko Job, build-<tag12>' }),
    image: z.string().meta({ description: 'where the build pushes' }),
    phase: z.enum(BUILD_PHASES),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    digest: z.string().optional().meta({ description: 'the pushed image digest, sha256:...' }),
    reason: z.string().optional().meta({ description: 'why it failed, or what it waits for' }),
  })
  .meta({
    id: 'Build',
    description: 'The in-cluster build of the image the agent should run, while its Job exists',
  });

export const agentStatusSchema = z
  .object({
    name: z.string(),
    tier: z.enum(TIERS).meta({
      description:
        "dedicated: its own pods; pooled: served by the namespace's pool (then `pods` are the pool's)",
    }),
    phase: z.enum(PHASES),
    target: z.enum(['kubernetes', 'local']).optional().meta({
      description:
        'Where its replicas run: pods of a Kubernetes cluster, or processes of the local server (npm start); absent until its workload is observed',
    }),
    generation: z.number().int(),
    appliedGeneration: z.number().int().optional(),
    url: z
      .string()
      .describe(
        "Where the agent answers, ending in '/': its routes are below it (generate, the custom endpoints, v1/ for the OpenAI-compatible API, mcp for its MCP server, .well-known/agent-card.json and a2a for A2A)",
      ),
    image: z.string().optional(),
    replicas: z.object({
      desired: z.number(),
      ready: z.number(),
      updated: z.number(),
      available: z.number(),
    }),
    autoscaling: z
      .object({
        min: z.number(),
        max: z.number(),
        current: z.number(),
        targetCpuPercentage: z.number().optional(),
      })
      .optional(),
    conditions: z.array(conditionSchema),
    build: buildStatusSchema.optional(),
    pods: z
      .array(
        z.object({
          name: z.string(),
          phase: z.string(),
          ready: z.boolean(),
          restarts: z.number(),
          node: z.string().optional(),
          reason: z.string().optional(),
          message: z.string().optional(),
          servedGeneration: z
            .number()
            .int()
            .optional()
            .meta({ description: 'a pool pod: the generation of this agent it serves' }),
          loadError: z
            .string()
            .optional()
            .meta({ description: "a pool pod: why this agent's config would not load there" }),
        }),
      )
      .optional(),
  })
  .meta({
    id: 'Deployment',
    description: 'An agent as the cluster runs it; the phase is derived, never stored',
  });

// Compile-time guard: the status the core derives is what the schema describes.
const _statusFits = (status: AgentStatus): z.infer<typeof agentStatusSchema> => status;
void _statusFits;

export const deployResultSchema = z
  .object({
    name: z.string(),
    status: z.number().int(),
    outcome: z.enum(['created', 'updated', 'unchanged']).optional(),
    generation: z.number().int().optional(),
    deployment: agentStatusSchema.optional(),
    error: z.object({ type: z.string(), title: z.string(), detail: z.string() }).optional(),
  })
  .meta({ id: 'DeployResult' });

/** The agent config as the API documents it (the same schema and description, named for the document). */
export const agentConfigComponent = agentConfigSchema.meta({ id: 'AgentConfig' });

export const deployBatchSchema = z
  .object({ agents: z.array(agentConfigComponent).min(1).max(50) })
  .meta({ id: 'DeployBatch', description: 'Several agent configs in one request' });

export const deployBatchResponse = z
  .object({ results: z.array(deployResultSchema), failed: z.array(z.string()) })
  .meta({ id: 'DeployBatchResponse' });

export const templatesResponse = z
  .object({
    templates: z.array(
      z.object({
        name: z.string(),
        slug: z.string(),
        description: z.string(),
        instruction: z.string(),
        model: z.string(),
        temperature: z.number(),
        resources: z.object({ cpu: z.string(), memory: z.string() }),
        endpoints: z.array(z.string()),
      }),
    ),
  })
  .meta({ id: 'Templates' });

const checkSchema = z.object({
  ok: z.boolean(),
  latencyMs: z.number(),
  target: z.string(),
  error: z.string().optional(),
});
export const healthResponse = z
  .object({
    status: z.enum(['ok', 'degraded']),
    version: z.string(),
    checks: z.object({ store: checkSchema, cluster: checkSchema }),
  })
  .meta({ id: 'Health' });

export const configResponse = z
  .object({
    name: z.string(),
    generation: z.number().int(),
    updatedAt: z.string(),
    spec: z.record(z.string(), z.unknown()).meta({
      description:
        'The config as the platform resolved it: every default from the template and the platform filled in',
    }),
  })
  .meta({ id: 'AgentConfigView', description: "An agent's stored config (read-only)" });

export const revisionsResponse = z
  .object({
    current: z.number().int(),
    revisions: z.array(
      z.object({
        generation: z.number().int(),
        specHash: z.string(),
        updatedAt: z.string(),
        cause: z.union([
          z.object({ kind: z.literal('deploy') }),
          z.object({ kind: z.literal('rollback'), toGeneration: z.number().int() }),
        ]),
        current: z.boolean(),
      }),
    ),
  })
  .meta({ id: 'Revisions' });

export const logsResponse = z
  .object({
    name: z.string(),
    pods: z.array(z.object({ pod: z.string(), container: z.string(), lines: z.array(z.string()) })),
  })
  .meta({ id: 'Logs' });

export const deleteResponse = z
  .object({
    name: z.string(),
    target: z.enum(['kubernetes', 'local']).optional().meta({
      description: 'Where the agent ran, when anything of it was found running: the terms of `deleted`',
    }),
    deleted: z.array(z.string()).meta({
      description:
        'What was removed, in the terms of where it ran: Kubernetes objects as Kind/name, or the local server\'s processes as "process <name>"',
    }),
    pending: z.boolean(),
    detail: z.string().optional(),
    releasedSecrets: z
      .object({
        names: z.string().meta({ description: 'The names the agent\'s Secrets have: "<agent>.*"' }),
        detail: z.string(),
      })
      .meta({
        description:
          'Secrets are never deleted by fleetplane: whoever deploys the name next may read them. Remove them unless the name is deployed again on purpose',
      }),
  })
  .meta({ id: 'DeleteResult' });

/** GET /whoami: the scope of the token the request carried. */
export const whoamiResponse = z
  .object({
    scope: z
      .string()
      .meta({ description: 'role:glob, as in FLEETPLANE_API_TOKEN_HASHES', examples: ['deployer:team-a-*'] }),
    role: z.enum(ROLES),
    names: z.string().meta({ description: 'The agent names the token reaches (a glob; `*` is every name)' }),
    via: z.enum(['token', 'open', 'invocation']).meta({
      description:
        'token: a bearer token; open: the local server on loopback without tokens; invocation: a DigitalOcean function invocation (doctl), which is admin',
    }),
    description: z.string().meta({ description: 'What the scope allows, in words' }),
  })
  .meta({ id: 'Whoami' });

export const deploymentsResponse = z
  .object({
    deployments: z.array(agentStatusSchema),
    /** Present when more agents may follow: pass it back as ?continue= for the next page. */
    continue: z.string().optional().meta({
      description: 'Present when more agents may follow: pass it back as ?continue= for the next page',
    }),
  })
  .meta({ id: 'Deployments' });

/** GET /: what this server is and where to go next. */
export const aboutResponse = z
  .object({
    name: z.literal('fleetplane'),
    version: z.string(),
    description: z.string(),
    links: z.object({
      docs: z.string().meta({ description: 'The API, readable' }),
      openapi: z.string().meta({ description: 'This OpenAPI document' }),
      console: z.string().meta({ description: 'The web console' }),
      health: z.string().meta({ description: 'Liveness and dependencies' }),
    }),
  })
  .meta({ id: 'About' });

export const gcBody = z.strictObject({
  dryRun: z
    .union([z.boolean(), z.enum(['true', 'false'])])
    .optional()
    .transform((value) => value !== false && value !== 'false'),
});

export const gcResponse = z
  .object({
    dryRun: z.boolean(),
    minAgeSeconds: z.number().meta({
      description:
        'images this store built are deleted only once older than this (FLEETPLANE_GC_MIN_AGE_SECONDS)',
    }),
    kept: z
      .array(z.string())
      .meta({ description: 'short tags in use: the current runtime and every running agent' }),
    unreferenced: z.array(
      z.object({
        kind: z.enum(['context', 'image', 'record']).meta({
          description:
            'a build context in the bucket, an image tag this store built, or its record of a tag already gone',
        }),
        name: z.string(),
        tag: z.string(),
        digest: z.string().optional(),
        deleted: z.boolean(),
      }),
    ),
    skipped: z
      .array(z.object({ name: z.string(), reason: z.string() }))
      .meta({ description: 'images this store built that gc leaves alone, and why' }),
    released: z
      .object({
        namespace: z.string(),
        agents: z.array(z.object({ name: z.string(), deletedAt: z.string() })),
        platformSecrets: z.array(z.string()),
      })
      .meta({
        description:
          'agents this store deleted whose Secrets (<agent>.*) may remain; the control plane cannot read Secrets, `fleetplane gc` lists them with your kubeconfig',
      }),
    notes: z.array(z.string()),
  })
  .meta({
    id: 'GcReport',
    description: 'Build contexts and images no agent references; deleted unless a dry run',
  });
