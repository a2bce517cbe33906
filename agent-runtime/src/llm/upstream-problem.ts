/**
 * Maps a model call that finally failed to the problem the client sees: 503 when the
 * provider rate-limits us, 504 when it did not answer in time, 502 for everything else.
 *
 * The provider's message is kept (it explains e.g. a context-length error) but never the
 * request we sent, and never our credentials.
 */
import { Problem } from '../http/problem.ts';
import type { UpstreamError } from './model-port.ts';

export function upstreamProblem(err: UpstreamError): Problem {
  const attempts = `after ${err.attempts} attempt${err.attempts === 1 ? '' : 's'}`;
  const members = { attempts: err.attempts, upstreamStatus: err.status ?? null };
  switch (err.kind) {
    case 'rate-limited': {
      const retryAfter = Math.max(1, Math.ceil((err.retryAfterMs ?? 1000) / 1000));
      return new Problem(
        503,
        'upstream-rate-limited',
        'Model provider rate limit',
        `${err.message} (${attempts})`,
        {
          headers: { 'Retry-After': String(retryAfter) },
          members,
          cause: err,
        },
      );
    }
    case 'timeout':
      return new Problem(504, 'upstream-timeout', 'Model provider timeout', `${err.message} (${attempts})`, {
        members,
        cause: err,
      });
    case 'rejected':
      return new Problem(502, 'upstream-rejected', 'Model provider rejected the request', err.message, {
        members,
        cause: err,
      });
    default:
      return new Problem(502, 'upstream-error', 'Model provider error', `${err.message} (${attempts})`, {
        members,
        cause: err,
      });
  }
}
