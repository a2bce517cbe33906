/**
 * How a provider's non-2xx answer is classified, shared by every ChatModel so they agree:
 * 429 rate-limited, 5xx and 408 server (both retried), any other status rejected.
 */
import { parseRetryAfter, UpstreamError } from './model-port.ts';

export function upstreamErrorFromStatus(
  status: number,
  providerMessage: string,
  header: (name: string) => string | null | undefined,
  cause?: unknown,
): UpstreamError {
  const message = `model provider answered ${status}: ${providerMessage.slice(0, 300)}`;
  const ms = Number(header('retry-after-ms'));
  const retryAfterMs =
    Number.isFinite(ms) && ms > 0 ? ms : parseRetryAfter(header('retry-after'), Date.now());
  if (status === 429) return new UpstreamError('rate-limited', message, { status, retryAfterMs, cause });
  if (status >= 500 || status === 408)
    return new UpstreamError('server', message, { status, retryAfterMs, cause });
  return new UpstreamError('rejected', message, { status, cause });
}

/** The provider's own words from an OpenAI-style error body, else the raw text (trimmed). */
export function providerMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON: fall through to the text.
  }
  return body.trim().slice(0, 300) || 'no details';
}
