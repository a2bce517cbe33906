/**
 * The tool loop behind /generate and custom endpoints: a whole answer as JSON, or an SSE
 * stream of `tool_start` and `tool_end` events (name, step, outcome, duration, bytes) as each
 * call starts and ends, `token` events as the model writes, then `done` (finish_reason,
 * stop_reason, steps, usage) or `error`.
 *
 * Like a plain answer, a stream opens only once the first model call is under way, so its
 * failure still gets a real status (502/503/504); a later failure ends the stream with an
 * `error` event. A tool's failure is never an HTTP error: the model reads it as a result.
 */
import type { Context } from 'hono';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { type AgentRuntime, streamSignal } from '../agent-runtime.ts';
import type { AgentEnv } from '../http/agent-env.ts';
import { Problem } from '../http/problem.ts';
import { SSE_HEADERS, sseEvent, sseStream } from '../http/sse.ts';
import { runScopeOf } from './run-context.ts';
import { type RunEvent, type RunRequest, type RunResult, runTools, toolEventData } from './tool-loop.ts';
import { TOOL_OUTPUT_NOTE } from './tool-result.ts';
import type { Toolbox } from './toolbox.ts';

export interface ToolAnswerOptions {
  temperature: number;
  maxTokens: number;
  stream: boolean;
}

/** The agent's instruction, and what a tool message is, as the system message. */
export function withToolInstruction(
  rt: AgentRuntime,
  messages: ChatCompletionMessageParam[],
): ChatCompletionMessageParam[] {
  const instruction = rt.config.instruction;
  const system = instruction === '' ? TOOL_OUTPUT_NOTE : `${instruction}\n\n${TOOL_OUTPUT_NOTE}`;
  return [{ role: 'system', content: system }, ...messages];
}

const usageOf = (result: RunResult) =>
  result.usage
    ? {
        prompt_tokens: result.usage.prompt_tokens,
        completion_tokens: result.usage.completion_tokens,
        total_tokens: result.usage.prompt_tokens + result.usage.completion_tokens,
      }
    : null;

/** `{finish_reason, stop_reason, steps, usage}`: how a run ended, in answers and `done` events. */
export const endOf = (result: RunResult) => ({
  finish_reason: result.finishReason,
  stop_reason: result.stopReason,
  steps: result.steps,
  usage: usageOf(result),
});

/** A promise with its settlers, and whether it settled (Promise.withResolvers, plus a flag). */
export function opening() {
  let settled = false;
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  return {
    promise,
    get settled() {
      return settled;
    },
    resolve: () => {
      settled = true;
      resolve();
    },
    reject: (err: unknown) => {
      settled = true;
      reject(err);
    },
  };
}

/** Runs `request` with the tools to its end, for a whole JSON answer; records the run's usage. */
export async function wholeRun(
  c: Context<AgentEnv>,
  rt: AgentRuntime,
  toolbox: Toolbox,
  request: RunRequest,
): Promise<RunResult> {
  const scope = runScopeOf(c, rt);
  await toolbox.ready(Math.min(toolbox.limits.timeoutMs, scope.deadline - Date.now()));
  const result = await runTools(
    rt,
    toolbox,
    request,
    { ...scope, signal: c.req.raw.signal, requestId: c.get('requestId') },
    () => {},
  );
  c.set('usage', result.usage);
  return result;
}

/**
 * Runs `request` with the tools and answers in SSE: `frame` turns each event into text (or
 * nothing), `finish` writes the last frames. Resolves once the first model call is under way.
 */
export async function streamRun(
  c: Context<AgentEnv>,
  rt: AgentRuntime,
  toolbox: Toolbox,
  request: RunRequest,
  frames: {
    event(event: RunEvent): string | undefined;
    finish(result: RunResult): string[];
    failure(problem: Problem): string[];
  },
): Promise<Response> {
  const scope = runScopeOf(c, rt);
  await toolbox.ready(Math.min(toolbox.limits.timeoutMs, scope.deadline - Date.now()));
  const link = streamSignal(c, rt);
  const opened = opening();
  const body = sseStream(
    async (send) => {
      try {
        const result = await runTools(
          rt,
          toolbox,
          request,
          { ...scope, signal: link.signal, requestId: c.get('requestId'), onOpened: opened.resolve },
          (event) => {
            const frame = frames.event(event);
            if (frame) send(frame);
          },
        );
        c.set('usage', result.usage);
        for (const frame of frames.finish(result)) send(frame);
      } catch (err) {
        if (!opened.settled) return opened.reject(err);
        const problem =
          err instanceof Problem
            ? err
            : link.signal.reason instanceof Problem
              ? link.signal.reason
              : undefined;
        if (problem) for (const frame of frames.failure(problem)) send(frame);
      }
    },
    { keepAliveMs: rt.keepAliveMs, metrics: rt.metrics, link },
  );
  try {
    await opened.promise;
  } catch (err) {
    await body.cancel(err).catch(() => {});
    throw err;
  }
  return c.body(body, 200, SSE_HEADERS);
}

/** /generate and custom endpoints of an agent with tools. */
export async function answerWithTools(
  c: Context<AgentEnv>,
  rt: AgentRuntime,
  toolbox: Toolbox,
  messages: ChatCompletionMessageParam[],
  opts: ToolAnswerOptions,
): Promise<Response> {
  const request: RunRequest = {
    params: {
      model: rt.config.model.id,
      messages: withToolInstruction(rt, messages),
      temperature: opts.temperature,
      max_tokens: opts.maxTokens,
    },
    stream: opts.stream,
  };
  if (opts.stream)
    return streamRun(c, rt, toolbox, request, {
      event: (event) =>
        event.type === 'text'
          ? sseEvent('token', { text: event.text })
          : event.type === 'tool_start'
            ? sseEvent('tool_start', toolEventData(event))
            : sseEvent('tool_end', toolEventData(event)),
      finish: (result) => [sseEvent('done', endOf(result))],
      failure: (problem) => [sseEvent('error', { ...problem.body, requestId: c.get('requestId') })],
    });
  const result = await wholeRun(c, rt, toolbox, request);
  return c.json({ text: result.text, ...endOf(result), model: result.model, tool_calls: result.toolCalls });
}
