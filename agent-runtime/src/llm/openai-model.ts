/**
 * `ChatModel` backed by the official `openai` SDK, pointed at any OpenAI-compatible base URL.
 *
 * The SDK's own retries and timeout are off: the runtime's retry loop owns the budget and
 * passes an AbortSignal per attempt. Never read the environment here (the entry passes the
 * key and base URL), and never put the key in an error message.
 */
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionChunk, ChatModel } from './model-port.ts';
import { UpstreamError } from './model-port.ts';
import { upstreamErrorFromStatus } from './upstream-status.ts';

export interface OpenAiModelOptions {
  /** OPENAI_API_KEY; providers without keys (local servers) accept any placeholder. */
  apiKey: string | undefined;
  /** OPENAI_BASE_URL; the SDK default (api.openai.com) when undefined. */
  baseURL: string | undefined;
  fetch?: typeof fetch;
}

export function createOpenAiModel(opts: OpenAiModelOptions): ChatModel {
  const client = new OpenAI({
    apiKey: opts.apiKey || 'unset',
    baseURL: opts.baseURL || 'https://api.openai.com/v1',
    // WARNING: explicit nulls, or the SDK reads OPENAI_ORG_ID / OPENAI_PROJECT_ID from env.
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: 24 * 60 * 60 * 1000,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });

  return {
    async complete(params, signal) {
      try {
        return await client.chat.completions.create({ ...params, stream: false }, { signal });
      } catch (err) {
        throw translate(err, signal);
      }
    },
    async stream(params, signal) {
      try {
        const stream = await client.chat.completions.create({ ...params, stream: true }, { signal });
        return translateChunks(stream, signal);
      } catch (err) {
        throw translate(err, signal);
      }
    },
  };
}

async function* translateChunks(
  chunks: AsyncIterable<ChatCompletionChunk>,
  signal: AbortSignal,
): AsyncIterable<ChatCompletionChunk> {
  try {
    yield* chunks;
  } catch (err) {
    throw translate(err, signal);
  }
}

function translate(err: unknown, signal: AbortSignal): unknown {
  // An abort is ours (timeout or client gone): surface our reason, not the SDK's wrapper.
  if (signal.aborted) return signal.reason;
  if (err instanceof APIUserAbortError) return err;
  if (err instanceof APIConnectionError) {
    return new UpstreamError('connection', `model provider unreachable: ${err.message}`, { cause: err });
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    // The SDK's message starts with the status ("429 Rate limit..."); say it once.
    const status = err.status;
    const text = err.message.startsWith(`${status} `)
      ? err.message.slice(String(status).length + 1)
      : err.message;
    return upstreamErrorFromStatus(status, text, (name) => err.headers?.get(name), err);
  }
  if (err instanceof Error && err.name === 'SyntaxError') {
    return new UpstreamError('server', `model provider sent malformed JSON: ${err.message}`, { cause: err });
  }
  return err;
}
