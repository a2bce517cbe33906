/**
 * The one place a failed request becomes a response: problems render as problem+json
 * (with an OpenAI-style `error` member under /v1 so OpenAI clients show the message),
 * a gone client is only logged, anything unknown is logged and becomes a plain 500
 * carrying the request id.
 *
 * The 500 body must never include the error's message or stack (they may hold internals).
 */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { errorFields, type Logger } from '../observability/logger.ts';
import type { AgentEnv } from './agent-env.ts';
import { notFound, Problem, type ProblemBody, problemResponse } from './problem.ts';

export function onError(basePath: string, log: Logger): ErrorHandler<AgentEnv> {
  const openAiPrefix = `${basePath}/v1/`;
  return (err, c) => {
    const requestId = c.get('requestId');
    const openAi = c.req.path.startsWith(openAiPrefix);
    if (err instanceof Problem) {
      if (err.body.status >= 500)
        log.warn('request failed', { requestId, status: err.body.status, detail: err.body.detail });
      return problemResponse(c, { ...err.body, instance: c.req.path, requestId }, err.headers, openAi);
    }
    if (err instanceof HTTPException) return plain(err.status, err.message || 'request failed', c, openAi);
    if (c.req.raw.signal.aborted) {
      log.info('client closed request', { requestId, path: c.req.path });
      return new Response(null, { status: 499 });
    }
    log.error('unhandled error', { requestId, path: c.req.path, ...errorFields(err) });
    return plain(500, `unexpected error; quote request id ${requestId}`, c, openAi);
  };
}

export function onNotFound(): NotFoundHandler<AgentEnv> {
  return (c) => {
    const problem = notFound(`${c.req.method} ${c.req.path}`);
    return problemResponse(
      c,
      { ...problem.body, instance: c.req.path, requestId: c.get('requestId') },
      {},
      false,
    );
  };
}

function plain(status: number, detail: string, c: Context<AgentEnv>, openAi: boolean): Response {
  const body: ProblemBody = {
    type: 'about:blank',
    title: status === 500 ? 'Internal server error' : 'Request failed',
    status,
    detail,
    instance: c.req.path,
    requestId: c.get('requestId'),
  };
  return problemResponse(c, body, {}, openAi);
}
