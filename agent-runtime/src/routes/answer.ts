/**
 * The agent's answer logic, one seam for every door: /generate, custom endpoints, and the MCP
 * and A2A servers build an `AnswerRequest` and call `answerWhole` or `answerStream`; never a
 * copy of what happens between the request and the model. `answer` renders either for HTTP:
 * `{text, usage}` as JSON, or SSE events `token` ({text}), `done` ({finish_reason, usage}) or
 * `error` (a problem).
 *
 * An agent with tools answers through the tool loop (tools/): `answer` hands /generate and
 * custom endpoints to it whole (its answers and SSE events carry the tool calls), and
 * `answerWhole`/`answerStream` run it too, so MCP and A2A callers get the same answers; their
 * streams carry each tool call as a `tool` event, which a door may ignore.
 *
 * A stream is opened before anything is answered, so failures during retries still get a real
 * status (502/503/504); only failures after the first token arrive inside the stream.
 */
import type { Context } from 'hono';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { type AgentRuntime, streamSignal } from '../agent-runtime.ts';
import type { AgentEnv } from '../http/agent-env.ts';
import { Problem } from '../http/problem.ts';
import { SSE_HEADERS, sseEvent, sseStream } from '../http/sse.ts';
import type { ToolEvent } from '../tools/call-tools.ts';
import { type RunEvent, type RunResult, runTools } from '../tools/tool-loop.ts';
import { answerWithTools, opening, withToolInstruction } from '../tools/tool-routes.ts';
import type { Toolbox } from '../tools/toolbox.ts';

/** One question to the agent, whatever door it came through. */
export interface AnswerRequest {
  messages: ChatCompletionMessageParam[];
  temperature: number;
  maxTokens: number;
}

/**
 * Who asks: `signal` ends the model call (client gone, shutdown); `requestId` names it in logs;
 * `depth` and `deadline` bound a run with tools (tools/run-context.ts reads them from a request),
 * by default a first hop with the agent's whole requestTimeoutMs.
 */
export interface AnswerCall {
  signal: AbortSignal;
  requestId: string;
  depth?: number;
  deadline?: number;
}

export type Usage = NonNullable<ReturnType<typeof usageOf>>;

export interface WholeAnswer {
  text: string;
  finish_reason: string | null;
  model: string;
  usage: Usage | undefined;
}

/** What a streamed answer yields, in order: tokens (and, with tools, each call), then one `done`. */
export type AnswerEvent =
  | { type: 'token'; text: string }
  | { type: 'tool'; event: ToolEvent }
  | { type: 'done'; finish_reason: string | null; usage: Usage | null };

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

function modelParams(rt: AgentRuntime, request: AnswerRequest) {
  return {
    model: rt.config.model.id,
    messages: withInstruction(rt, request.messages),
    temperature: request.temperature,
    max_tokens: request.maxTokens,
  };
}

/** The run context of a call with tools: its signal and id, its depth and deadline. */
function runContext(rt: AgentRuntime, call: AnswerCall) {
  return {
    signal: call.signal,
    requestId: call.requestId,
    depth: call.depth ?? 0,
    deadline: call.deadline ?? Date.now() + rt.config.limits.requestTimeoutMs,
  };
}

function toolRun(rt: AgentRuntime, request: AnswerRequest, stream: boolean) {
  return {
    params: {
      model: rt.config.model.id,
      messages: withToolInstruction(rt, request.messages),
      temperature: request.temperature,
      max_tokens: request.maxTokens,
    },
    stream,
  };
}

const runUsage = (result: RunResult) => usageOf(result.usage);

/** The whole answer; throws a `Problem` when the model cannot give one. */
export async function answerWhole(
  rt: AgentRuntime,
  request: AnswerRequest,
  call: AnswerCall,
): Promise<WholeAnswer> {
  if (rt.tools) {
    const context = runContext(rt, call);
    await rt.tools.ready(Math.min(rt.tools.limits.timeoutMs, context.deadline - Date.now()));
    const result = await runTools(rt, rt.tools, toolRun(rt, request, false), context, () => {});
    return {
      text: result.text,
      finish_reason: result.finishReason,
      model: result.model,
      usage: runUsage(result),
    };
  }
  const completion = await rt.calls.complete(modelParams(rt, request), call.signal, call.requestId);
  const choice = completion.choices[0];
  return {
    text: choice?.message.content ?? '',
    finish_reason: choice?.finish_reason ?? null,
    model: completion.model,
    usage: usageOf(completion.usage),
  };
}

/**
 * The answer as it is written. Resolves once the model has started (throws a `Problem`
 * before that); the events may still end in a throw, which `problemOf` explains.
 */
export async function answerStream(
  rt: AgentRuntime,
  request: AnswerRequest,
  call: AnswerCall,
): Promise<AsyncIterable<AnswerEvent>> {
  if (rt.tools) return toolStream(rt, rt.tools, request, call);
  const { chunks } = await rt.calls.stream(
    { ...modelParams(rt, request), stream_options: { include_usage: true } },
    call.signal,
    call.requestId,
  );
  return events(chunks);
}

async function* events(chunks: AsyncIterable<ChatCompletionChunk>): AsyncIterable<AnswerEvent> {
  let finishReason: string | null = null;
  let usage: Usage | undefined;
  for await (const chunk of chunks) {
    const choice = chunk.choices[0];
    const text = choice?.delta?.content;
    if (text) yield { type: 'token', text };
    if (choice?.finish_reason) finishReason = choice.finish_reason;
    if (chunk.usage) usage = usageOf(chunk.usage);
  }
  yield { type: 'done', finish_reason: finishReason, usage: usage ?? null };
}

/**
 * A run with tools as answer events: the loop pushes its events into a queue this iterates.
 * Resolves once the first model call is under way, as a plain stream does.
 */
async function toolStream(
  rt: AgentRuntime,
  toolbox: Toolbox,
  request: AnswerRequest,
  call: AnswerCall,
): Promise<AsyncIterable<AnswerEvent>> {
  const context = runContext(rt, call);
  await toolbox.ready(Math.min(toolbox.limits.timeoutMs, context.deadline - Date.now()));
  const queue: AnswerEvent[] = [];
  let wake: (() => void) | undefined;
  let ended: { error?: unknown } | undefined;
  const push = (event: AnswerEvent) => {
    queue.push(event);
    wake?.();
  };
  const opened = opening();
  const onEvent = (event: RunEvent) =>
    push(event.type === 'text' ? { type: 'token', text: event.text } : { type: 'tool', event });
  runTools(rt, toolbox, toolRun(rt, request, true), { ...context, onOpened: opened.resolve }, onEvent).then(
    (result) => {
      push({ type: 'done', finish_reason: result.finishReason, usage: runUsage(result) ?? null });
      ended = {};
      wake?.();
    },
    (error) => {
      if (!opened.settled) opened.reject(error);
      ended = { error };
      wake?.();
    },
  );
  await opened.promise;
  return {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (ended) {
          if (ended.error !== undefined) throw ended.error;
          return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    },
  };
}

/**
 * Why a stream ended early, as the caller should hear it: the error itself, or the reason the
 * call's signal was aborted with (a stall or a shutdown); undefined when the client left.
 */
export function problemOf(err: unknown, signal: AbortSignal): Problem | undefined {
  return err instanceof Problem ? err : signal.reason instanceof Problem ? signal.reason : undefined;
}

/** The answer as an HTTP response: JSON, or SSE when `stream` is set. */
export async function answer(
  c: Context<AgentEnv>,
  rt: AgentRuntime,
  request: AnswerRequest,
  stream: boolean,
): Promise<Response> {
  if (rt.tools) return answerWithTools(c, rt, rt.tools, request.messages, { ...request, stream });
  const requestId = c.get('requestId');
  if (!stream) {
    const whole = await answerWhole(rt, request, { signal: c.req.raw.signal, requestId });
    c.set('usage', whole.usage);
    return c.json(whole);
  }
  const link = streamSignal(c, rt);
  const { signal } = link;
  let answerEvents: AsyncIterable<AnswerEvent>;
  try {
    answerEvents = await answerStream(rt, request, { signal, requestId });
  } catch (err) {
    link.unlink();
    throw err;
  }
  const body = sseStream(
    async (send) => {
      try {
        for await (const event of answerEvents) {
          if (event.type === 'token') send(sseEvent('token', { text: event.text }));
          else if (event.type === 'done')
            send(sseEvent('done', { finish_reason: event.finish_reason, usage: event.usage }));
        }
      } catch (err) {
        const problem = problemOf(err, signal);
        if (problem) send(sseEvent('error', { ...problem.body, requestId }));
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
