/**
 * The OpenAPI 3.1 document of the REST API, generated from the same zod schemas the routes
 * validate with, with examples (openapi-examples.ts). docs-page.ts renders it for people.
 *
 * Every schema with `.meta({ id })` is a component (`#/components/schemas/<id>`), and each use
 * of it a `$ref` there; nothing else may hold `$defs`, since a `$ref` in an operation resolves
 * against the document's root. The responses list every status the server gives for each
 * route, and the integration test api-contract.test.ts checks real answers against them.
 *
 * WARNING: it must hold no secret and nothing of the configuration: it is served without a token.
 */
import { z } from 'zod';
import { MAX_AGENTS_PER_REQUEST } from '../core/deploy-request.ts';
import { LOCAL_LIMITS, type RequestLimits, sizeText } from '../core/request-limits.ts';
import { EXAMPLES } from './openapi-examples.ts';
import { agentNameParam, gcBody, listQueryFor, logsQuery } from './schemas.ts';

const SCHEMAS = '#/components/schemas/';
const ref = (id: string) => ({ $ref: `${SCHEMAS}${id}` });

const GENERATION = { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' } as const;

/** One schema, inline: for parameters, which must not carry `$schema`. */
function inline(type: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...schema } = z.toJSONSchema(type, GENERATION) as Record<string, unknown>;
  return schema;
}

/**
 * Every registered schema (`.meta({ id })`), with references between them as `$ref`s into
 * components. zod stamps each with `$schema` and a fragment `$id`, which would re-base the
 * references inside it: both go (OpenAPI 3.1's dialect is JSON Schema 2020-12 already).
 */
function components(): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, { ...GENERATION, uri: (id) => `${SCHEMAS}${id}` });
  if ('__shared' in schemas)
    throw new Error('a schema without an id is shared between components; give it .meta({ id })');
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _s, $id: _i, ...rest } = schema as Record<string, unknown>;
      return [id, rest];
    }),
  );
}

const PROBLEM = 'application/problem+json';
const JSON_TYPE = 'application/json';

const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
};

const json = (schema: object, description: string, headers?: object) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { [JSON_TYPE]: { schema } },
});
/** A response with an example of its first content type (openapi-examples.ts; checked by a test). */
const withExample = <R extends { content: Record<string, object> }>(response: R, example: unknown): R => {
  const [type, media] = Object.entries(response.content)[0] as [string, object];
  return { ...response, content: { ...response.content, [type]: { ...media, example } } };
};
const problem = (description: string, headers?: object) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { [PROBLEM]: { schema: ref('Problem') } },
});
/** A status a single deploy answers as a problem and a batch as every agent's result. */
const problemOrBatch = (description: string, headers?: object) => ({
  description,
  ...(headers ? { headers } : {}),
  content: {
    [PROBLEM]: { schema: ref('Problem') },
    [JSON_TYPE]: { schema: ref('DeployBatchResponse') },
  },
});

const nameParameter = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'The agent name (a DNS label)',
  schema: inline(agentNameParam.shape.name),
};
const badName = 'The name is not an agent name (errors[] says why)';

/** What every route behind the token may answer. */
const guarded = {
  '401': problem('Missing or invalid bearer token', {
    'WWW-Authenticate': { description: 'Bearer realm="fleetplane"', schema: { type: 'string' } },
  }),
  '403': problem(
    "The token's scope does not allow this: its role, an agent name outside its glob, or a change of where an agent's Secrets go that only the scope that created it or an admin may make (the detail names the scope and the rule; nothing was changed). From the local server in open mode also: a foreign Origin or a non-loopback Host",
  ),
  '500': problem(
    'The control plane is misconfigured (type …/misconfigured: the detail names the setting), or an unexpected error (detail quotes a request id)',
  ),
};
/** What a route that reads the store or the cluster may answer besides. */
const dependent = {
  ...guarded,
  '502': problem('The cluster refused what was sent (admission, RBAC, an invalid object)'),
  '503': problem(
    'The store or the cluster is unreachable; nothing was half-done, retry after Retry-After',
    retryAfter,
  ),
};
const notJson = {
  '415': problem('Local server (npm start) only: a write with a body must be Content-Type: application/json'),
};

const deployResultOrBatch = { oneOf: [ref('DeployResult'), ref('DeployBatchResponse')] };

/** The document of the API as it runs `limits.where`: its body and page limits are that platform's. */
export function openApiDocument(version: string, limits: RequestLimits = LOCAL_LIMITS) {
  const onDigitalOcean = limits.where === 'digitalocean';
  const bodyLimit = `${sizeText(limits.maxDeployBodyBytes)}${onDigitalOcean ? ' (DigitalOcean carries at most 1 MB, base64-encoded)' : ''}`;
  return {
    openapi: '3.1.0',
    info: {
      title: 'fleetplane',
      version,
      description:
        'Deploy GenAI agents to Kubernetes from one JSON config. Status is read from the cluster. ' +
        'Send Authorization: Bearer <token> to every route but /, /health, /docs and /openapi.json. ' +
        'A token has a scope (admin, or deployer or viewer of the agent names its glob matches; GET /whoami tells which): ' +
        'lists show only the names in scope, and anything else outside it is a 403 that names the scope. ' +
        'Errors are RFC 9457 problem documents; a field error is {path, message, rule?}. ' +
        "Agents are not routes of this API: each answers at its own URL (a deployment's url), /<name>/ on the agents' host, with generate, its custom endpoints, the OpenAI-compatible v1/, an MCP server at mcp (Streamable HTTP) and an A2A agent (card at .well-known/agent-card.json, JSON-RPC at a2a). " +
        'On DigitalOcean each route group is a function with a URL of its own (…/fleetplane/deploy, …/fleetplane/deployments/{name}, …/fleetplane/templates/openapi.json).',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: components(),
    },
    security: [{ bearer: [] }],
    paths: {
      '/': {
        get: {
          summary: 'What this server is, and links to the docs, this document, the console and /health',
          security: [],
          responses: {
            '200': {
              description: 'JSON when the request accepts application/json, else a small HTML page',
              content: { [JSON_TYPE]: { schema: ref('About') }, 'text/html': { schema: { type: 'string' } } },
            },
          },
        },
      },
      '/deploy': {
        post: {
          summary: `Deploy one agent, or up to ${MAX_AGENTS_PER_REQUEST} with {"agents": [...]}`,
          description:
            'Every config is validated before anything is written; one invalid agent rejects the request (422). ' +
            "A single config answers a DeployResult, or a problem when it failed. A batch answers every agent's " +
            'result ({results, failed}): 201 when something was created and nothing failed, 200 when nothing ' +
            'failed, the common status when all failed alike, else 207.',
          requestBody: {
            required: true,
            description: `At most ${bodyLimit}`,
            content: {
              [JSON_TYPE]: {
                schema: { oneOf: [ref('AgentConfig'), ref('DeployBatch')] },
                examples: {
                  'one agent': { value: EXAMPLES.deployOne },
                  'a batch': { value: EXAMPLES.deployBatch },
                },
              },
            },
          },
          responses: {
            '201': withExample(
              json(deployResultOrBatch, 'Created: a DeployResult, or for a batch a DeployBatchResponse'),
              EXAMPLES.deployResult,
            ),
            '200': json(
              deployResultOrBatch,
              'Updated or unchanged: a DeployResult, or for a batch a DeployBatchResponse',
            ),
            '207': withExample(
              json(ref('DeployBatchResponse'), 'A batch in which some agents failed; see each result'),
              EXAMPLES.deployBatchResult,
            ),
            '400': problem('The body is not JSON, or is empty'),
            '409': problemOrBatch('Another request changed the same agent first; re-read and retry'),
            '413': problem(`Body larger than ${bodyLimit}; send a large batch in parts`),
            ...notJson,
            '422': withExample(
              problem('Invalid config: errors[] names each field, rule and value'),
              EXAMPLES.invalid,
            ),
            ...dependent,
            '403': problemOrBatch(
              "Outside the token's scope: its role may not deploy, or an agent is outside its glob (a batch is refused whole, before anything is written); or, per agent of a batch, a change of where an existing agent's Secrets go that only the scope that created it or an admin may make",
            ),
            '502': problemOrBatch('The cluster refused what was sent; the config is stored'),
            '503': problemOrBatch(
              'The store or the cluster is unreachable; retry after Retry-After (deploying again is safe)',
              retryAfter,
            ),
          },
        },
      },
      '/deployments': {
        get: {
          summary:
            "Agents with their phase, replicas, url, image and conditions, a page at a time; only the names in the token's scope",
          parameters: [
            {
              name: 'limit',
              in: 'query',
              description: `Agents per page (default ${limits.defaultPageSize}, at most ${limits.maxPageSize})${onDigitalOcean ? '; a page ends early, with `continue`, before its answer would pass 1 MB' : ''}`,
              schema: inline(listQueryFor(limits).shape.limit),
            },
            {
              name: 'continue',
              in: 'query',
              description: 'The `continue` of the previous page',
              schema: { type: 'string' },
            },
          ],
          responses: {
            '200': withExample(
              json(
                ref('Deployments'),
                'A page of agents in name order (as the store sorts its keys: `web-1` before `web`); deleted agents are skipped once their objects are gone, so a page may hold fewer than `limit`, even none; `continue` when more may follow',
              ),
              EXAMPLES.deployments,
            ),
            '400': problem('A limit out of range, or a continue token that is not from this list'),
            ...dependent,
          },
        },
      },
      '/deployments/{name}': {
        parameters: [nameParameter],
        get: {
          summary: 'One agent in detail: build, rollout, pods and their reasons',
          responses: {
            '200': withExample(json(ref('Deployment'), 'The agent'), EXAMPLES.deployment),
            '400': problem(badName),
            '404': problem('No such agent'),
            ...dependent,
          },
        },
        delete: {
          summary:
            "Delete the agent: its objects in the cluster, its config and revisions. Its Secrets are not deleted: the answer's releasedSecrets says so",
          responses: {
            '200': withExample(json(ref('DeleteResult'), 'Deleted'), EXAMPLES.deleted),
            '202': json(ref('DeleteResult'), 'Config deleted; the sweep removes the remaining objects'),
            '400': problem(badName),
            '404': problem('No such agent'),
            ...notJson,
            ...dependent,
          },
        },
      },
      '/deployments/{name}/config': {
        parameters: [nameParameter],
        get: {
          summary: "The agent's stored config, as resolved (read-only)",
          responses: {
            '200': json(ref('AgentConfigView'), 'The stored config of the current generation'),
            '400': problem(badName),
            '404': problem('No such agent'),
            ...dependent,
          },
        },
      },
      '/deployments/{name}/revisions': {
        parameters: [nameParameter],
        get: {
          summary: 'Stored generations of the agent',
          responses: {
            '200': json(ref('Revisions'), 'Revisions'),
            '400': problem(badName),
            '404': problem('No such agent'),
            ...dependent,
          },
        },
      },
      '/deployments/{name}/rollback': {
        parameters: [nameParameter],
        post: {
          summary: 'Roll back to a generation (default: the previous one) as a new generation',
          requestBody: { required: false, content: { [JSON_TYPE]: { schema: ref('RollbackRequest') } } },
          responses: {
            '200': json(ref('DeployResult'), 'Rolled back: the new generation runs the older spec'),
            '400': problem(`${badName}, or the body is not {"generation": <whole number ≥ 1>}`),
            '404': problem(
              'No such agent, no such revision, or only one generation (nothing to roll back to)',
            ),
            '409': problem('Already at that generation, or another request changed the agent first'),
            '413': problem('Body larger than 4096 bytes'),
            ...notJson,
            ...dependent,
          },
        },
      },
      '/deployments/{name}/logs': {
        parameters: [
          nameParameter,
          {
            name: 'tail',
            in: 'query',
            description: 'Lines per pod, from the end',
            schema: inline(logsQuery.shape.tail),
          },
          {
            name: 'build',
            in: 'query',
            description: "true: the log of the agent's image build (the Kaniko pod) instead of its pods",
            schema: { type: 'string', enum: ['true', 'false'], default: 'false' },
          },
        ],
        get: {
          summary: "Tail of the agent's pod logs, or of its image build's",
          responses: {
            '200': withExample(json(ref('Logs'), 'Log lines per pod'), EXAMPLES.logs),
            '400': problem(
              `${badName}, or tail is not a whole number from 1 to 5000, or build is not true or false`,
            ),
            '404': problem('No such agent'),
            ...dependent,
          },
        },
      },
      '/gc': {
        get: {
          summary: 'Build contexts and images no agent references any more (a dry run; admin tokens only)',
          responses: { '200': json(ref('GcReport'), 'What gc would delete'), ...dependent },
        },
        post: {
          summary: 'Delete them: only with {"dryRun": false}; without it, a dry run (admin tokens only)',
          requestBody: { required: false, content: { [JSON_TYPE]: { schema: inline(gcBody) } } },
          responses: {
            '200': json(ref('GcReport'), 'What was deleted (or would be, in a dry run)'),
            '400': problem('The body is not {"dryRun": true|false}'),
            ...notJson,
            ...dependent,
          },
        },
      },
      '/templates': {
        get: {
          summary: 'The six templates and their defaults',
          responses: { '200': json(ref('Templates'), 'Templates'), ...guarded },
        },
      },
      '/whoami': {
        get: {
          summary: "The scope of this request's token: its role and the agent names it reaches",
          responses: { '200': json(ref('Whoami'), 'The scope'), ...guarded },
        },
      },
      '/health': {
        get: {
          summary: 'Liveness and dependency reachability (no token needed)',
          security: [],
          responses: {
            '200': withExample(json(ref('Health'), 'Store and cluster reachable'), EXAMPLES.health),
            '503': json(ref('Health'), 'A dependency is unreachable or misconfigured', retryAfter),
          },
        },
      },
      '/docs': {
        get: {
          summary: 'This API as a readable page (no token needed)',
          security: [],
          responses: {
            '200': { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } },
          },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document (no token needed)',
          security: [],
          responses: { '200': json({ type: 'object' }, 'The OpenAPI 3.1 document') },
        },
      },
    },
  };
}

// The docs page's renderer rides in this module's lazy chunk (build.ts), loaded with the document.
export { docsPage } from './docs-page.ts';
