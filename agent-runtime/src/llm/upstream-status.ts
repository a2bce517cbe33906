/**
 * How a provider's non-2xx answer is classified, shared by every ChatModel so they agree:
 * 429 rate-limited, 5xx and 408 server (both retried), any other status rejected.
 *
 * The provider's words become the error's `detail` (logged, never answered), cut short.
 */
import { parseRetryAfter, UpstreamError } from './model-port.ts';

const MAX_DETAIL = 300;

export function upstreamErrorFromStatus(
  status: number,
  providerMessage: string,
  header: (name: string) => string | null | undefined,
  cause?: unknown,
): UpstreamError {
  const message = `model provider answered ${status}`;
  const detail = providerMessage.slice(0, MAX_DETAIL);
  const ms = Number(header('retry-after-ms'));
  const retryAfterMs =
    Number.isFinite(ms) && ms > 0 ? ms : parseRetryAfter(header('retry-after'), Date.now());
  if (status === 429)
    return new UpstreamError('rate-limited', message, { status, retryAfterMs, detail, cause });
  if (status >= 500 || status === 408)
    return new UpstreamError('server', message, { status, retryAfterMs, detail, cause });
  return new UpstreamError('rejected', message, { status, detail, cause });
}
