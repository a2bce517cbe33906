/**
 * Maps a model call that finally failed to the problem the client sees: 503 when the
 * provider rate-limits us, 504 when it did not answer in time, 502 for everything else.
 *
 * WARNING: nothing the provider sent reaches the client, not even a short excerpt: the
 * caller gets the kind of failure, the upstream status class (4xx, 5xx), the attempts and
 * the request id; the provider's words are in the agent's log under that id. An error
 * body echoed back would let a config that points the base URL at an internal service
 * read that service's answers. An unreachable provider is named by its host only (from our
 * own message: never user info, path or query), with what to set.
 */
import { Problem } from '../http/problem.ts';
import type { UpstreamError } from './model-port.ts';

const SEE_LOG = "the agent's log has the provider's answer under this requestId";

export function upstreamProblem(err: UpstreamError): Problem {
  const attempts = `after ${err.attempts} attempt${err.attempts === 1 ? '' : 's'}`;
  const statusClass = err.status === undefined ? null : `${Math.floor(err.status / 100)}xx`;
  const members = { attempts: err.attempts, upstreamStatusClass: statusClass };
  switch (err.kind) {
    case 'rate-limited': {
      const retryAfter = Math.max(1, Math.ceil((err.retryAfterMs ?? 1000) / 1000));
      return new Problem(
        503,
        'upstream-rate-limited',
        'Model provider rate limit',
        `the model provider is rate limiting this agent (${attempts})`,
        { headers: { 'Retry-After': String(retryAfter) }, members, cause: err },
      );
    }
    case 'timeout':
      // Our own words (which budget ran out), never the provider's.
      return new Problem(504, 'upstream-timeout', 'Model provider timeout', `${err.message} (${attempts})`, {
        members,
        cause: err,
      });
    case 'rejected':
      return new Problem(
        502,
        'upstream-rejected',
        'Model provider rejected the request',
        `the model provider rejected the request (${statusClass ?? 'no status'}); ${SEE_LOG}`,
        { members, cause: err },
      );
    case 'unconfigured':
      return new Problem(
        502,
        'upstream-unconfigured',
        'No model configured',
        `${err.message}; set OPENAI_BASE_URL (any OpenAI-compatible endpoint) and OPENAI_API_KEY: for npm start in its environment, on a cluster the platform's FLEETPLANE_OPENAI_BASE_URL and provider Secret (or the agent's provider)`,
        { members, cause: err },
      );
    case 'connection':
      return new Problem(
        502,
        'upstream-error',
        'Model provider error',
        `${err.message} (${attempts}); check OPENAI_BASE_URL (on a cluster the platform's FLEETPLANE_OPENAI_BASE_URL, or the agent's provider.baseUrl) and that the provider runs there; ${SEE_LOG}`,
        { members, cause: err },
      );
    default:
      return new Problem(
        502,
        'upstream-error',
        'Model provider error',
        `the model provider failed (${statusClass ?? 'no status'}, ${attempts}); ${SEE_LOG}`,
        { members, cause: err },
      );
  }
}
