/**
 * The one capability the runtime needs from a model provider: a chat completion, whole or
 * streamed, in OpenAI's wire shapes (the lingua franca of compatible providers).
 *
 * Implementations translate provider failures into `UpstreamError` so retry and error
 * mapping stay pure. They must never retry on their own (the runtime owns the budget).
 * What the provider said goes in `detail`, which is only ever logged: never in `message`.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';

export type { ChatCompletion, ChatCompletionChunk };
export type CompletionParams = Omit<ChatCompletionCreateParamsNonStreaming, 'stream'>;
export type StreamParams = Omit<ChatCompletionCreateParamsStreaming, 'stream'>;

export interface ChatModel {
  complete(params: CompletionParams, signal: AbortSignal): Promise<ChatCompletion>;
  /** Resolves once the provider accepted the call (status known); chunks follow. */
  stream(params: StreamParams, signal: AbortSignal): Promise<AsyncIterable<ChatCompletionChunk>>;
}

/**
 * rate-limited: 429; server: 5xx; connection: no answer; rejected: other 4xx (our fault or
 * the provider's configuration, never worth a retry); timeout: set by the runtime itself;
 * unconfigured: no provider was named at all (no key, no base URL), so nothing was sent.
 */
export type UpstreamErrorKind =
  | 'rate-limited'
  | 'server'
  | 'connection'
  | 'rejected'
  | 'timeout'
  | 'unconfigured';

export class UpstreamError extends Error {
  readonly kind: UpstreamErrorKind;
  readonly status: number | undefined;
  /** From the provider's Retry-After, when it sent one. */
  readonly retryAfterMs: number | undefined;
  /**
   * The provider's own words (error body, connection failure), secrets redacted. For the
   * log only: an agent's caller must never see it (a base URL pointed at an internal
   * service would otherwise echo that service's answers).
   */
  readonly detail: string | undefined;
  /** Attempts made before giving up; set by the retry loop. */
  attempts = 1;

  constructor(
    kind: UpstreamErrorKind,
    message: string,
    opts: { status?: number; retryAfterMs?: number; detail?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'UpstreamError';
    this.kind = kind;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
    this.detail = opts.detail;
  }

  get retryable(): boolean {
    return this.kind !== 'rejected' && this.kind !== 'unconfigured';
  }
}

/** Parses Retry-After (seconds or HTTP date) into milliseconds; undefined when absent or bad. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
