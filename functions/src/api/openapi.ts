/**
 * The OpenAPI 3.1 document of the REST API, generated from the same zod schemas the routes
 * validate with, and a self-contained HTML page that lists it (no CDN, no script).
 */
import { z } from 'zod';
import { agentConfigSchema } from '../core/agent-config.ts';
import {
  agentStatusSchema,
  configResponse,
  DEFAULT_PAGE,
  deleteResponse,
  deployBatchResponse,
  deployBatchSchema,
  deploymentsResponse,
  deployResultSchema,
  gcBody,
  gcResponse,
  healthResponse,
  logsResponse,
  MAX_PAGE,
  problemSchema,
  revisionsResponse,
  rollbackBody,
  templatesResponse,
} from './schemas.ts';

const schema = (type: z.ZodType) =>
  z.toJSONSchema(type, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
const json = (type: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema: schema(type) } },
});
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: schema(problemSchema) } },
});
const nameParameter = {
  name: 'name',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$' },
};
const common = {
  '401': problem('Missing or invalid bearer token'),
  '503': problem('Store or cluster unreachable; retry after Retry-After seconds'),
};

export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'fleetplane',
      version,
      description: 'Deploy GenAI agents to Kubernetes from one JSON config. Status is read from the cluster.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths: {
      '/deploy': {
        post: {
          summary: 'Deploy one agent, or several with {"agents": [...]}',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { oneOf: [schema(agentConfigSchema), schema(deployBatchSchema)] },
              },
            },
          },
          responses: {
            '201': json(deployResultSchema, 'Created (a batch answers DeployBatchResponse)'),
            '200': json(deployResultSchema, 'Updated or unchanged'),
            '207': json(deployBatchResponse, 'A batch in which some agents failed; see each result'),
            '400': problem('Malformed JSON'),
            '409': problem('Another request changed the same agent first'),
            '413': problem('Body larger than 1 MiB'),
            '422': problem('Invalid config: errors[] names each field, rule and value'),
            ...common,
          },
        },
      },
      '/deployments': {
        get: {
          summary: 'Agents with their phase, replicas, url, image and conditions, a page at a time',
          parameters: [
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE },
            },
            {
              name: 'continue',
              in: 'query',
              description: 'The `continue` of the previous page',
              schema: { type: 'string' },
            },
          ],
          responses: {
            '200': json(
              deploymentsResponse,
              'A page of agents in name order; `continue` when there are more',
            ),
            '400': problem('A limit out of range, or a continue token that is not from this list'),
            ...common,
          },
        },
      },
      '/deployments/{name}': {
        parameters: [nameParameter],
        get: {
          summary: 'One agent in detail: build, rollout, pods and their reasons',
          responses: {
            '200': json(agentStatusSchema, 'The agent'),
            '404': problem('No such agent'),
            ...common,
          },
        },
        delete: {
          summary: 'Delete the agent: its objects in the cluster, its config and revisions',
          responses: {
            '200': json(deleteResponse, 'Deleted'),
            '202': json(deleteResponse, 'Config deleted; the sweep removes the remaining objects'),
            '404': problem('No such agent'),
            ...common,
          },
        },
      },
      '/deployments/{name}/config': {
        parameters: [nameParameter],
        get: {
          summary: "The agent's stored config, as resolved (read-only)",
          responses: {
            '200': json(configResponse, 'The stored config of the current generation'),
            '404': problem('No such agent'),
            ...common,
          },
        },
      },
      '/deployments/{name}/revisions': {
        parameters: [nameParameter],
        get: {
          summary: 'Stored generations of the agent',
          responses: {
            '200': json(revisionsResponse, 'Revisions'),
            '404': problem('No such agent'),
            ...common,
          },
        },
      },
      '/deployments/{name}/rollback': {
        parameters: [nameParameter],
        post: {
          summary: 'Roll back to a generation (default: the previous one) as a new generation',
          requestBody: { required: false, content: { 'application/json': { schema: schema(rollbackBody) } } },
          responses: {
            '200': json(deployResultSchema, 'Rolled back'),
            '404': problem('No such agent or revision'),
            '409': problem('Already at that generation'),
            ...common,
          },
        },
      },
      '/deployments/{name}/logs': {
        parameters: [
          nameParameter,
          { name: 'tail', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 5000, default: 100 } },
          {
            name: 'build',
            in: 'query',
            description: "true: the log of the agent's image build (the Kaniko pod) instead of its pods",
            schema: { type: 'string', enum: ['true', 'false'], default: 'false' },
          },
        ],
        get: {
          summary: "Tail of the agent's pod logs, or of its image build's (?build=true)",
          responses: {
            '200': json(logsResponse, 'Log lines per pod'),
            '404': problem('No such agent'),
            ...common,
          },
        },
      },
      '/gc': {
        get: {
          summary: 'Build contexts and images no agent references any more (a dry run)',
          responses: { '200': json(gcResponse, 'What gc would delete'), ...common },
        },
        post: {
          summary: 'Delete them: only with {"dryRun": false}; without it, a dry run',
          requestBody: { required: false, content: { 'application/json': { schema: schema(gcBody) } } },
          responses: {
            '200': json(gcResponse, 'What was deleted (or would be, in a dry run)'),
            '400': problem('Malformed body'),
            ...common,
          },
        },
      },
      '/templates': {
        get: {
          summary: 'The six templates and their defaults',
          responses: { '200': json(templatesResponse, 'Templates'), '401': common['401'] },
        },
      },
      '/health': {
        get: {
          summary: 'Liveness and dependency reachability (no token needed)',
          security: [],
          responses: {
            '200': json(healthResponse, 'Store and cluster reachable'),
            '503': json(healthResponse, 'A dependency is unreachable'),
          },
        },
      },
    },
  };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch] as string);

export function docsPage(document: ReturnType<typeof openApiDocument>): string {
  const rows = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => method !== 'parameters')
      .map(([method, operation]) => {
        const op = operation as { summary: string; responses: Record<string, { description: string }> };
        const codes = Object.entries(op.responses)
          .map(([code, response]) => `<li><code>${code}</code> ${escapeHtml(response.description)}</li>`)
          .join('');
        return `<section><h2><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h2><p>${escapeHtml(op.summary)}</p><ul>${codes}</ul></section>`;
      }),
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fleetplane API</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}code{background:#f3f3f3;padding:0 .25rem}section{border-top:1px solid #ddd}</style>
</head><body><h1>fleetplane API ${escapeHtml(document.info.version)}</h1><p>${escapeHtml(document.info.description)} Send <code>Authorization: Bearer &lt;token&gt;</code> to every route but <code>/health</code>. The machine-readable document is at <a href="openapi.json"><code>/openapi.json</code></a>.</p>${rows.join('\n')}</body></html>`;
}
