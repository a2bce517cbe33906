/**
 * A per-client token bucket: `perMinute` requests in a burst, refilled evenly over the
 * minute. Who a client is (a key, an address) is the caller's business (access-guard.ts).
 *
 * In memory and per replica (N replicas allow N times the rate): a guard against one noisy
 * client, not a quota. The table is bounded so a flood of addresses cannot exhaust memory.
 */
interface Bucket {
  tokens: number;
  updated: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMinute: number;
  private readonly now: () => number;
  private readonly maxClients: number;

  constructor(perMinute: number, now: () => number, maxClients = 10_000) {
    this.perMinute = perMinute;
    this.now = now;
    this.maxClients = maxClients;
  }

  /** Takes one token; returns 0 when allowed, else the seconds until one is available. */
  take(client: string): number {
    const now = this.now();
    const ratePerMs = this.perMinute / 60_000;
    let bucket = this.buckets.get(client);
    if (!bucket) {
      if (this.buckets.size >= this.maxClients) this.evict(now);
      bucket = { tokens: this.perMinute, updated: now };
      this.buckets.set(client, bucket);
    } else {
      bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updated) * ratePerMs);
      bucket.updated = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000));
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Drops buckets that have refilled (they hold no state); failing that, the oldest. */
  private evict(now: number): void {
    const fullAfterMs = 60_000;
    for (const [key, b] of this.buckets) if (now - b.updated >= fullAfterMs) this.buckets.delete(key);
    if (this.buckets.size >= this.maxClients) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
  }
}
