/**
 * `ChatModel` backed by the official `openai` SDK, pointed at any OpenAI-compatible base URL.
 *
 * The SDK's own retries and timeout are off: the runtime's retry loop owns the budget and
 * passes an AbortSignal per attempt. Never read the environment here (the entry passes the
 * key and base URL), and never put the key in an error message: provider text goes, with
 * the key redacted, into the error's `detail`, which is logged and never answered.
 */
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionChunk, ChatModel } from './model-port.ts';
import { UpstreamError } from './model-port.ts';
import { redact } from './redact.ts';
import { upstreamErrorFromStatus } from './upstream-status.ts';

export interface OpenAiModelOptions {
  /** OPENAI_API_KEY; providers without keys (local servers) accept any placeholder. */
  apiKey: string | undefined;
  /** OPENAI_BASE_URL; the SDK default (api.openai.com) when undefined. */
  baseURL: string | undefined;
  fetch?: typeof fetch;
}

/** The host (and port) of a base URL, for messages: never its user info, path or query. */
function hostOf(baseURL: string): string {
  try {
    return new URL(baseURL).host;
  } catch {
    return 'the configured base URL';
  }
}

/**
 * Neither a key nor a base URL: the SDK would call api.openai.com without a key, and the
 * retry loop would try it again and again. Fail each call at once, naming what to set.
 */
function unconfiguredModel(): ChatModel {
  const fail = () =>
    Promise.reject(
      new UpstreamError(
        'unconfigured',
        'no model is configured for this agent: neither OPENAI_API_KEY nor OPENAI_BASE_URL is set where it runs',
      ),
    );
  return { complete: fail, stream: fail };
}

export function createOpenAiModel(opts: OpenAiModelOptions): ChatModel {
  if (!opts.apiKey && !opts.baseURL) return unconfiguredModel();
  const baseURL = opts.baseURL || 'https://api.openai.com/v1';
  const client = new OpenAI({
    apiKey: opts.apiKey || 'unset',
    baseURL,
    // WARNING: explicit nulls, or the SDK reads OPENAI_ORG_ID / OPENAI_PROJECT_ID from env.
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: 24 * 60 * 60 * 1000,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });

  const secrets = [opts.apiKey];
  const translate = (err: unknown, signal: AbortSignal) =>
    translateError(err, signal, secrets, hostOf(baseURL));
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
        return translateChunks(stream, signal, translate);
      } catch (err) {
        throw translate(err, signal);
      }
    },
  };
}

async function* translateChunks(
  chunks: AsyncIterable<ChatCompletionChunk>,
  signal: AbortSignal,
  translate: (err: unknown, signal: AbortSignal) => unknown,
): AsyncIterable<ChatCompletionChunk> {
  try {
    yield* chunks;
  } catch (err) {
    throw translate(err, signal);
  }
}

function translateError(
  err: unknown,
  signal: AbortSignal,
  secrets: readonly (string | undefined)[],
  host: string,
): unknown {
  // An abort is ours (timeout or client gone): surface our reason, not the SDK's wrapper.
  if (signal.aborted) return signal.reason;
  if (err instanceof APIUserAbortError) return err;
  if (err instanceof APIConnectionError) {
    const cause = err.cause instanceof Error ? `${err.message} ${err.cause.message}` : err.message;
    return new UpstreamError('connection', `the model provider at ${host} is unreachable`, {
      detail: redact(cause, secrets),
      cause: err,
    });
  }
  if (err instanceof APIError) {
    // The SDK's message starts with the status ("429 Rate limit..."); say it once.
    const status = err.status;
    const text = redact(
      typeof status === 'number' && err.message.startsWith(`${status} `)
        ? err.message.slice(String(status).length + 1)
        : err.message,
      secrets,
    );
    if (typeof status === 'number')
      return upstreamErrorFromStatus(status, text, (name) => err.headers?.get(name), err);
    // No status: an error event inside a stream.
    return new UpstreamError('server', 'model provider reported an error in its stream', {
      detail: text.slice(0, 300),
      cause: err,
    });
  }
  if (err instanceof Error && err.name === 'SyntaxError') {
    // V8's JSON errors quote the text they choked on: a detail, never a message.
    return new UpstreamError('server', 'model provider sent malformed JSON', {
      detail: redact(err.message, secrets).slice(0, 300),
      cause: err,
    });
  }
  return err;
}
