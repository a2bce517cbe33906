/**
 * Who may call the agent, and how often, in one middleware so the order cannot drift:
 *
 * 1. With `requireApiKey`, an address that spent its failed-key budget
 *    (limits.authFailuresPerMinute) gets 429 before its key is even looked at, so after
 *    the limit a right guess answers exactly like a wrong one.
 * 2. The key is checked; a wrong or missing key spends one token of the address's
 *    failure bucket and gets 401.
 * 3. A good key spends one token of its own bucket (limits.rateLimitPerMinute): clients
 *    with keys are limited by key, so many of them behind one NAT do not starve each other.
 *    Without `requireApiKey`, every request spends a token of its address's bucket.
 *
 * Addresses come from the host (deps.clientAddress), which must not trust X-Forwarded-For
 * unless a trusted proxy set it. Never log the key or the Authorization header.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AgentEnv } from './agent-env.ts';
import type { KeyCheck } from './api-key.ts';
import { tooManyRequests, unauthorized } from './problem.ts';
import type { RateLimiter } from './rate-limit.ts';

export interface AccessGuardOptions {
  /** Set when the agent requires an API key. */
  keys?: { check: KeyCheck; failures: RateLimiter; failuresPerMinute: number };
  /** Set when the request rate limit is on (rateLimitPerMinute > 0). */
  requests?: { limiter: RateLimiter; perMinute: number };
  /** The client's address; undefined when the host cannot tell (all such share a bucket). */
  clientAddress: (c: Context<AgentEnv>) => string | undefined;
  onLimited: () => void;
}

export function accessGuard(opts: AccessGuardOptions): MiddlewareHandler<AgentEnv> {
  const { keys, requests } = opts;
  const spend = (limiter: RateLimiter, client: string, perMinute: number) => {
    const retryAfter = limiter.take(client);
    if (retryAfter === 0) return;
    opts.onLimited();
    throw tooManyRequests(retryAfter, perMinute);
  };
  return async (c, next) => {
    const address = `addr:${opts.clientAddress(c) ?? 'unknown'}`;
    if (keys) {
      const blocked = keys.failures.wait(address);
      if (blocked > 0) {
        opts.onLimited();
        throw tooManyRequests(
          blocked,
          keys.failuresPerMinute,
          `too many requests without an accepted API key from this address (${keys.failuresPerMinute} per minute)`,
        );
      }
      const result = await keys.check(c.req.header('authorization'));
      if (!result.ok) {
        keys.failures.take(address);
        throw unauthorized(result.detail);
      }
      if (requests) spend(requests.limiter, `key:${result.id}`, requests.perMinute);
    } else if (requests) {
      spend(requests.limiter, address, requests.perMinute);
    }
    await next();
  };
}
