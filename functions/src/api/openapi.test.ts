import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { answerOf, contractChecker } from '../../../test/support/openapi-contract.ts';
import type { DeployResult } from '../control-plane/control-plane.ts';
import { ConflictError, UnavailableError } from '../core/errors.ts';
import { agentConfigJsonSchema } from '../core/json-schema.ts';
import { ADMIN_SCOPE } from '../core/token-scope.ts';
import { silentLogger } from '../lib/logger.ts';
import { createApp } from './app.ts';
import { docsRoutes } from './docs-routes.ts';
import { openApiDocument } from './openapi.ts';
import { deployBatchResponse, deployResponse } from './responses.ts';
import { rootRoutes } from './routes/root.ts';
import { templatesRoutes } from './routes/templates.ts';
import { whoamiRoutes } from './routes/whoami.ts';

const document = openApiDocument('1.2.3');

/** Every `$ref` in a JSON value, with where it was found. */
function refsOf(value: unknown, at = '#'): [string, string][] {
  if (Array.isArray(value)) return value.flatMap((item, index) => refsOf(item, `${at}/${index}`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '$ref' ? [[at, String(inner)] as [string, string]] : refsOf(inner, `${at}/${key}`),
  );
}

describe('the OpenAPI document', () => {
  it('says where each agent answers, its MCP server and A2A agent included', () => {
    expect(document.info.description).toMatch(
      /an MCP server at mcp .*card at \.well-known\/agent-card\.json, JSON-RPC at a2a/,
    );
    const deployment = (
      document.components.schemas as Record<string, { properties: Record<string, { description?: string }> }>
    ).Deployment;
    expect(deployment?.properties.url?.description).toMatch(
      /mcp for its MCP server, \.well-known\/agent-card\.json and a2a for A2A/,
    );
  });

  it('is a valid OpenAPI 3.1 document whose references all resolve', async () => {
    const validator = new Validator();
    const result = await validator.validate(
      structuredClone(document) as Parameters<Validator['validate']>[0],
    );
    expect(result).toEqual({ valid: true });
    expect(validator.version).toBe('3.1');
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it('keeps shared schemas under components/schemas only: no $defs, no shared leftovers', () => {
    const text = JSON.stringify(document);
    expect(text).not.toContain('$defs');
    expect(text).not.toContain('__shared');
    const components = Object.keys(document.components.schemas);
    for (const [at, target] of refsOf(document))
      expect({ at, target }).toEqual({
        at,
        target: expect.stringMatching(new RegExp(`^#/components/schemas/(${components.join('|')})$`)),
      });
    expect(components).toEqual(
      expect.arrayContaining([
        'AgentConfig',
        'DeployBatch',
        'DeployResult',
        'DeployBatchResponse',
        'Problem',
        'FieldError',
      ]),
    );
  });

  it('documents what a batch answers: {results, failed} for 201, 200, 207 and the failures a batch shares', () => {
    const deploy = document.paths['/deploy'].post.responses;
    const batch = { $ref: '#/components/schemas/DeployBatchResponse' };
    for (const status of ['201', '200'] as const)
      expect(
        (deploy[status].content['application/json'].schema as { oneOf: unknown[] }).oneOf,
      ).toContainEqual(batch);
    expect(deploy['207'].content['application/json'].schema).toEqual(batch);
    for (const status of ['409', '502', '503'] as const)
      expect(deploy[status].content).toMatchObject({ 'application/json': { schema: batch } });
    expect(Object.keys(deploy)).toEqual(
      expect.arrayContaining(['400', '401', '403', '413', '415', '422', '500', '503']),
    );
  });

  it('documents a 400 on every route that takes an agent name, and Retry-After on every 503', () => {
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (method === 'parameters') continue;
        const responses = (operation as { responses: Record<string, { headers?: object }> }).responses;
        if (path.includes('{name}'))
          expect({ path, method, has400: '400' in responses }).toMatchObject({ has400: true });
        if (responses['503'])
          expect({ path, method, headers: responses['503'].headers }).toMatchObject({
            headers: { 'Retry-After': expect.any(Object) },
          });
      }
    }
  });

  it('types logging, cloud, tier and template as enums and cpu/memory with a quantity pattern, as the config schema does', () => {
    const config = document.components.schemas.AgentConfig as {
      properties: Record<string, Record<string, unknown>>;
    };
    const file = JSON.parse(
      readFileSync(new URL('../../../examples/agent.config.schema.json', import.meta.url), 'utf8'),
    );
    expect(config.properties.logging?.enum).toEqual(['debug', 'info', 'warn', 'error']);
    expect(config.properties.cloud?.enum).toEqual(['DigitalOcean', 'local']);
    expect(config.properties.tier?.enum).toEqual(['dedicated', 'pooled']);
    expect(config.properties.template?.enum).toEqual(
      expect.arrayContaining(['Code Assistant', 'code-assistant']),
    );
    expect(config.properties.logging?.description).toMatch(/ignoring case/);
    const resources = config.properties.resources as { properties: Record<string, { pattern?: string }> };
    expect(resources.properties.cpu?.pattern).toMatch(/^\^.*Mi.*\$$/);
    expect(resources.properties.memory?.pattern).toBe(resources.properties.cpu?.pattern);
    // One source: the committed config schema says the same of every field.
    const { $id: _id, $schema: _schema, title: _title, ...fromFile } = file;
    const { $id: _i, $schema: _s, title: _t, ...fromZod } = agentConfigJsonSchema();
    expect(fromFile).toEqual(fromZod);
    expect({ ...config, description: undefined }).toEqual({ ...fromFile, description: undefined });
  });
});

describe('tools in the document', () => {
  it('documents an agent config’s tools (one schema per type) and toolLimits', () => {
    const config = document.components.schemas.AgentConfig as {
      properties: Record<string, { items?: { oneOf?: { properties: { type: { const: string } } }[] } }>;
    };
    const types = config.properties.tools?.items?.oneOf?.map((tool) => tool.properties.type.const);
    expect(types).toEqual(['http', 'mcp', 'agent']);
    expect(Object.keys((config.properties.toolLimits as { properties: object }).properties)).toEqual([
      'maxSteps',
      'timeoutMs',
      'maxResultBytes',
    ]);
  });
});

describe('public routes and answers against the document', () => {
  const TOKEN_HASH = '0'.repeat(64);
  const VIEWER = 'viewer-token';
  const app = createApp({
    auth: {
      tokens: [
        { hash: TOKEN_HASH, scope: ADMIN_SCOPE },
        {
          hash: createHash('sha256').update(VIEWER).digest('hex'),
          scope: { role: 'viewer', names: 'team-a-*' },
        },
      ],
      openWhenUnconfigured: false,
    },
    log: silentLogger,
    routes: [rootRoutes('1.2.3'), templatesRoutes(), whoamiRoutes(), docsRoutes('1.2.3')],
  });

  it('GET /whoami answers the scope of the token, as documented; no token is a 401', async () => {
    const viewer = await answerOf(
      await app.request('/whoami', { headers: { authorization: `Bearer ${VIEWER}` } }),
    );
    expect(viewer.status).toBe(200);
    expect(viewer.body).toEqual({
      scope: 'viewer:team-a-*',
      role: 'viewer',
      names: 'team-a-*',
      via: 'token',
      description:
        'viewer:team-a-* (read-only: list, status, config, revisions and logs of agents named team-a-*)',
    });
    expect(contract.problems('get', '/whoami', viewer)).toEqual([]);
    const anonymous = await answerOf(await app.request('/whoami'));
    expect(anonymous.status).toBe(401);
    expect(contract.problems('get', '/whoami', anonymous)).toEqual([]);
  });
  const contract = contractChecker();

  it('GET / says what this is: JSON to a client that asks for it, a page with links otherwise, without a token', async () => {
    const json = await answerOf(await app.request('/', { headers: { accept: 'application/json' } }));
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({
      name: 'fleetplane',
      version: '1.2.3',
      links: { docs: '/docs', openapi: '/openapi.json', console: '/console/', health: '/health' },
    });
    expect(contract.problems('get', '/', json)).toEqual([]);
    const html = await app.request('/', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(html.headers.get('content-type')).toContain('text/html');
    const page = await html.text();
    for (const link of ['href="docs"', 'href="openapi.json"', 'href="console/"', 'href="health"'])
      expect(page).toContain(link);
    expect((await app.request('/')).headers.get('content-type')).toContain('text/html');
  });

  it('serves /docs and /openapi.json without a token, and still guards the rest', async () => {
    const docs = await app.request('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('<section class="operation" id="op-post-deploy">');
    expect(docs.headers.get('content-security-policy')).toMatch(
      /^default-src 'none'; style-src 'unsafe-inline'/,
    );
    const openapi = await answerOf(await app.request('/openapi.json'));
    expect(openapi.status).toBe(200);
    expect(openapi.body).toEqual(JSON.parse(JSON.stringify(openApiDocument('1.2.3'))));
    expect(contract.problems('get', '/openapi.json', openapi)).toEqual([]);
    const refused = await answerOf(await app.request('/templates'));
    expect(refused.status).toBe(401);
    expect(contract.problems('get', '/templates', refused)).toEqual([]);
  });

  it('serves the document of the templates function (…/templates/openapi.json) without a token', async () => {
    const saved = process.env.FLEETPLANE_API_TOKEN_HASHES;
    process.env.FLEETPLANE_API_TOKEN_HASHES = TOKEN_HASH;
    try {
      const { main } = await import('../entries/templates.ts');
      const web = (path: string) => ({ http: { method: 'GET', path, headers: {}, queryString: '' } });
      const openapi = await main(web('/openapi.json'));
      expect(openapi.statusCode).toBe(200);
      expect(JSON.parse(openapi.body).openapi).toBe('3.1.0');
      expect((await main(web('/docs'))).statusCode).toBe(200);
      expect((await main(web(''))).statusCode).toBe(401);
    } finally {
      if (saved === undefined) delete process.env.FLEETPLANE_API_TOKEN_HASHES;
      else process.env.FLEETPLANE_API_TOKEN_HASHES = saved;
    }
  });

  it('the check itself fails an undocumented status, an undocumented field and a wrong type', () => {
    const headers = new Headers({ 'content-type': 'application/json' });
    const problem = new Headers({ 'content-type': 'application/problem+json' });
    expect(contract.problems('get', '/templates', { status: 418, headers, body: {} })).toEqual([
      expect.stringMatching(/status not documented/),
    ]);
    expect(
      contract.problems('get', '/templates', { status: 200, headers, body: { templates: [], extra: 1 } }),
    ).toEqual([expect.stringMatching(/must NOT have additional properties/)]);
    expect(
      contract.problems('get', '/templates', {
        status: 401,
        headers: problem,
        body: { type: 1, title: 't', status: 401, detail: 'd' },
      }),
    ).toEqual([expect.stringMatching(/type must be string/)]);
    expect(contract.problems('get', '/templates', { status: 401, headers, body: {} })).toEqual([
      expect.stringMatching(/content type "application\/json" not documented/),
    ]);
  });

  it('documents what responses.ts answers for failed deploys, single and batch', async () => {
    const stored: DeployResult = {
      name: 'a',
      kind: 'stored',
      outcome: 'created',
      generation: 1,
      error: new UnavailableError('cluster', 'the cluster is unreachable', 7),
    };
    const conflict: DeployResult = { name: 'b', kind: 'failed', error: new ConflictError('raced') };
    const answers = [
      await answerOf(deployBatchResponse([stored, conflict])),
      await answerOf(deployBatchResponse([stored, { ...stored, name: 'c' }])),
      await answerOf(deployBatchResponse([conflict])),
      await answerOf(deployResponse(stored, '/deploy')),
      await answerOf(deployResponse(conflict, '/deploy')),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([207, 503, 409, 503, 409]);
    expect(answers.flatMap((answer) => contract.problems('post', '/deploy', answer))).toEqual([]);
  });
});
