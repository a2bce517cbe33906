/**
 * Problem details (RFC 9457) for every error that ends a request.
 *
 * A `Problem` is an HTTPException carrying the body it will render, so routes throw and the
 * one `onError` renders. It must never carry secrets or full prompts in `detail`.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { FieldError } from '../contract.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://fleetplane.io/problems/';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

export class Problem extends HTTPException {
  readonly body: ProblemBody;
  readonly headers: Record<string, string>;

  constructor(
    status: ContentfulStatusCode,
    slug: string,
    title: string,
    detail: string,
    extra: { headers?: Record<string, string>; members?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(status, { message: detail, cause: extra.cause });
    this.body = { type: TYPE_BASE + slug, title, status, detail, ...extra.members };
    this.headers = extra.headers ?? {};
  }
}

export type { FieldError };

export const badRequest = (detail: string) => new Problem(400, 'bad-request', 'Bad request', detail);

/** 405: the path exists, the method does not; `Allow` lists the ones it answers. */
export const methodNotAllowed = (method: string, path: string, allow: string[]) =>
  new Problem(
    405,
    'method-not-allowed',
    'Method not allowed',
    `${path} does not answer ${method}; it answers ${allow.join(', ')}`,
    { headers: { Allow: allow.join(', ') } },
  );

/** 422 with `errors: [{path, message, rule}]`; the detail lists them as "path: message". */
export const invalidInput = (errors: FieldError[]) =>
  new Problem(
    422,
    'invalid-input',
    'Invalid input',
    errors.map((e) => `${e.path}: ${e.message}`).join('; '),
    { members: { errors } },
  );

export const payloadTooLarge = (limit: number) =>
  new Problem(413, 'payload-too-large', 'Payload too large', `request body exceeds ${limit} bytes`, {
    members: { limit },
  });

export const unauthorized = (detail: string) =>
  new Problem(401, 'unauthorized', 'Unauthorized', detail, {
    headers: { 'WWW-Authenticate': 'Bearer realm="agent"' },
  });

export const notFound = (path: string) => new Problem(404, 'not-found', 'Not found', `no route for ${path}`);

export const tooManyRequests = (
  retryAfterSeconds: number,
  limit: number,
  what = `rate limit of ${limit} requests per minute exceeded`,
) =>
  new Problem(429, 'rate-limited', 'Too many requests', `${what}; retry in ${retryAfterSeconds}s`, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
    members: { limit },
  });

export const unavailable = (detail: string, retryAfterSeconds?: number) =>
  new Problem(503, 'unavailable', 'Service unavailable', detail, {
    headers: retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) },
  });

/**
 * Renders a problem through the request's context (so headers set earlier, such as
 * X-Request-Id, are kept); `openAiShape` adds the `error` member OpenAI clients read.
 */
export function problemResponse(
  c: Context,
  body: ProblemBody,
  headers: Record<string, string>,
  openAiShape: boolean,
): Response {
  const payload = openAiShape
    ? { ...body, error: { message: body.detail, type: body.type.slice(TYPE_BASE.length), code: body.status } }
    : body;
  return c.body(JSON.stringify(payload), body.status as ContentfulStatusCode, {
    ...headers,
    'Content-Type': PROBLEM_CONTENT_TYPE,
  });
}
