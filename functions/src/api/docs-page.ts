/**
 * GET /docs: the OpenAPI document rendered for people, on the server, as one HTML page with no
 * script: every route with its parameters (`limit`, `continue`, `tail`, `build`), its request
 * body and each response with their schemas and examples, then every shared schema as a table
 * of fields in the API's own path notation (`scaling.replicas`, `env[].name`).
 *
 * WHY our own and not Swagger UI, Redoc or Scalar: those are 1 to 3 MB of browser code (React
 * or Vue) that need inline styles, and swagger-ui-dist pulls in an install-time telemetry
 * package; this page is a few KB of HTML from the document we already generate, works on the
 * templates function as it is, and its CSP allows no script at all (docs-routes.ts).
 *
 * Pure: a document in, a string out. Every text from the document is escaped.
 */

type Json = Record<string, unknown>;

interface Operation {
  summary?: string;
  description?: string;
  parameters?: Json[];
  requestBody?: { required?: boolean; content?: Record<string, Json> };
  responses: Record<
    string,
    { description: string; headers?: Record<string, Json>; content?: Record<string, Json> }
  >;
  security?: unknown[];
}

export interface OpenApiDocument {
  info: { title: string; version: string; description: string };
  paths: Record<string, Json>;
  components: { schemas: Record<string, unknown> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const SCHEMAS = '#/components/schemas/';
/** How deep nested objects are flattened into rows before a row just says "object". */
const MAX_DEPTH = 4;

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string,
  );
const code = (text: string) => `<code>${escapeHtml(text)}</code>`;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const anchorOf = (method: string, path: string) =>
  `op-${method}-${path.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-|-$/g, '') || 'root'}`;
const refName = (schema: Json) =>
  typeof schema.$ref === 'string' && schema.$ref.startsWith(SCHEMAS)
    ? schema.$ref.slice(SCHEMAS.length)
    : undefined;
const schemaLink = (name: string) => `<a href="#schema-${escapeHtml(name)}">${escapeHtml(name)}</a>`;
const shown = (value: unknown) => escapeHtml(JSON.stringify(value));

/** The type of a schema in a few words, components as links. */
function typeOf(schema: Json): string {
  const name = refName(schema);
  if (name) return schemaLink(name);
  const variants = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (Array.isArray(variants) && !variants.every((v) => isObject(v) && Object.keys(v).join() === 'required'))
    return variants.map((variant) => typeOf(variant)).join(' or ');
  if (schema.const !== undefined) return shown(schema.const);
  if (schema.type === 'array') return `array of ${isObject(schema.items) ? typeOf(schema.items) : 'any'}`;
  if (Array.isArray(schema.type)) return schema.type.map(String).join(' or ');
  if (typeof schema.type === 'string') return schema.type;
  return schema.properties ? 'object' : 'any';
}

/** What a `not` refuses, in words: its own description, else a pattern or fields that may not come together. */
function notText(not: Json): string {
  if (typeof not.description === 'string') return `never ${escapeHtml(not.description)}`;
  if (typeof not.pattern === 'string') return `never matching ${code(not.pattern)}`;
  const properties = isObject(not.properties) ? not.properties : {};
  const parts = ((not.required as string[] | undefined) ?? []).map((field) => {
    const rule = properties[field];
    if (!isObject(rule)) return code(field);
    if (rule.const !== undefined) return `${code(field)} = ${shown(rule.const)}`;
    if (isObject(rule.contains) && rule.contains.const !== undefined)
      return `${code(field)} containing ${shown(rule.contains.const)}`;
    if (typeof rule.pattern === 'string') return `${code(field)} matching ${code(rule.pattern)}`;
    return code(field);
  });
  return `never together: ${parts.join(', ')}`;
}

/** Constraints of one schema, each a short phrase. */
function rulesOf(schema: Json): string[] {
  const rules: string[] = [];
  if (Array.isArray(schema.enum)) rules.push(`one of ${schema.enum.map(shown).join(', ')}`);
  if (typeof schema.pattern === 'string') rules.push(`pattern ${code(schema.pattern)}`);
  if (schema.minLength !== undefined) rules.push(`at least ${schema.minLength} characters`);
  if (schema.maxLength !== undefined) rules.push(`at most ${schema.maxLength} characters`);
  if (schema.minimum !== undefined) rules.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) rules.push(`≤ ${schema.maximum}`);
  if (schema.exclusiveMinimum !== undefined) rules.push(`> ${schema.exclusiveMinimum}`);
  if (schema.exclusiveMaximum !== undefined) rules.push(`< ${schema.exclusiveMaximum}`);
  if (schema.minItems !== undefined) rules.push(`at least ${schema.minItems} items`);
  if (schema.maxItems !== undefined) rules.push(`at most ${schema.maxItems} items`);
  if (schema.default !== undefined) rules.push(`default ${shown(schema.default)}`);
  if (Array.isArray(schema.examples) && schema.examples.length)
    rules.push(`e.g. ${schema.examples.slice(0, 3).map(shown).join(', ')}`);
  for (const [key, word] of [
    ['anyOf', 'at least one of'],
    ['oneOf', 'exactly one of'],
  ] as const) {
    const variants = schema[key];
    if (Array.isArray(variants) && variants.every((v) => isObject(v) && Object.keys(v).join() === 'required'))
      rules.push(
        `${word} ${variants
          .flatMap((v) => (v as { required: string[] }).required)
          .map(code)
          .join(', ')}`,
      );
  }
  if (isObject(schema.not)) rules.push(notText(schema.not));
  if (schema.additionalProperties === false && schema.properties) rules.push('no other fields');
  return rules;
}

interface Row {
  path: string;
  type: string;
  required: boolean;
  rules: string[];
  description: string;
}

/** The objects a schema describes inline: itself, or its object variants and array items. */
function objectsIn(schema: Json): { schema: Json; suffix: string }[] {
  if (refName(schema)) return [];
  if (schema.properties) return [{ schema, suffix: '' }];
  if (schema.type === 'array' && isObject(schema.items))
    return objectsIn(schema.items).map((inner) => ({ ...inner, suffix: `[]${inner.suffix}` }));
  const variants = (schema.anyOf ?? schema.oneOf) as unknown;
  return Array.isArray(variants) ? variants.filter(isObject).flatMap(objectsIn) : [];
}

/** Rows for an object's fields, nested objects flattened as `parent.child` and `list[].field`. */
function fieldRows(schema: Json, prefix: string, depth: number): Row[] {
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries((schema.properties as Record<string, Json> | undefined) ?? {}).flatMap(
    ([key, field]) => {
      const path = `${prefix}${key}`;
      // An array's rules, then its items' (`one of "generate", "chat"`, `exactly one of value, secretRef`).
      const items =
        field.type === 'array' && isObject(field.items) && !refName(field.items) ? field.items : undefined;
      const row: Row = {
        path,
        type: typeOf(field),
        required: required.has(key),
        rules: [...rulesOf(field), ...(items ? rulesOf(items).map((rule) => `each: ${rule}`) : [])],
        description: typeof field.description === 'string' ? field.description : '',
      };
      const nested =
        depth < MAX_DEPTH
          ? objectsIn(field).flatMap((inner) => fieldRows(inner.schema, `${path}${inner.suffix}.`, depth + 1))
          : [];
      return [row, ...nested];
    },
  );
}

function fieldsTable(rows: Row[]): string {
  if (rows.length === 0) return '';
  const body = rows
    .map(
      (row) =>
        `<tr><td>${code(row.path)}${row.required ? ' <span class="req">required</span>' : ''}</td><td>${row.type}</td><td>${row.rules.join('; ')}</td><td>${escapeHtml(row.description)}</td></tr>`,
    )
    .join('');
  return `<table class="fields"><thead><tr><th>field</th><th>type</th><th>rules</th><th>description</th></tr></thead><tbody>${body}</tbody></table>`;
}

function exampleBlock(media: Json): string {
  const examples: [string, unknown][] =
    media.example !== undefined
      ? [['Example', media.example]]
      : Object.entries((media.examples as Record<string, { value: unknown }> | undefined) ?? {}).map(
          ([name, example]) => [`Example: ${name}`, example.value],
        );
  return examples
    .map(
      ([title, value]) =>
        `<details open><summary>${escapeHtml(title)}</summary><pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre></details>`,
    )
    .join('');
}

/** A body (request or response): its content types, the schema of each, its examples. */
function contentBlock(content: Record<string, Json> | undefined): string {
  return Object.entries(content ?? {})
    .map(([type, media]) => {
      const schema = isObject(media.schema) ? media.schema : {};
      const inline = refName(schema) ? '' : fieldsTable(fieldRows(schema, '', 1));
      return `<p>${code(type)}: ${typeOf(schema)}</p>${inline}${exampleBlock(media)}`;
    })
    .join('');
}

function parametersBlock(parameters: Json[]): string {
  if (parameters.length === 0) return '';
  const rows = parameters
    .map((parameter) => {
      const schema = isObject(parameter.schema) ? parameter.schema : {};
      return `<tr><td>${code(String(parameter.name))}${parameter.required ? ' <span class="req">required</span>' : ''}</td><td>${escapeHtml(String(parameter.in))}</td><td>${typeOf(schema)}</td><td>${rulesOf(schema).join('; ')}</td><td>${escapeHtml(String(parameter.description ?? ''))}</td></tr>`;
    })
    .join('');
  return `<h4>Parameters</h4><table class="fields"><thead><tr><th>name</th><th>in</th><th>type</th><th>rules</th><th>description</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function responsesBlock(responses: Operation['responses']): string {
  return Object.entries(responses)
    .map(([status, response]) => {
      const headers = Object.entries(response.headers ?? {})
        .map(([name, header]) => `<li>${code(name)}: ${escapeHtml(String(header.description ?? ''))}</li>`)
        .join('');
      return `<div class="response" data-status="${escapeHtml(status)}"><h5><span class="status">${escapeHtml(status)}</span> ${escapeHtml(response.description)}</h5>${headers ? `<ul>${headers}</ul>` : ''}${contentBlock(response.content)}</div>`;
    })
    .join('');
}

function operationBlock(method: string, path: string, operation: Operation, shared: Json[]): string {
  const open = Array.isArray(operation.security) && operation.security.length === 0;
  const body = operation.requestBody
    ? `<h4>Request body${operation.requestBody.required ? '' : ' (optional)'}</h4>${contentBlock(operation.requestBody.content)}`
    : '';
  return `<section class="operation" id="${anchorOf(method, path)}"><h3><span class="method ${method}">${method.toUpperCase()}</span> ${code(path)}</h3>
<p>${escapeHtml(operation.summary ?? '')}</p>${operation.description ? `<p>${escapeHtml(operation.description)}</p>` : ''}
<p class="auth">${open ? 'No token needed.' : 'Needs the bearer token.'}</p>
${parametersBlock([...shared, ...(operation.parameters ?? [])])}${body}<h4>Responses</h4>${responsesBlock(operation.responses)}</section>`;
}

export function docsPage(document: OpenApiDocument): string {
  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => isObject(item[method])).map((method) => ({
      method,
      path,
      operation: item[method] as Operation,
      shared: (item.parameters as Json[] | undefined) ?? [],
    })),
  );
  const toc = operations
    .map(
      ({ method, path, operation }) =>
        `<li><a href="#${anchorOf(method, path)}"><span class="method ${method}">${method.toUpperCase()}</span> ${escapeHtml(path)}</a> ${escapeHtml(operation.summary ?? '')}</li>`,
    )
    .join('');
  const schemas = Object.entries(document.components.schemas)
    .map(([name, schema]) => {
      const json = isObject(schema) ? schema : {};
      const rules = rulesOf(json).filter((rule) => rule !== 'no other fields');
      return `<section class="schema" id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3>${typeof json.description === 'string' ? `<p>${escapeHtml(json.description)}</p>` : ''}${rules.length ? `<p>${rules.join('; ')}</p>` : ''}${json.properties ? fieldsTable(fieldRows(json, '', 1)) : `<p>${typeOf(json)}</p>`}</section>`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(document.info.title)} API ${escapeHtml(document.info.version)}</title>
<style>${STYLE}</style></head><body>
<h1>${escapeHtml(document.info.title)} API ${escapeHtml(document.info.version)}</h1>
<p>${escapeHtml(document.info.description)}</p>
<p>The machine-readable document: <a href="openapi.json">${code('openapi.json')}</a> (OpenAPI 3.1). Field paths below are written as the API's errors write them.</p>
<nav aria-label="Routes"><h2>Routes</h2><ul class="toc">${toc}</ul></nav>
<main><h2>Routes in detail</h2>${operations.map(({ method, path, operation, shared }) => operationBlock(method, path, operation, shared)).join('\n')}
<h2 id="schemas">Schemas</h2>${schemas}</main></body></html>`;
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1f24}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
code{background:#f3f4f6;padding:0 .25rem;border-radius:3px;word-break:break-word}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.75rem;overflow:auto;max-height:28rem}
section.operation,section.schema{border-top:1px solid #d0d7de;padding-top:.5rem;margin-top:1.5rem}
.method{display:inline-block;min-width:4.2rem;font-weight:700;font-family:ui-monospace,monospace}
.get{color:#0a5a2a}.post{color:#0b5cad}.delete{color:#b42318}.put,.patch{color:#6b4200}
.status{font-family:ui-monospace,monospace;font-weight:700}
.req{color:#b42318;font-size:.8em}
.auth{color:#57606a;font-size:.9em}
table.fields{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.92em}
table.fields th,table.fields td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
table.fields th{background:#f6f8fa}
ul.toc{list-style:none;padding:0}ul.toc li{margin:.15rem 0}
.response{margin:.5rem 0 .5rem 1rem}h5{margin:.75rem 0 .25rem;font-size:1em}
summary{cursor:pointer;color:#57606a}`;
