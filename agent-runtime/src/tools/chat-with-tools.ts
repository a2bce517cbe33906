/**
 * /v1/chat/completions of an agent with tools. The agent runs its own tools and answers with
 * the model's final reply, so any OpenAI client works unchanged and never sees them.
 *
 * Tools the client sends are offered beside the agent's (a name they share is a 422). When
 * the model asks for one of the client's, the reply goes back to the client with those calls
 * (`finish_reason: "tool_calls"`), as the OpenAI protocol has it; calls to the agent's own
 * tools in that same reply are dropped, and the model may ask again on the next turn.
 *
 * A run stopped by `maxSteps` or the deadline ends with `finish_reason: "length"`. Every
 * answer carries `fleetplane: {stop_reason, steps, tool_calls}`, which clients ignore. In a
 * stream, tool calls show as SSE comments (`: tool_start {...}`), which OpenAI's SDKs skip.
 */
import type { Context } from 'hono';
import type {
  ChatCompletionChunk,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { AgentRuntime } from '../agent-runtime.ts';
import type { AgentEnv } from '../http/agent-env.ts';
import { invalidInput } from '../http/problem.ts';
import { sseData } from '../http/sse.ts';
import type { CompletionParams } from '../llm/model-port.ts';
import { type RunRequest, type RunResult, toolEventData } from './tool-loop.ts';
import { streamRun, wholeRun, withToolInstruction } from './tool-routes.ts';
import type { Toolbox } from './toolbox.ts';

const finishReasonOf = (result: RunResult) =>
  result.stopReason === 'client_tools'
    ? 'tool_calls'
    : result.stopReason === 'answer'
      ? (result.finishReason ?? 'stop')
      : 'length';

const extension = (result: RunResult) => ({
  fleetplane: { stop_reason: result.stopReason, steps: result.steps, tool_calls: result.toolCalls },
});

const usageOf = (result: RunResult) =>
  result.usage
    ? { ...result.usage, total_tokens: result.usage.prompt_tokens + result.usage.completion_tokens }
    : undefined;

/** The client's own tools, checked against the agent's names; undefined when it sent none. */
function clientToolsOf(body: Record<string, unknown>, toolbox: Toolbox): ChatCompletionTool[] | undefined {
  if (!Array.isArray(body.tools) || body.tools.length === 0) return undefined;
  const tools = body.tools as ChatCompletionTool[];
  const clashes = tools.flatMap((tool, index) =>
    tool?.type === 'function' && toolbox.find(tool.function?.name)
      ? [
          {
            path: `tools[${index}].function.name`,
            rule: 'unique',
            message: `must differ from the agent's own tools (got ${JSON.stringify(tool.function.name)})`,
          },
        ]
      : [],
  );
  if (clashes.length) throw invalidInput(clashes);
  return tools;
}

export async function chatWithTools(
  c: Context<AgentEnv>,
  rt: AgentRuntime,
  toolbox: Toolbox,
  body: Record<string, unknown> & { stream?: boolean; n?: number | null },
  params: Record<string, unknown>,
  wantsUsage: boolean,
): Promise<Response> {
  if (typeof body.n === 'number' && body.n > 1)
    throw invalidInput([
      { path: 'n', rule: 'max', message: `must be 1 for an agent with tools (got number ${body.n})` },
    ]);
  const clientTools = clientToolsOf(body, toolbox);
  const { tools: _tools, n: _n, ...forwarded } = params;
  const request: RunRequest = {
    params: {
      ...(forwarded as Partial<CompletionParams>),
      model: rt.config.model.id,
      messages: withToolInstruction(rt, body.messages as ChatCompletionMessageParam[]),
    },
    ...(clientTools ? { clientTools } : {}),
    stream: body.stream === true,
  };
  if (request.stream) {
    let head: Pick<ChatCompletionChunk, 'id' | 'created' | 'model'> | undefined;
    const chunk = (choice: object | undefined, extra: object = {}) =>
      sseData({
        id: head?.id ?? 'chatcmpl-fleetplane',
        object: 'chat.completion.chunk',
        created: head?.created ?? Math.floor(Date.now() / 1000),
        model: head?.model ?? rt.config.model.id,
        choices: choice ? [{ index: 0, logprobs: null, ...choice }] : [],
        ...extra,
      });
    return streamRun(c, rt, toolbox, request, {
      event: (event) => {
        if (event.type !== 'text') return `: ${event.type} ${JSON.stringify(toolEventData(event))}\n\n`;
        const first = head === undefined;
        head ??= { id: event.chunk.id, created: event.chunk.created, model: event.chunk.model };
        const role = first ? chunk({ delta: { role: 'assistant', content: '' }, finish_reason: null }) : '';
        return role + chunk({ delta: { content: event.text }, finish_reason: null });
      },
      finish: (result) => {
        head ??= { id: result.id, created: result.created, model: result.model };
        const calls = result.clientToolCalls.map((call, index) => ({ index, ...call }));
        return [
          ...(calls.length
            ? [chunk({ delta: { role: 'assistant', tool_calls: calls }, finish_reason: null })]
            : []),
          chunk({ delta: {}, finish_reason: finishReasonOf(result) }, extension(result)),
          ...(wantsUsage && result.usage ? [chunk(undefined, { usage: usageOf(result) })] : []),
          sseData('[DONE]'),
        ];
      },
      failure: (problem) => [
        sseData({
          error: { message: problem.body.detail, type: problem.body.type, code: problem.body.status },
        }),
        sseData('[DONE]'),
      ],
    });
  }
  const result = await wholeRun(c, rt, toolbox, request);
  return c.json({
    id: result.id,
    object: 'chat.completion',
    created: result.created,
    model: result.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: result.text === '' && result.clientToolCalls.length ? null : result.text,
          refusal: null,
          ...(result.clientToolCalls.length ? { tool_calls: result.clientToolCalls } : {}),
        },
        finish_reason: finishReasonOf(result),
        logprobs: null,
      },
    ],
    usage: usageOf(result),
    ...extension(result),
  });
}
