/**
 * The tool loop: call the model with the agent's tools, run the calls it makes (all of one
 * step at once), feed the results back, and again, until one of a closed set of ends:
 *
 * - `answer`: the model answered without asking for a tool;
 * - `max_steps`: the model was called `maxSteps` times and its last reply still asked for
 *   tools (those calls are not run);
 * - `deadline`: the run's time (the agent's requestTimeoutMs, or less when a calling agent
 *   waits less) ran out before the next model call, or during one after the first;
 * - `client_tools`: the model asked for a tool of the client's own (/v1 only): the reply goes
 *   back to the client, which runs it, as the OpenAI protocol has it.
 *
 * Each step's calls are sorted once, before anything runs, into the agent's and the client's.
 * One AbortSignal reaches every model and tool call. No HTTP here: routes adapt a run to
 * /generate, custom endpoints and /v1 (tool-routes.ts); other front doors may call `runTools`.
 */
import type {
  ChatCompletionChunk,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { AgentRuntime } from '../agent-runtime.ts';
import { Problem } from '../http/problem.ts';
import type { CompletionParams } from '../llm/model-port.ts';
import {
  type CallScope,
  callTools,
  type ToolCallRecord,
  type ToolCallRequest,
  type ToolEvent,
} from './call-tools.ts';
import type { Toolbox } from './toolbox.ts';

export type StopReason = 'answer' | 'max_steps' | 'deadline' | 'client_tools';

/** What a run streams: tool calls as they start and end, and text as the model writes it. */
export type RunEvent = ToolEvent | { type: 'text'; text: string; chunk: ChatCompletionChunk };

/** A tool event's data, as SSE events and comments carry it (its `type` is the event's name). */
export function toolEventData(event: ToolEvent): Record<string, unknown> {
  const { type: _type, ...data } = event;
  return data;
}

export interface RunRequest {
  /** Everything sent to the model but the tools: model, messages (instruction included), sampling. */
  params: CompletionParams;
  /** Tools the client brought (/v1): offered beside the agent's, run by the client. */
  clientTools?: ChatCompletionTool[];
  /** Stream each model step (text events as it arrives) or take whole replies. */
  stream: boolean;
}

export interface RunContext {
  signal: AbortSignal;
  requestId: string | undefined;
  /** Agent hops that led to this run. */
  depth: number;
  /** When the run must be over, in Date.now() milliseconds. */
  deadline: number;
  /** Called once the first model call is under way (its reply, or its first chunk, arrived). */
  onOpened?: () => void;
}

export interface RunResult {
  stopReason: StopReason;
  steps: number;
  /** Everything the model wrote, across steps (usually only the last step writes). */
  text: string;
  /** The last reply's finish_reason. */
  finishReason: string | null;
  usage: { prompt_tokens: number; completion_tokens: number } | undefined;
  /** Of the last reply. */
  id: string;
  model: string;
  created: number;
  toolCalls: ToolCallRecord[];
  /** With `client_tools`: the calls the client is to run. */
  clientToolCalls: ChatCompletionMessageFunctionToolCall[];
}

interface StepReply {
  id: string;
  model: string;
  created: number;
  content: string;
  calls: ChatCompletionMessageFunctionToolCall[];
  finishReason: string | null;
  usage: { prompt_tokens: number; completion_tokens: number } | undefined;
}

export async function runTools(
  rt: AgentRuntime,
  toolbox: Toolbox,
  request: RunRequest,
  ctx: RunContext,
  emit: (event: RunEvent) => void,
): Promise<RunResult> {
  const { maxSteps } = toolbox.limits;
  const clientNames = new Set(
    (request.clientTools ?? []).flatMap((t) => (t.type === 'function' ? [t.function.name] : [])),
  );
  const messages: ChatCompletionMessageParam[] = [...request.params.messages];
  const toolCalls: ToolCallRecord[] = [];
  let text = '';
  let usage: RunResult['usage'];
  let last: StepReply | undefined;
  const end = (
    stopReason: StopReason,
    steps: number,
    clientToolCalls: ChatCompletionMessageFunctionToolCall[] = [],
  ): RunResult => ({
    stopReason,
    steps,
    text,
    finishReason: last?.finishReason ?? null,
    usage,
    id: last?.id ?? '',
    model: last?.model ?? rt.config.model.id,
    created: last?.created ?? Math.floor(Date.now() / 1000),
    toolCalls,
    clientToolCalls,
  });

  for (let step = 1; ; step++) {
    const left = ctx.deadline - Date.now();
    if (left <= 0) return end('deadline', step - 1);
    const tools = [...toolbox.definitions(ctx.depth), ...(request.clientTools ?? [])];
    const { tool_choice, parallel_tool_calls, ...params } = request.params;
    const stepParams: CompletionParams = {
      ...params,
      messages,
      ...(tools.length ? { tools } : {}),
      // A forced choice holds for the first step only, or the model could never answer.
      ...(tools.length && step === 1 && tool_choice !== undefined ? { tool_choice } : {}),
      ...(tools.length && parallel_tool_calls !== undefined ? { parallel_tool_calls } : {}),
    };
    try {
      last = request.stream
        ? await streamStep(rt, stepParams, ctx, left, step === 1, emit)
        : await completeStep(rt, stepParams, ctx, left, step === 1);
    } catch (err) {
      // A later model call that ran out of the run's time (its budget was what the deadline
      // left) ends the run, like the deadline between steps; the first call's failure is the
      // model's, and an HTTP error.
      const cutByDeadline =
        err instanceof Problem && err.status === 504 && left < rt.config.limits.requestTimeoutMs;
      if (step > 1 && cutByDeadline && !ctx.signal.aborted) return end('deadline', step - 1);
      throw err;
    }
    text += last.content;
    if (last.usage)
      usage = {
        prompt_tokens: (usage?.prompt_tokens ?? 0) + last.usage.prompt_tokens,
        completion_tokens: (usage?.completion_tokens ?? 0) + last.usage.completion_tokens,
      };
    // Sorted once: the client's calls go back to the client; the rest are ours (an unknown
    // name among them becomes an error result the model reads).
    const forClient = last.calls.filter(
      (call) => clientNames.has(call.function.name) && !toolbox.find(call.function.name),
    );
    if (forClient.length) return end('client_tools', step, forClient);
    if (last.calls.length === 0) return end('answer', step);
    if (step >= maxSteps) return end('max_steps', step);
    messages.push({ role: 'assistant', content: last.content || null, tool_calls: last.calls });
    const scope: CallScope = {
      signal: ctx.signal,
      requestId: ctx.requestId,
      depth: ctx.depth,
      deadline: ctx.deadline,
      step,
    };
    const requests: ToolCallRequest[] = last.calls.map((call) => ({
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    }));
    const done = await callTools(requests, scope, { toolbox, metrics: rt.metrics, log: rt.log, emit });
    toolCalls.push(...done.records);
    messages.push(...done.messages);
  }
}

async function completeStep(
  rt: AgentRuntime,
  params: CompletionParams,
  ctx: RunContext,
  budgetMs: number,
  first: boolean,
): Promise<StepReply> {
  const completion = await rt.calls.complete(params, ctx.signal, ctx.requestId, budgetMs);
  if (first) ctx.onOpened?.();
  const choice = completion.choices[0];
  return {
    id: completion.id,
    model: completion.model,
    created: completion.created,
    content: choice?.message.content ?? '',
    calls: (choice?.message.tool_calls ?? []).filter(
      (call): call is ChatCompletionMessageFunctionToolCall => call.type === 'function',
    ),
    finishReason: choice?.finish_reason ?? null,
    usage: completion.usage ?? undefined,
  };
}

/** One streamed step: text goes out as it arrives; tool calls are put together from their pieces. */
async function streamStep(
  rt: AgentRuntime,
  params: CompletionParams,
  ctx: RunContext,
  budgetMs: number,
  first: boolean,
  emit: (event: RunEvent) => void,
): Promise<StepReply> {
  const { chunks } = await rt.calls.stream(
    { ...params, stream_options: { include_usage: true } },
    ctx.signal,
    ctx.requestId,
    budgetMs,
  );
  if (first) ctx.onOpened?.();
  const reply: StepReply = {
    id: '',
    model: '',
    created: 0,
    content: '',
    calls: [],
    finishReason: null,
    usage: undefined,
  };
  const pieces: { id: string; name: string; arguments: string }[] = [];
  for await (const chunk of chunks) {
    reply.id ||= chunk.id;
    reply.model ||= chunk.model;
    reply.created ||= chunk.created;
    if (chunk.usage) reply.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.finish_reason) reply.finishReason = choice.finish_reason;
    const content = choice.delta?.content;
    if (content) {
      reply.content += content;
      emit({ type: 'text', text: content, chunk });
    }
    for (const delta of choice.delta?.tool_calls ?? []) {
      let piece = pieces[delta.index];
      if (!piece) {
        piece = { id: '', name: '', arguments: '' };
        pieces[delta.index] = piece;
      }
      if (delta.id) piece.id = delta.id;
      if (delta.function?.name) piece.name += delta.function.name;
      if (delta.function?.arguments) piece.arguments += delta.function.arguments;
    }
  }
  reply.calls = pieces
    .filter((piece) => piece !== undefined)
    .map((piece, index) => ({
      id: piece.id || `call_${index}`,
      type: 'function' as const,
      function: { name: piece.name, arguments: piece.arguments },
    }));
  return reply;
}
