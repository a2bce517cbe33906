/**
 * RFC 9457 problem+json: the one shape of every error response, produced by one `onError`.
 * Domain errors keep their status and message; anything else is logged with the request id
 * and becomes a plain 500. Never a stack trace, never a secret in a response.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { FleetplaneError, UnauthorizedError, UnavailableError, ValidationError } from '../core/errors.ts';
import type { FieldError } from '../core/field-errors.ts';
import type { Logger } from './logger.ts';

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

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
  });
}

export function problemOf(error: FleetplaneError, instance: string, requestId?: string): Problem {
  return {
    type: `https://fleetplane.io/problems/${error.slug}`,
    title: error.title,
    status: error.status,
    detail: error.message,
    instance,
    ...(requestId ? { requestId } : {}),
    ...(error instanceof ValidationError ? { errors: error.errors } : {}),
  };
}

export function onError(log: Logger) {
  return (error: Error, c: Context): Response => {
    const requestId = c.get('requestId') as string | undefined;
    const instance = new URL(c.req.url).pathname;
    if (error instanceof FleetplaneError) {
      const headers: Record<string, string> = {};
      if (error instanceof UnavailableError) headers['retry-after'] = String(error.retryAfterSeconds);
      if (error instanceof UnauthorizedError) headers['www-authenticate'] = 'Bearer realm="fleetplane"';
      if (error.status >= 500)
        log('warn', 'request failed', { requestId, status: error.status, error: error.message });
      return problemResponse(problemOf(error, instance, requestId), headers);
    }
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
    log('error', 'unexpected error', { requestId, error: error.message, name: error.name });
    return problemResponse({
      type: 'about:blank',
      title: 'Internal error',
      status: 500,
      detail: `an unexpected error occurred; quote request id ${requestId ?? 'unknown'} when reporting it`,
      instance,
      ...(requestId ? { requestId } : {}),
    });
  };
}
