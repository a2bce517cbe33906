/**
 * Who may call the agent, and how often, in one middleware so the order cannot drift:
 *
 * 1. With `requireApiKey`, the key is checked first. A good key is never refused by the
 *    failure limiter, whatever its address did: behind a load balancer or a NAT every client
 *    shares one address, and a stranger's wrong keys must not lock the key holders out.
 * 2. A missing or wrong key spends one token of its address's failure bucket
 *    (limits.authFailuresPerMinute) and gets 401; once the bucket is empty, 429 with
 *    Retry-After, so a scanner is told to back off. Keys are 256-bit random tokens (the
 *    README says how to make one): the limiter bounds noise and load, not the odds of a guess.
 * 3. A good key spends one token of its own bucket (limits.rateLimitPerMinute): clients with
 *    keys are limited by key, so many of them behind one NAT do not starve each other.
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
    const address = () => `addr:${opts.clientAddress(c) ?? 'unknown'}`;
    if (keys) {
      const result = await keys.check(c.req.header('authorization'));
      if (!result.ok) {
        const blocked = keys.failures.take(address());
        if (blocked > 0) {
          opts.onLimited();
          throw tooManyRequests(
            blocked,
            keys.failuresPerMinute,
            `too many requests without an accepted API key from this address (${keys.failuresPerMinute} per minute)`,
          );
        }
        throw unauthorized(result.detail);
      }
      if (requests) spend(requests.limiter, `key:${result.id}`, requests.perMinute);
    } else if (requests) {
      spend(requests.limiter, address(), requests.perMinute);
    }
    await next();
  };
}
