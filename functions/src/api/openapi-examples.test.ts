/**
 * Every example the OpenAPI document shows (and /docs with it) is valid against the schema
 * beside it, checked strictly with ajv: an example cannot drift from what the API accepts
 * and answers. And the page renders them, with each route's parameters and schemas.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { strict } from '../../../test/support/openapi-contract.ts';
import { docsPage, type OpenApiDocument } from './docs-page.ts';
import { openApiDocument } from './openapi.ts';

const ID = 'https://fleetplane.io/openapi.json';
type Json = Record<string, unknown>;
const document = openApiDocument('0.0.0-test') as unknown as OpenApiDocument & {
  paths: Record<string, Record<string, Json>>;
};
const pointer = (...segments: string[]) =>
  segments.map((segment) => encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

/** Every media type object of the document that carries examples, with where it sits. */
function mediaWithExamples(): { where: string[]; values: unknown[] }[] {
  const found: { where: string[]; values: unknown[] }[] = [];
  for (const [path, item] of Object.entries(document.paths))
    for (const [method, operation] of Object.entries(item)) {
      if (method === 'parameters') continue;
      const op = operation as {
        requestBody?: { content: Json };
        responses: Record<string, { content?: Json }>;
      };
      const bodies: [string[], Json | undefined][] = [
        [['requestBody'], op.requestBody?.content],
        ...Object.entries(op.responses).map(
          ([status, response]) => [['responses', status], response.content] as [string[], Json | undefined],
        ),
      ];
      for (const [at, content] of bodies)
        for (const [type, media] of Object.entries(content ?? {})) {
          const { example, examples } = media as {
            example?: unknown;
            examples?: Record<string, { value: unknown }>;
          };
          const values = [
            ...(example === undefined ? [] : [example]),
            ...Object.values(examples ?? {}).map((entry) => entry.value),
          ];
          if (values.length) found.push({ where: ['paths', path, method, ...at, 'content', type], values });
        }
    }
  return found;
}

describe('the OpenAPI examples', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  // Strictly: an example may carry no field its schema does not name.
  ajv.addSchema({ ...(strict(document) as Json), $id: ID });

  it('cover a config to deploy, the main answers and a 422, each valid against its schema', () => {
    const all = mediaWithExamples();
    expect(all.map((media) => media.where.slice(1, 5).join(' ')).sort()).toEqual(
      expect.arrayContaining([
        '/deploy post requestBody content',
        '/deploy post responses 201',
        '/deploy post responses 422',
        '/deployments get responses 200',
        '/deployments/{name}/logs get responses 200',
      ]),
    );
    for (const { where, values } of all) {
      const validate = ajv.getSchema(`${ID}#/${pointer(...where, 'schema')}`);
      expect(validate, where.join(' ')).toBeDefined();
      for (const value of values)
        expect(
          { where: where.join(' '), valid: validate?.(value), errors: ajv.errorsText(validate?.errors) },
          JSON.stringify(value).slice(0, 200),
        ).toEqual({ where: where.join(' '), valid: true, errors: 'No errors' });
    }
  });
});

describe('the docs page', () => {
  const page = docsPage(document);

  it('shows each route’s parameters with their rules, its bodies’ schemas and examples, and every schema', () => {
    for (const parameter of ['limit', 'continue', 'tail', 'build'])
      expect(page).toContain(`<td><code>${parameter}</code>`);
    expect(page).toMatch(
      /<td><code>limit<\/code><\/td><td>query<\/td><td>integer<\/td><td>≥ 1; ≤ 500; default 100<\/td>/,
    );
    expect(page).toContain('<summary>Example: one agent</summary>');
    expect(page).toContain('<a href="#schema-AgentConfig">AgentConfig</a>');
    expect(page).toContain('id="schema-Deployment"');
    expect(page).toContain('<td><code>scaling.replicas</code></td><td>integer</td>');
    expect(page).toContain('exactly one of <code>value</code>, <code>secretRef</code>');
    expect(page).not.toContain('<script');
  });
});
