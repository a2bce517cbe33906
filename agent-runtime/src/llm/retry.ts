/**
 * Runs one model call with retries of transient upstream failures (429, 5xx, no answer,
 * attempt timeout), with exponential backoff and jitter, all inside one time budget.
 *
 * Each attempt gets an equal share of what is left of the budget, so a hung provider is
 * abandoned early enough to try again; a fast failure leaves the later attempts more time.
 * WARNING: a call that legitimately takes longer than budget / (maxRetries + 1) is cut off;
 * agents with slow models should lower maxRetries or raise requestTimeoutMs.
 * It never retries after the caller aborted (client gone, shutdown).
 */
import { linkSignals } from '../abort.ts';
import { UpstreamError } from './model-port.ts';

export interface RetryPolicy {
  budgetMs: number;
  maxRetries: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface RetryHooks {
  now(): number;
  random(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Called for every failed attempt; `retrying` says whether another attempt follows. */
  onFailure?(err: UpstreamError, attempt: number, retrying: boolean): void;
}

export const defaultRetryHooks: RetryHooks = {
  now: () => Date.now(),
  random: Math.random,
  sleep: abortableSleep,
};

export async function withRetry<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  policy: RetryPolicy,
  outer: AbortSignal,
  hooks: RetryHooks = defaultRetryHooks,
): Promise<T> {
  const deadline = hooks.now() + policy.budgetMs;
  const base = policy.baseDelayMs ?? 200;
  const cap = policy.maxDelayMs ?? 4000;
  for (let n = 0; ; n++) {
    const attemptMs = Math.max(1, Math.floor((deadline - hooks.now()) / (policy.maxRetries - n + 1)));
    // Stays linked to `outer` after success: a stream keeps using this signal. `outer` is
    // per request, so the listener goes away with it.
    const link = linkSignals([outer]);
    let timedOut: UpstreamError | undefined;
    const timeout = setTimeout(() => {
      timedOut = new UpstreamError('timeout', `model provider did not answer within ${attemptMs} ms`);
      link.abort(timedOut);
    }, attemptMs);
    try {
      return await attempt(link.signal);
    } catch (err) {
      link.unlink();
      if (outer.aborted) throw outer.reason ?? err;
      const failure = timedOut ?? err;
      if (!(failure instanceof UpstreamError)) throw failure;
      failure.attempts = n + 1;
      const delay = failure.retryAfterMs ?? Math.min(cap, base * 2 ** n) * (0.5 + hooks.random() / 2);
      const retrying = failure.retryable && n < policy.maxRetries && hooks.now() + delay < deadline;
      hooks.onFailure?.(failure, n + 1, retrying);
      if (!retrying) throw failure;
      await hooks.sleep(delay, outer);
      if (outer.aborted) throw outer.reason;
    } finally {
      clearTimeout(timeout);
    }
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
