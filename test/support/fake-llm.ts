/**
 * An OpenAI-compatible model server for tests and benchmarks, on 127.0.0.1:<random>.
 *
 * By default it answers deterministically: the reply is the last user message, echoed, and
 * usage counts whitespace-separated words. `script(...)` queues behaviours for the next
 * requests (a reply, an error status, a hang, a slow stream, tool calls), first in first out.
 *
 * It calls tools deterministically too (fake-tool-calls.ts): offered tools that the last user
 * message names are called, with arguments taken from it; after tool results it answers with
 * them, one `<tool>: <result>` line each.
 *
 * It is also the benchmark's "direct" peer, so the hot path stays plain node:http with no
 * per-request allocations beyond the reply. It must never listen beyond loopback.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ChatMessage,
  type FakeToolCall,
  type OfferedTool,
  toolCallsFromPrompt,
  toolResultsReply,
} from './fake-tool-calls.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or undefined for bodiless requests. */
  body: unknown;
  /** True once the client hung up before the answer was complete (e.g. an aborted stream). */
  aborted: boolean;
  /** Client port of the connection: equal ports mean a reused keep-alive connection. */
  remotePort: number | undefined;
}

/** One scripted behaviour; a step answers exactly one request. */
export type FakeStep =
  | { reply: string; finishReason?: string; usage?: { prompt_tokens: number; completion_tokens: number } }
  | { status: number; message?: string; headers?: Record<string, string> }
  /** Accepts the request and never answers (until the client gives up or the server closes). */
  | { hang: true }
  /** Streams these pieces (or the echo, split into words) with a delay between them. */
  | { chunks?: string[]; chunkDelayMs: number }
  /** Waits, then behaves as the default echo. */
  | { delayMs: number }
  /** Asks for these tool calls (arguments as an object, or as raw text the model "wrote"). */
  | { toolCalls: { name: string; arguments: unknown }[] };

export interface FakeLlmOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>` or get 401. */
  apiKey?: string;
  /** Record requests in `requests` (default true; the benchmark turns it off). */
  record?: boolean;
  /** Delay before every default answer, in ms (simulated model latency). */
  latencyMs?: number;
  /** Model ids listed by GET /v1/models. */
  models?: string[];
  /** Port on 127.0.0.1 (default: any free port). */
  port?: number;
  /** Serves other paths first (the quick start's demo tools); true when it answered. */
  routes?: (req: IncomingMessage, res: ServerResponse, path: string, body: unknown) => boolean;
}

export interface FakeLlm {
  /** Base URL for the `openai` SDK, ending with /v1. */
  baseURL: string;
  requests: RecordedRequest[];
  script(...steps: FakeStep[]): void;
  close(): Promise<void>;
}

interface ChatBody {
  model?: string;
  messages?: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: OfferedTool[];
}

export async function startFakeLlm(opts: FakeLlmOptions = {}): Promise<FakeLlm> {
  const requests: RecordedRequest[] = [];
  const queue: FakeStep[] = [];
  const record = opts.record ?? true;
  const models = opts.models ?? ['gpt-4o', 'gpt-4o-mini'];
  const expectedAuth = opts.apiKey === undefined ? undefined : `Bearer ${opts.apiKey}`;

  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const raw = parts.length === 0 ? '' : Buffer.concat(parts).toString('utf8');
      let body: unknown;
      try {
        body = raw === '' ? undefined : JSON.parse(raw);
      } catch {
        return sendError(res, 400, 'body is not valid JSON');
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (record) {
        const entry: RecordedRequest = {
          remotePort: req.socket.remotePort,
          method: req.method ?? 'GET',
          path,
          headers: req.headers,
          body,
          aborted: false,
        };
        requests.push(entry);
        res.once('close', () => {
          entry.aborted = !res.writableFinished;
        });
      }
      if (opts.routes?.(req, res, path, body)) return;
      if (expectedAuth !== undefined && req.headers.authorization !== expectedAuth) {
        return sendError(res, 401, 'Incorrect API key provided', 'invalid_api_key');
      }
      if (req.method === 'GET' && path === '/v1/models') return listModels(res, models);
      if (req.method !== 'POST' || path !== '/v1/chat/completions') return sendError(res, 404, 'not found');
      answer(req, res, (body ?? {}) as ChatBody, queue.shift(), opts.latencyMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...steps) => {
      queue.push(...steps);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function answer(
  req: IncomingMessage,
  res: ServerResponse,
  body: ChatBody,
  step: FakeStep | undefined,
  latencyMs: number,
): void {
  if (step !== undefined && 'hang' in step) {
    req.socket.setTimeout(0);
    return;
  }
  if (step !== undefined && 'status' in step) {
    sendError(res, step.status, step.message ?? `scripted status ${step.status}`, undefined, step.headers);
    return;
  }
  const delay = step !== undefined && 'delayMs' in step ? step.delayMs : latencyMs;
  if (delay > 0) {
    setTimeout(() => answer(req, res, body, step && 'delayMs' in step ? undefined : step, 0), delay);
    return;
  }
  const calls =
    step !== undefined && 'toolCalls' in step
      ? step.toolCalls.map((call, index) => ({
          id: `call_${index}_${call.name}`,
          name: call.name,
          arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
        }))
      : step === undefined
        ? toolCallsFromPrompt(body.messages ?? [], body.tools ?? [])
        : [];
  if (calls.length) {
    answerToolCalls(res, body, calls);
    return;
  }
  const reply =
    step !== undefined && 'reply' in step
      ? step.reply
      : (toolResultsReply(body.messages ?? []) ?? lastUserText(body));
  const finishReason = step !== undefined && 'reply' in step ? (step.finishReason ?? 'stop') : 'stop';
  const promptTokens = countWords((body.messages ?? []).map((m) => textOf(m.content)).join(' '));
  const usage =
    step !== undefined && 'reply' in step && step.usage
      ? { ...step.usage, total_tokens: step.usage.prompt_tokens + step.usage.completion_tokens }
      : { prompt_tokens: promptTokens, completion_tokens: countWords(reply), total_tokens: 0 };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  const model = body.model ?? 'gpt-4o';
  if (body.stream === true) {
    const pieces = step !== undefined && 'chunks' in step && step.chunks ? step.chunks : splitWords(reply);
    const chunkDelayMs = step !== undefined && 'chunkDelayMs' in step ? step.chunkDelayMs : 0;
    streamReply(
      res,
      model,
      pieces,
      finishReason,
      body.stream_options?.include_usage ? usage : undefined,
      chunkDelayMs,
    );
    return;
  }
  const payload = JSON.stringify({
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply },
        finish_reason: finishReason,
        logprobs: null,
      },
    ],
    usage,
  });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

function streamReply(
  res: ServerResponse,
  model: string,
  pieces: string[],
  finishReason: string,
  usage: object | undefined,
  chunkDelayMs: number,
): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta: object, finish: string | null, extra: object = {}) =>
    `data: ${JSON.stringify({
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      ...extra,
    })}\n\n`;
  const frames = [chunk({ role: 'assistant', content: '' }, null)];
  for (const piece of pieces) frames.push(chunk({ content: piece }, null));
  frames.push(chunk({}, finishReason));
  if (usage) {
    frames.push(
      `data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [], usage })}\n\n`,
    );
  }
  frames.push('data: [DONE]\n\n');
  if (chunkDelayMs <= 0) {
    res.end(frames.join(''));
    return;
  }
  // The role chunk goes out at once, like real providers; the delay is between the rest.
  res.write(frames[0]);
  let next = 1;
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    res.write(frames[next++]);
    if (next === frames.length) {
      clearInterval(timer);
      res.end();
    }
  }, chunkDelayMs);
  res.on('close', () => clearInterval(timer));
}

/** A reply that asks for tool calls, whole or streamed (each call's arguments in two pieces). */
function answerToolCalls(res: ServerResponse, body: ChatBody, calls: FakeToolCall[]): void {
  const model = body.model ?? 'gpt-4o';
  const promptTokens = countWords((body.messages ?? []).map((m) => textOf(m.content)).join(' '));
  const completionTokens = calls.reduce((n, call) => n + 1 + countWords(call.arguments), 0);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  const toolCalls = calls.map((call) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));
  if (body.stream !== true) {
    const payload = JSON.stringify({
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: 1_700_000_000,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, tool_calls: toolCalls },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    res.end(payload);
    return;
  }
  const chunk = (delta: object, finish: string | null, extra: object = {}) =>
    `data: ${JSON.stringify({
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      ...extra,
    })}\n\n`;
  const frames = [chunk({ role: 'assistant', content: null }, null)];
  calls.forEach((call, index) => {
    const half = Math.ceil(call.arguments.length / 2);
    frames.push(
      chunk(
        {
          tool_calls: [
            {
              index,
              id: call.id,
              type: 'function',
              function: { name: call.name, arguments: call.arguments.slice(0, half) },
            },
          ],
        },
        null,
      ),
      chunk({ tool_calls: [{ index, function: { arguments: call.arguments.slice(half) } }] }, null),
    );
  });
  frames.push(chunk({}, 'tool_calls'));
  if (body.stream_options?.include_usage)
    frames.push(
      `data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [], usage })}\n\n`,
    );
  frames.push('data: [DONE]\n\n');
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.end(frames.join(''));
}

function listModels(res: ServerResponse, models: string[]): void {
  const payload = JSON.stringify({
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })),
  });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(payload);
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  code?: string,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify({ error: { message, type: 'fake_error', code: code ?? null, param: null } });
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(payload);
}

function lastUserText(body: ChatBody): string {
  const messages = body.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') return textOf(messages[i]?.content);
  }
  return '';
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (typeof part?.text === 'string' ? part.text : '')).join('');
  }
  return '';
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((w) => w !== '').length;
}

/** Splits into word pieces that concatenate back to the input ("a b" -> ["a", " b"]). */
export function splitWords(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}
