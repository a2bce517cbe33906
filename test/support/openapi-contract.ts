/**
 * Checks real answers of the API against its own OpenAPI document: the status must be
 * documented for that route, the content type must be one the document lists for it, and the
 * body must match that content's schema (JSON Schema 2020-12, with ajv). The schemas are
 * checked strictly: an object the document describes may carry no property it does not
 * name, so a field the server adds without documenting it fails too.
 *
 * Every check is recorded (`checked`), so a test can print and assert which route and status
 * pairs it covered.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../functions/src/api/openapi.ts';

const DOCUMENT_ID = 'https://fleetplane.io/openapi.json';

type Json = Record<string, unknown>;

/** A copy in which every described object refuses properties it does not describe. */
export function strict(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strict);
  if (value === null || typeof value !== 'object') return value;
  const copy: Json = Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, strict(inner)]));
  if (copy.type === 'object' && copy.properties && copy.additionalProperties === undefined)
    copy.additionalProperties = false;
  return copy;
}

const pointer = (...segments: string[]) =>
  segments.map((segment) => encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

export interface Answer {
  status: number;
  headers: Headers;
  /** The parsed body (JSON), or the text. */
  body: unknown;
}

export function contractChecker(version = '0.0.0-test') {
  const document = openApiDocument(version) as unknown as {
    paths: Record<string, Record<string, { responses: Record<string, Json> }>>;
  };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ ...(strict(document) as Json), $id: DOCUMENT_ID });
  const checked = new Set<string>();

  /** The problems of an answer against the document; [] when it is documented and matches. */
  function problems(method: string, route: string, answer: Answer): string[] {
    const label = `${method.toUpperCase()} ${route} ${answer.status}`;
    const operation = document.paths[route]?.[method.toLowerCase()];
    if (!operation) return [`${label}: no such operation in the document`];
    const response = operation.responses[String(answer.status)] as
      | { content?: Record<string, unknown>; headers?: Record<string, unknown> }
      | undefined;
    if (!response)
      return [`${label}: status not documented (body ${JSON.stringify(answer.body).slice(0, 200)})`];
    const found: string[] = [];
    for (const header of Object.keys(response.headers ?? {}))
      if (header.toLowerCase() === 'retry-after' && !/^\d+$/.test(answer.headers.get(header) ?? ''))
        found.push(`${label}: documented header ${header} missing`);
    const type = (answer.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    if (!response.content) return found;
    if (!(type in response.content))
      return [...found, `${label}: content type "${type}" not documented (${Object.keys(response.content)})`];
    const schemaRef = `${DOCUMENT_ID}#/${pointer('paths', route, method.toLowerCase(), 'responses', String(answer.status), 'content', type, 'schema')}`;
    const validate = ajv.getSchema(schemaRef);
    if (!validate) return [...found, `${label}: cannot compile ${schemaRef}`];
    if (!validate(answer.body))
      found.push(
        `${label} (${type}): ${ajv.errorsText(validate.errors, { separator: '; ' })} in ${JSON.stringify(answer.body).slice(0, 300)}`,
      );
    checked.add(`${method.toUpperCase()} ${route} ${answer.status}`);
    return found;
  }

  return { document, problems, checked };
}

/** A Response as an Answer (reads the body once). */
export async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the text is the body (an HTML page)
  }
  return { status: response.status, headers: response.headers, body };
}
