/**
 * The agent's A2A server (mounted by a2a.ts, loaded on the first request): its card and its
 * JSON-RPC endpoint, speaking A2A 1.0 (`SendMessage`,
 * `SendStreamingMessage`, `GetTask`, `ListTasks`, `CancelTask`) and, through the SDK's compat
 * layer, A2A 0.3 (`message/send`, `message/stream`, ...), chosen by the `A2A-Version` header
 * the way the SDK's own Express handler chooses (absent: 0.3).
 *
 * The SDK's request handler and transport handlers do the protocol and the executor
 * (a2a-executor.ts) does the agent's part; this is only the thin adapter the SDK ships for
 * Express and not for Hono: a body in, JSON or SSE out. The card names the agent's public URL
 * (config.publicUrl, rendered by the control plane) or, without one, the origin the request
 * came to. The API key, when the agent requires one, is checked by the access guard first.
 */
import { A2A_VERSION_HEADER } from '@a2a-js/sdk';
import { A2A_LEGACY_PROTOCOL_VERSION } from '@a2a-js/sdk/compat/v0_3';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import {
  DefaultRequestHandler,
  JsonRpcTransportHandler,
  ServerCallContext,
  UnauthenticatedUser,
  validateVersion,
} from '@a2a-js/sdk/server';
import type { Context } from 'hono';
import { type AgentRuntime, streamSignal } from '../agent-runtime.ts';
import type { AgentEnv } from '../http/agent-env.ts';
import { Problem } from '../http/problem.ts';
import { readText } from '../http/read-json.ts';
import { SSE_HEADERS, sseData, sseEvent, sseStream } from '../http/sse.ts';
import type { AgentSkill } from '../routes/agent-skills.ts';
import { runScopeOf } from '../tools/run-context.ts';
import { agentCard, cardJson } from './a2a-card.ts';
import { A2A_CALL, type A2aCall, AgentAnswers } from './a2a-executor.ts';
import { RecentTasks } from './recent-tasks.ts';

/** Tasks a replica remembers for GetTask/ListTasks/CancelTask (each without its history). */
export const MAX_RECENT_TASKS = 256;
const STREAMING_METHODS = new Set(['SendStreamingMessage', 'message/stream']);
const INTERNAL_ERROR = -32603;

type RpcAnswer = { jsonrpc: string; id: string | number | null; error?: unknown };

export interface A2aServer {
  /** GET /.well-known/agent-card.json */
  card(c: Context<AgentEnv>): Response;
  /** POST /a2a */
  jsonRpc(c: Context<AgentEnv>): Promise<Response>;
}

export function a2aServer(rt: AgentRuntime, skills: AgentSkill[]): A2aServer {
  const cardAt = (base: string) => agentCard(rt, skills, `${base}/a2a`);
  const configured = rt.config.publicUrl?.replace(/\/+$/, '');
  const publicCard = configured === undefined ? undefined : cardAt(configured);
  // The handler reads only the card's versions and capabilities, never its URL.
  const handler = new DefaultRequestHandler(
    publicCard ?? cardAt(rt.config.basePath),
    new RecentTasks(MAX_RECENT_TASKS),
    new AgentAnswers(rt, skills),
  );
  const current = new JsonRpcTransportHandler(handler);
  const legacy = new LegacyJsonRpcTransportHandler(handler);

  const card = (c: Context<AgentEnv>) => {
    const card = publicCard ?? cardAt(`${new URL(c.req.url).origin}${rt.config.basePath}`);
    c.header('Vary', A2A_VERSION_HEADER);
    return c.json(cardJson(card, c.req.header(A2A_VERSION_HEADER)));
  };

  const jsonRpc = async (c: Context<AgentEnv>) => {
    const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (type !== undefined && type !== 'application/json')
      throw new Problem(
        415,
        'unsupported-media-type',
        'Unsupported media type',
        `A2A JSON-RPC requests must be Content-Type: application/json (got ${JSON.stringify(type)})`,
      );
    const text = await readText(c, rt.config.limits.maxBodyBytes);
    // Unparsable text goes to the SDK as it is, which answers it with a JSON-RPC parse error.
    const body = parseOr(text);
    const method =
      typeof body === 'object' && body !== null ? (body as { method?: unknown }).method : undefined;
    const id =
      typeof body === 'object' && body !== null ? ((body as { id?: RpcAnswer['id'] }).id ?? null) : null;
    const requested = c.req.header(A2A_VERSION_HEADER) || undefined;
    const isLegacy = (requested ?? A2A_LEGACY_PROTOCOL_VERSION) === A2A_LEGACY_PROTOCOL_VERSION;
    const mapError = isLegacy
      ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError
      : JsonRpcTransportHandler.mapToJSONRPCError;
    const rpcError = (err: unknown): RpcAnswer => ({ jsonrpc: '2.0', id, error: mapError(err) });

    const link = streamSignal(c, rt);
    const context = new ServerCallContext({ user: new UnauthenticatedUser(), requestedVersion: requested });
    const call: A2aCall = {
      signal: link.signal,
      requestId: c.get('requestId'),
      streaming: typeof method === 'string' && STREAMING_METHODS.has(method),
      ...runScopeOf(c, rt),
      onUsage: (usage) => c.set('usage', usage),
    };
    context.state.set(A2A_CALL, call);

    let answer: RpcAnswer | AsyncGenerator<RpcAnswer>;
    try {
      validateVersion(context.requestedVersion, await handler.getAgentCard(), 'JSONRPC');
      answer = await (isLegacy ? legacy : current).handle(body as string | Record<string, unknown>, context);
    } catch (err) {
      link.unlink();
      const error = rpcError(err);
      return c.json(error, (error.error as { code?: number }).code === INTERNAL_ERROR ? 500 : 200);
    }
    if (!(Symbol.asyncIterator in answer)) {
      link.unlink();
      return c.json(answer);
    }
    // An error before the first event is still a plain JSON-RPC answer, as the SDK gives it.
    const events = answer;
    let first: IteratorResult<RpcAnswer>;
    try {
      first = await events.next();
    } catch (err) {
      link.unlink();
      return c.json(rpcError(err));
    }
    const stream = sseStream(
      async (send) => {
        try {
          for (let next = first; !next.done; next = await events.next()) send(sseData(next.value));
        } catch (err) {
          send(sseEvent('error', rpcError(err)));
        } finally {
          await events.return(undefined);
        }
      },
      { keepAliveMs: rt.keepAliveMs, metrics: rt.metrics, link },
    );
    return c.body(stream, 200, SSE_HEADERS);
  };
  return { card, jsonRpc };
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
