/**
 * The one place where the control plane's outcomes and errors become HTTP. Each error class
 * maps to a status, a problem type and a title (RFC 9457 problem+json), plus the headers it
 * implies (Retry-After from the error's own hint, WWW-Authenticate); deploy and removal
 * results map to their statuses and bodies, a single deploy and a batch alike. Routes throw
 * or return outcomes; `onError` answers errors. Anything unknown is logged with the request
 * id and becomes a plain 500: never a stack trace, never a secret.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { DeployResult, RemoveResult, WriteOutcome } from '../control-plane/control-plane.ts';
import {
  ClusterRejectedError,
  ConflictError,
  FleetplaneError,
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  SettingsError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '../core/errors.ts';
import type { FieldError } from '../core/field-errors.ts';
import type { AgentStatus } from '../core/status.ts';
import type { Logger } from '../lib/logger.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_BASE = 'https://fleetplane.io/problems/';

interface Mapping {
  status: number;
  slug: string;
  title: string;
}

const MAPPINGS: [new (...args: never[]) => FleetplaneError, Mapping][] = [
  [ValidationError, { status: 422, slug: 'validation', title: 'The request is not valid' }],
  [NotFoundError, { status: 404, slug: 'not-found', title: 'Not found' }],
  [MethodNotAllowedError, { status: 405, slug: 'method-not-allowed', title: 'Method not allowed' }],
  [ConflictError, { status: 409, slug: 'conflict', title: 'Concurrent modification' }],
  [PayloadTooLargeError, { status: 413, slug: 'payload-too-large', title: 'Request body too large' }],
  [UnauthorizedError, { status: 401, slug: 'unauthorized', title: 'Authentication required' }],
  [ForbiddenError, { status: 403, slug: 'forbidden', title: "Outside the token's scope" }],
  [UnavailableError, { status: 503, slug: 'unavailable', title: 'A dependency is unavailable' }],
  [
    ClusterRejectedError,
    { status: 502, slug: 'cluster-rejected', title: 'The cluster rejected the request' },
  ],
  [SettingsError, { status: 500, slug: 'misconfigured', title: 'The control plane is misconfigured' }],
];

const INTERNAL: Mapping = { status: 500, slug: '', title: 'Internal error' };

function mappingOf(error: unknown): Mapping {
  const found = MAPPINGS.find(([type]) => error instanceof type)?.[1] ?? INTERNAL;
  return error instanceof ValidationError && error.malformed ? { ...found, status: 400 } : found;
}

/** The status a domain error answers with (500 for anything that is not one). */
export const statusOf = (error: unknown): number => mappingOf(error).status;

/** Headers an error implies: how long to wait before retrying, how to authenticate, which methods to use. */
export function headersOf(error: unknown): Record<string, string> {
  if (error instanceof UnavailableError) return { 'retry-after': String(error.retryAfterSeconds) };
  if (error instanceof UnauthorizedError) return { 'www-authenticate': 'Bearer realm="fleetplane"' };
  if (error instanceof MethodNotAllowedError) return { allow: error.allow.join(', ') };
  return {};
}

/** The problem document of an error; an unknown error tells nothing but the request id. */
export function problemOf(error: unknown, context: { instance?: string; requestId?: string } = {}): Problem {
  const mapping = mappingOf(error);
  const known = error instanceof FleetplaneError;
  const detail = known
    ? error.message
    : `an unexpected error occurred; quote request id ${context.requestId ?? 'unknown'} when reporting it`;
  return {
    type: known ? `${PROBLEM_BASE}${mapping.slug}` : 'about:blank',
    title: mapping.title,
    status: mapping.status,
    detail,
    ...(context.instance ? { instance: context.instance } : {}),
    ...(context.requestId ? { requestId: context.requestId } : {}),
    ...(error instanceof ValidationError ? { errors: error.errors } : {}),
  };
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
  });
}

/** The app's error handler: every error a route throws ends here. */
export function onError(log: Logger) {
  return (error: Error, c: Context): Response => {
    const requestId = c.get('requestId') as string | undefined;
    const instance = new URL(c.req.url).pathname;
    if (error instanceof HTTPException) {
      const status = error.status;
      return problemResponse({
        type: 'about:blank',
        title: status === 404 ? 'Not found' : 'Bad request',
        status,
        detail: error.message || `HTTP ${status}`,
        instance,
        ...(requestId ? { requestId } : {}),
      });
    }
    const problem = problemOf(error, { instance, ...(requestId ? { requestId } : {}) });
    if (!(error instanceof FleetplaneError))
      log('error', 'unexpected error', { requestId, error: error.message, name: error.name });
    else if (problem.status >= 500)
      log('warn', 'request failed', { requestId, status: problem.status, error: error.message });
    return problemResponse(problem, headersOf(error));
  };
}

/** One agent's result as the API answers it (single deploys, batches and rollbacks alike). */
export interface DeployResultBody {
  name: string;
  /** The HTTP status of this agent alone: 201 created, 200 updated or unchanged, else failed. */
  status: number;
  outcome?: WriteOutcome;
  generation?: number;
  deployment?: AgentStatus;
  error?: { type: string; title: string; detail: string };
}

function deployBody(result: DeployResult): { body: DeployResultBody; error?: unknown } {
  if (result.kind === 'applied')
    return {
      body: {
        name: result.name,
        status: result.outcome === 'created' ? 201 : 200,
        outcome: result.outcome,
        generation: result.generation,
        deployment: result.status,
      },
    };
  const { type, title, status, detail } = problemOf(result.error);
  if (result.kind === 'failed')
    return { body: { name: result.name, status, error: { type, title, detail } }, error: result.error };
  return {
    body: {
      name: result.name,
      status,
      outcome: result.outcome,
      generation: result.generation,
      error: {
        type,
        title,
        detail: `generation ${result.generation} is stored, but applying it failed: ${detail}. The sweep retries within a minute; deploying again is safe.`,
      },
    },
    error: result.error,
  };
}

/** The answer to a deploy of one agent (or a rollback): the result, or its problem. */
export function deployResponse(result: DeployResult, instance: string): Response {
  const { body, error } = deployBody(result);
  if (!body.error) return Response.json(body, { status: body.status });
  return problemResponse({ ...body.error, status: body.status, instance }, headersOf(error));
}

/**
 * The answer to a batch: every agent's result. 201 when something was created and nothing
 * failed, 200 when nothing failed; when all failed alike, their common status; else 207.
 */
export function deployBatchResponse(results: DeployResult[]): Response {
  const mapped = results.map(deployBody);
  const bodies = mapped.map((entry) => entry.body);
  const failed = bodies.filter((body) => body.error);
  const statuses = new Set(failed.map((body) => body.status));
  const status =
    failed.length === 0
      ? bodies.some((body) => body.status === 201)
        ? 201
        : 200
      : failed.length === bodies.length && statuses.size === 1
        ? (failed[0] as DeployResultBody).status
        : 207;
  const retryAfter = Math.max(
    0,
    ...mapped.map((entry) => (entry.error instanceof UnavailableError ? entry.error.retryAfterSeconds : 0)),
  );
  return Response.json(
    { results: bodies, failed: failed.map((body) => body.name) },
    { status, headers: status === 503 && retryAfter ? { 'retry-after': String(retryAfter) } : {} },
  );
}

/**
 * The answer to a removal: 200 when the cluster is clean, 202 while the sweep finishes it;
 * either way with the note that the name's Secrets are released.
 */
export function removeResponse(result: RemoveResult): Response {
  const { name, releasedSecrets } = result;
  if (!result.pending)
    return Response.json({
      name,
      ...(result.target ? { target: result.target } : {}),
      deleted: result.deleted,
      pending: false,
      releasedSecrets,
    });
  return Response.json(
    {
      name,
      deleted: [],
      pending: true,
      detail: `the config is deleted; removing its objects from the cluster failed (${problemOf(result.error).detail}); the sweep removes them`,
      releasedSecrets,
    },
    { status: 202 },
  );
}
