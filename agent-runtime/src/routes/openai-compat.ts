/**
 * OpenAI-compatible surface so any OpenAI client can talk to the agent:
 * POST /v1/chat/completions (whole or streamed as chat.completion.chunk + `data: [DONE]`)
 * and GET /v1/models (the agent's one model).
 *
 * The agent decides the model: the request's `model` is accepted and ignored. The agent's
 * instruction is prepended as the system message. Only known sampling fields are forwarded
 * to the provider; anything else a client sends is dropped, never passed through blindly.
 * `n` and `max_tokens`/`max_completion_tokens` are bounded by the agent's limits
 * (maxChoices, maxTokensCap): above them the call is refused with 422, never clamped, so a
 * client is not billed for, nor handed, less than it asked without being told.
 *
 * Off when the agent's `endpoints` lacks "chat": then /v1/* answers 404 saying so.
 */
import type { Hono } from 'hono';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { type AgentRuntime, streamSignal } from '../agent-runtime.ts';
import type { ResolvedRuntimeLimits } from '../contract.ts';
import type { AgentEnv } from '../http/agent-env.ts';
import { Problem } from '../http/problem.ts';
import { readJson, validate } from '../http/read-json.ts';
import { sharedBy } from '../http/shared-schemas.ts';
import { SSE_HEADERS, sseData, sseStream } from '../http/sse.ts';
import { chatWithTools } from '../tools/chat-with-tools.ts';
import { defaultMaxTokens, usageOf, withInstruction } from './answer.ts';
import { checkPromptSize, contentChars } from './prompt-size.ts';

const FORWARDED = [
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'user',
  'n',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'response_format',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
] as const;

const chatBody = sharedBy(
  (limits: ResolvedRuntimeLimits) => `${limits.maxTokensCap}/${limits.maxChoices}`,
  (limits: ResolvedRuntimeLimits) =>
    z.looseObject({
      model: z.string().optional(),
      messages: z
        .array(
          z.looseObject({
            role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
            content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
          }),
        )
        .min(1),
      temperature: z.number().min(0).max(2).optional(),
      max_tokens: z.number().int().positive().max(limits.maxTokensCap).optional(),
      max_completion_tokens: z.number().int().positive().max(limits.maxTokensCap).optional(),
      n: z.number().int().min(1).max(limits.maxChoices).nullish(),
      stream: z.boolean().optional(),
      stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
    }),
);

/** /v1/* of an agent whose OpenAI-compatible API is off: a 404 that says why. */
export function registerOpenAiCompatOff(app: Hono<AgentEnv>): void {
  app.all('/v1/*', () => {
    throw new Problem(
      404,
      'openai-api-off',
      'Not found',
      'the OpenAI-compatible API is switched off for this agent (its endpoints do not include "chat")',
    );
  });
}

export function registerOpenAiCompat(app: Hono<AgentEnv>, rt: AgentRuntime): void {
  const { config } = rt;
  const schema = chatBody(config.limits);
  app.get('/v1/models', (c) =>
    c.json({
      object: 'list',
      data: [{ id: config.model.id, object: 'model', created: 0, owned_by: config.model.provider }],
    }),
  );

  app.post('/v1/chat/completions', async (c) => {
    const body = validate(schema, await readJson(c, config.limits.maxBodyBytes));
    const chars = body.messages.reduce((n, m) => n + contentChars(m.content), 0);
    checkPromptSize('messages', chars, config.limits.maxPromptChars);
    const params: Record<string, unknown> = {};
    for (const key of FORWARDED) if (body[key] !== undefined) params[key] = body[key];
    params.temperature ??= config.temperature;
    if (params.max_tokens === undefined && params.max_completion_tokens === undefined) {
      params.max_tokens = defaultMaxTokens(rt);
    }
    const wantsUsage = body.stream_options?.include_usage === true;
    if (rt.tools) return chatWithTools(c, rt, rt.tools, body, params, wantsUsage);
    const request = {
      ...params,
      model: config.model.id,
      messages: withInstruction(rt, body.messages as unknown as ChatCompletionMessageParam[]),
    };

    if (body.stream !== true) {
      const completion = await rt.calls.complete(request, c.req.raw.signal, c.get('requestId'));
      c.set('usage', usageOf(completion.usage));
      return c.json(completion);
    }
    const link = streamSignal(c, rt);
    const { signal } = link;
    let chunks: AsyncIterable<ChatCompletionChunk>;
    try {
      ({ chunks } = await rt.calls.stream(
        { ...request, stream_options: { include_usage: true } },
        signal,
        c.get('requestId'),
      ));
    } catch (err) {
      link.unlink();
      throw err;
    }
    const stream = sseStream(
      async (send) => {
        try {
          for await (const chunk of chunks) {
            // We always ask for usage (for metrics); pass its chunk on only if the client did.
            if (chunk.choices.length === 0 && chunk.usage && !wantsUsage) continue;
            send(sseData(chunk));
          }
        } catch (err) {
          const problem =
            err instanceof Problem ? err : signal.reason instanceof Problem ? signal.reason : undefined;
          if (!problem) return;
          send(
            sseData({
              error: { message: problem.body.detail, type: problem.body.type, code: problem.body.status },
            }),
          );
        }
        send(sseData('[DONE]'));
      },
      { keepAliveMs: rt.keepAliveMs, metrics: rt.metrics, link },
    );
    return c.body(stream, 200, SSE_HEADERS);
  });
}
