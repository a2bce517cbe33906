/**
 * The runtime's single door to the model: retries within the budget, token counters,
 * upstream error metrics and logs, and the mapping of final failures to problems.
 *
 * Streams are retried only until their first chunk arrives (after that, text has reached
 * the client); from then on each chunk must follow within the budget or the stream ends
 * with a timeout. Never log message contents here. Failed attempts are logged with the
 * request id, the upstream status and the provider's (redacted) words: the log line an
 * operator finds from the requestId a caller quotes.
 */
import { linkSignals } from '../abort.ts';
import type { ResolvedRuntimeLimits } from '../contract.ts';
import type { Problem } from '../http/problem.ts';
import type { Logger } from '../observability/logger.ts';
import type { AgentMetrics } from '../observability/metrics.ts';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatModel,
  CompletionParams,
  StreamParams,
} from './model-port.ts';
import { UpstreamError } from './model-port.ts';
import { type RetryHooks, withRetry } from './retry.ts';
import { upstreamProblem } from './upstream-problem.ts';

export interface OpenedStream {
  /** Every chunk, the first one included. */
  chunks: AsyncIterable<ChatCompletionChunk>;
}

export class ModelCalls {
  private readonly model: ChatModel;
  private readonly limits: ResolvedRuntimeLimits;
  private readonly metrics: AgentMetrics;
  private readonly log: Logger;
  private readonly hooks: RetryHooks;

  constructor(
    model: ChatModel,
    limits: ResolvedRuntimeLimits,
    metrics: AgentMetrics,
    log: Logger,
    hooks: RetryHooks,
  ) {
    this.model = model;
    this.limits = limits;
    this.metrics = metrics;
    this.log = log;
    this.hooks = hooks;
  }

  /** `budgetMs`: what the call may take, retries included (default: limits.requestTimeoutMs). */
  async complete(
    params: CompletionParams,
    signal: AbortSignal,
    requestId?: string,
    budgetMs?: number,
  ): Promise<ChatCompletion> {
    try {
      const completion = await withRetry(
        (s) => this.model.complete(params, s),
        this.policy(budgetMs),
        signal,
        this.hooksFor(requestId),
      );
      this.countUsage(completion.usage);
      return completion;
    } catch (err) {
      throw toProblem(err);
    }
  }

  /** Opens a stream, retrying until its first chunk; `signal` aborts it at any point. */
  async stream(
    params: StreamParams,
    signal: AbortSignal,
    requestId?: string,
    budgetMs?: number,
  ): Promise<OpenedStream> {
    const stall = new AbortController();
    const outer = linkSignals([signal, stall.signal]).signal;
    let opened: { first: IteratorResult<ChatCompletionChunk>; rest: AsyncIterator<ChatCompletionChunk> };
    try {
      opened = await withRetry(
        async (s) => {
          const rest = (await this.model.stream(params, s))[Symbol.asyncIterator]();
          return { first: await rest.next(), rest };
        },
        this.policy(budgetMs),
        outer,
        this.hooksFor(requestId),
      );
    } catch (err) {
      throw toProblem(err);
    }
    return { chunks: this.follow(opened.first, opened.rest, stall, outer, requestId) };
  }

  private async *follow(
    first: IteratorResult<ChatCompletionChunk>,
    rest: AsyncIterator<ChatCompletionChunk>,
    stall: AbortController,
    signal: AbortSignal,
    requestId: string | undefined,
  ): AsyncIterable<ChatCompletionChunk> {
    const budget = this.limits.requestTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => stall.abort(new UpstreamError('timeout', `model stream stalled for ${budget} ms`)),
        budget,
      );
    };
    try {
      let next = first;
      while (!next.done) {
        this.countUsage(next.value.usage);
        yield next.value;
        arm();
        next = await rest.next();
      }
      // WARNING: the SDK ends an aborted stream quietly; without this a stall or a shutdown
      // would look like a complete answer.
      if (signal.aborted) throw signal.reason;
    } catch (err) {
      if (err instanceof UpstreamError) this.onFailure(err, 1, false, requestId);
      throw toProblem(err);
    } finally {
      clearTimeout(timer);
      // Ends the upstream request when the consumer stops early (client gone).
      await rest.return?.();
    }
  }

  private policy(budgetMs = this.limits.requestTimeoutMs) {
    return { budgetMs, maxRetries: this.limits.maxRetries };
  }

  private countUsage(usage: { prompt_tokens: number; completion_tokens: number } | null | undefined): void {
    if (!usage) return;
    this.metrics.promptTokens.inc({}, usage.prompt_tokens);
    this.metrics.completionTokens.inc({}, usage.completion_tokens);
  }

  private hooksFor(requestId: string | undefined): RetryHooks {
    return {
      ...this.hooks,
      onFailure: (err, attempt, retrying) => this.onFailure(err, attempt, retrying, requestId),
    };
  }

  private onFailure(err: UpstreamError, attempt: number, retrying: boolean, requestId?: string): void {
    this.metrics.upstreamErrors.inc({ kind: err.kind });
    if (retrying) this.metrics.upstreamRetries.inc();
    this.log.warn('model call failed', {
      requestId,
      kind: err.kind,
      upstreamStatus: err.status,
      attempt,
      retrying,
      error: err.message,
      ...(err.detail === undefined ? {} : { upstreamDetail: err.detail }),
    });
  }
}

function toProblem(err: unknown): Problem | unknown {
  return err instanceof UpstreamError ? upstreamProblem(err) : err;
}
