/**
 * The shared tail of /generate and custom endpoints: call the model with the agent's
 * instruction as the system message, then answer `{text, usage}` as JSON or stream it as
 * SSE events `token` ({text}), `done` ({finish_reason, usage}) or `error` (a problem).
 *
 * A stream is opened before the response starts, so failures during retries still get a
 * real status (502/503/504); only failures after the first token arrive as `error` events.
 */
import type { Context } from 'hono';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { type AgentRuntime, streamSignal } from '../agent-runtime.ts';
import type { AgentEnv } from '../http/agent-env.ts';
import { Problem } from '../http/problem.ts';
import { SSE_HEADERS, sseEvent, sseStream } from '../http/sse.ts';
import { answerWithTools } from '../tools/tool-routes.ts';

export interface AnswerOptions {
  temperature: number;
  maxTokens: number;
  stream: boolean;
}

/**
 * max_tokens of a call that names none: the agent's default, else its cap. Never omitted,
 * or the provider's own default (the model's whole output window) would apply.
 */
export function defaultMaxTokens(rt: AgentRuntime): number {
  return rt.config.maxTokens ?? rt.config.limits.maxTokensCap;
}

export function withInstruction(rt: AgentRuntime, messages: ChatCompletionMessageParam[]) {
  const instruction = rt.config.instruction;
  return instruction === '' ? messages : [{ role: 'system' as const, content: instruction }, ...messages];
}

export async function answer(
  c: Context<AgentEnv>,
  rt: AgentRuntime,
  messages: ChatCompletionMessageParam[],
  opts: AnswerOptions,
): Promise<Response> {
  if (rt.tools) return answerWithTools(c, rt, rt.tools, messages, opts);
  const params = {
    model: rt.config.model.id,
    messages: withInstruction(rt, messages),
    temperature: opts.temperature,
    max_tokens: opts.maxTokens,
  };
  if (!opts.stream) {
    const completion = await rt.calls.complete(params, c.req.raw.signal, c.get('requestId'));
    const choice = completion.choices[0];
    const usage = usageOf(completion.usage);
    c.set('usage', usage);
    return c.json({
      text: choice?.message.content ?? '',
      finish_reason: choice?.finish_reason ?? null,
      model: completion.model,
      usage,
    });
  }
  const link = streamSignal(c, rt);
  const { signal } = link;
  let chunks: AsyncIterable<ChatCompletionChunk>;
  try {
    ({ chunks } = await rt.calls.stream(
      { ...params, stream_options: { include_usage: true } },
      signal,
      c.get('requestId'),
    ));
  } catch (err) {
    link.unlink();
    throw err;
  }
  const body = sseStream(
    async (send) => {
      let finishReason: string | null = null;
      let usage: ReturnType<typeof usageOf>;
      try {
        for await (const chunk of chunks) {
          const choice = chunk.choices[0];
          const text = choice?.delta?.content;
          if (text) send(sseEvent('token', { text }));
          if (choice?.finish_reason) finishReason = choice.finish_reason;
          if (chunk.usage) usage = usageOf(chunk.usage);
        }
        send(sseEvent('done', { finish_reason: finishReason, usage: usage ?? null }));
      } catch (err) {
        const problem =
          err instanceof Problem ? err : signal.reason instanceof Problem ? signal.reason : undefined;
        if (problem) send(sseEvent('error', { ...problem.body, requestId: c.get('requestId') }));
      }
    },
    { keepAliveMs: rt.keepAliveMs, metrics: rt.metrics, link },
  );
  return c.body(body, 200, SSE_HEADERS);
}

export function usageOf(usage: { prompt_tokens: number; completion_tokens: number } | null | undefined) {
  if (!usage) return undefined;
  return {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.prompt_tokens + usage.completion_tokens,
  };
}
