/**
 * The two ways a call fails, as classes a program can branch on: the API answered with an
 * error (`ApiError`, carrying its RFC 9457 problem) or it could not be reached at all
 * (`UnreachableError`). Browser-safe: no Node imports, only what fetch and ky give.
 */
import { isHTTPError, isNetworkError, isTimeoutError } from 'ky';
import type { FieldError, Problem } from './types.ts';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly problem: Problem;
  /** Seconds the server asked us to wait (503 and 429 carry Retry-After). */
  readonly retryAfterSeconds: number | undefined;
  /** What was called, e.g. "GET /deployments/my-assistant". */
  readonly call: string;

  constructor(call: string, problem: Problem, retryAfterSeconds?: number) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`);
    this.status = problem.status;
    this.problem = problem;
    this.retryAfterSeconds = retryAfterSeconds;
    this.call = call;
  }

  /** The field errors of a rejected config (422), empty for any other error. */
  get fieldErrors(): FieldError[] {
    return this.problem.errors ?? [];
  }
}

export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
  readonly url: string;
  /** The lowest-level reason the runtime gave (ECONNREFUSED, ENOTFOUND, a timeout, ...). */
  readonly reason: string;

  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot reach the control plane at ${url}: ${reason}`, options);
    this.url = url;
    this.reason = reason;
  }
}

/** Seconds from a Retry-After header: delta-seconds or an HTTP date. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** The deepest `code` or message in an error's cause chain: undici hides ECONNREFUSED two levels down. */
function rootReason(error: unknown): string {
  let reason = (error as Error)?.message ?? String(error);
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string') reason = message ? `${code} (${String(message)})` : code;
    else if (typeof message === 'string' && depth > 0) reason = message;
    current = (current as { cause?: unknown }).cause;
  }
  return reason;
}

function asProblem(status: number, statusText: string, data: unknown): Problem {
  const body = (typeof data === 'object' && data !== null ? data : {}) as Partial<Problem>;
  const text = typeof data === 'string' ? data.trim().slice(0, 200) : '';
  return {
    type: typeof body.type === 'string' ? body.type : 'about:blank',
    title: typeof body.title === 'string' ? body.title : statusText || `HTTP ${status}`,
    status,
    detail: typeof body.detail === 'string' ? body.detail : text || `the server answered ${status}`,
    ...(typeof body.instance === 'string' ? { instance: body.instance } : {}),
    ...(typeof body.requestId === 'string' ? { requestId: body.requestId } : {}),
    ...(Array.isArray(body.errors) ? { errors: body.errors } : {}),
  };
}

/** An ApiError from a response whose body has been parsed already (or could not be). */
export function apiErrorOf(call: string, response: Response, data: unknown): ApiError {
  return new ApiError(
    call,
    asProblem(response.status, response.statusText, data),
    retryAfterSeconds(response.headers.get('retry-after')),
  );
}

/** Turns whatever ky threw into ApiError or UnreachableError; anything else passes through. */
export function translate(error: unknown, call: string, baseUrl: string): unknown {
  if (isHTTPError(error)) return apiErrorOf(call, error.response, error.data);
  if (isTimeoutError(error))
    return new UnreachableError(baseUrl, `no answer to ${call} in time`, { cause: error });
  if (isNetworkError(error)) return new UnreachableError(baseUrl, rootReason(error), { cause: error });
  return error;
}
