/**
 * DigitalOcean Functions <-> web standard. Turns the Node runtime's `main(args)` into a
 * `Request` for a Hono app and the `Response` back into `{statusCode, headers, body}`.
 *
 * Three shapes of `args` arrive:
 * - web: raw  — `args.http = {method, path, headers, body, isBase64Encoded, queryString}`
 * - legacy    — `__ow_method`, `__ow_path`, `__ow_headers`, `__ow_body`, `__ow_query`
 * - a plain invocation (`doctl serverless functions invoke fleetplane/deploy -P agent.json`):
 *   the params themselves; `method` and `path` params pick the route, the rest is the body.
 *   DigitalOcean has authenticated such a call (namespace key), so it is marked trusted and
 *   skips the bearer check. Web requests can never take this path: they always carry http.
 *
 * Bodies as the platform carries them (web-media.ts): a raw `__ow_body` is base64 for JSON and
 * binary types, and a response whose type the platform counts as binary (the console's SVG
 * icon) goes back base64-encoded, since the platform decodes it.
 *
 * Pure translation; never reads env, never logs bodies.
 */
import { owBodyIsBase64, responseNeedsBase64 } from './web-media.ts';

export interface DoHttp {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  queryString?: string;
}

export type DoArgs = Record<string, unknown> & {
  http?: DoHttp;
  __ow_method?: string;
  __ow_path?: string;
  __ow_headers?: Record<string, string>;
  __ow_body?: string;
  __ow_query?: string;
};

export interface DoResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** What the adapter passes to the app as its env binding. */
export interface InvocationEnv {
  /** True for a plain (non-web) invocation, which DigitalOcean authenticated. */
  trustedInvocation: boolean;
}

export type FetchApp = (request: Request, env: InvocationEnv) => Response | Promise<Response>;

const ORIGIN = 'https://functions.invalid';

function decodeBody(body: string | undefined, base64: boolean | undefined): string | undefined {
  if (body === undefined || body === '') return undefined;
  return base64 ? Buffer.from(body, 'base64').toString('utf8') : body;
}

/** A header by name, in any case (the platform lower-cases them; a test may not). */
const headerOf = (headers: Record<string, string>, name: string) =>
  Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];

/** The Request an invocation stands for, with `route` (e.g. "/deployments") as the path prefix. */
export function requestOf(
  args: DoArgs,
  route: string,
  defaultMethod = 'GET',
): { request: Request; trusted: boolean } {
  const http = args.http;
  if (http || args.__ow_method) {
    const method = (http?.method ?? args.__ow_method ?? 'GET').toUpperCase();
    const path = http?.path ?? args.__ow_path ?? '';
    const query = http?.queryString ?? args.__ow_query ?? '';
    const headers = { ...(http?.headers ?? args.__ow_headers ?? {}) };
    // `http` says whether its body is base64; a raw `__ow_body` does not, its content type does.
    const base64 = http ? http.isBase64Encoded : owBodyIsBase64(headerOf(headers, 'content-type'));
    const body =
      method === 'GET' || method === 'HEAD' ? undefined : decodeBody(http?.body ?? args.__ow_body, base64);
    const url = `${ORIGIN}${route}${path && !path.startsWith('/') ? '/' : ''}${path}${query ? `?${query}` : ''}`;
    return {
      request: new Request(url, { method, headers, ...(body === undefined ? {} : { body }) }),
      trusted: false,
    };
  }
  const { method, path, ...params } = args as Record<string, unknown>;
  const verb = typeof method === 'string' ? method.toUpperCase() : defaultMethod;
  const suffix = typeof path === 'string' && path !== '' ? (path.startsWith('/') ? path : `/${path}`) : '';
  const hasBody = verb !== 'GET' && verb !== 'HEAD' && Object.keys(params).length > 0;
  return {
    request: new Request(`${ORIGIN}${route}${suffix}`, {
      method: verb,
      headers: { 'content-type': 'application/json' },
      ...(hasBody ? { body: JSON.stringify(params) } : {}),
    }),
    trusted: true,
  };
}

export async function resultOf(response: Response): Promise<DoResult> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  const body = responseNeedsBase64(response.headers.get('content-type'))
    ? Buffer.from(await response.arrayBuffer()).toString('base64')
    : await response.text();
  return { statusCode: response.status, headers, body };
}

/** A DigitalOcean `main` for a route group of the app. */
export function doMain(route: string, app: () => FetchApp, defaultMethod = 'GET') {
  return async (args: DoArgs = {}): Promise<DoResult> => {
    const { request, trusted } = requestOf(args, route, defaultMethod);
    return resultOf(await app()(request, { trustedInvocation: trusted }));
  };
}
