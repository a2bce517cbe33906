/**
 * Fairness inside a pool, in the manner of Kubernetes' API Priority and Fairness: one flow per
 * agent, a concurrency limit per agent and for the whole pool, a bounded queue per agent, and
 * round robin across the agents that have work waiting when a slot frees. One agent flooding
 * fills its own queue and then gets 429s; it never takes more than its share of slots, so the
 * others keep their latency.
 *
 * Pure timing logic over promises; it knows nothing of HTTP. Every granted slot must be
 * released exactly once (release is idempotent).
 */

export interface FairnessLimits {
  /** Requests of one agent served at once. */
  perAgent: number;
  /** Requests of one agent waiting for a slot; beyond, refused at once. */
  queuePerAgent: number;
  /** Requests of all agents served at once. */
  total: number;
  /** Longest wait for a slot before the request is refused (ms). */
  maxWaitMs: number;
}

export const DEFAULT_FAIRNESS: FairnessLimits = {
  perAgent: 8,
  queuePerAgent: 32,
  total: 256,
  maxWaitMs: 30_000,
};

/** A request refused for want of a slot: the caller answers 429 with Retry-After. */
export class Busy extends Error {
  override name = 'Busy';
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds = 1) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
}

export class FairScheduler {
  readonly limits: FairnessLimits;
  private inFlight = 0;
  private readonly running = new Map<string, number>();
  private readonly queues = new Map<string, Waiter[]>();
  /** Agents with waiters, in the order round robin visits them. */
  private ring: string[] = [];
  private cursor = 0;
  /** Requests refused since start (for the pool's metrics). */
  refused = 0;

  constructor(limits: Partial<FairnessLimits> = {}) {
    this.limits = { ...DEFAULT_FAIRNESS, ...limits };
  }

  get active(): number {
    return this.inFlight;
  }

  get queued(): number {
    let count = 0;
    for (const queue of this.queues.values()) count += queue.length;
    return count;
  }

  runningFor(agent: string): number {
    return this.running.get(agent) ?? 0;
  }

  /** A slot for one request of `agent`: at once, after a fair wait, or a Busy refusal. */
  acquire(agent: string, signal?: AbortSignal): Promise<Release> {
    if (this.hasRoom(agent)) return Promise.resolve(this.take(agent));
    const queue = this.queues.get(agent) ?? [];
    if (queue.length >= this.limits.queuePerAgent) {
      this.refused++;
      return Promise.reject(
        new Busy(
          `agent "${agent}" already has ${this.runningFor(agent)} requests running and ${queue.length} waiting, its share of the pool`,
        ),
      );
    }
    return new Promise<Release>((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const waiting = this.queues.get(agent);
        const at = waiting?.indexOf(waiter) ?? -1;
        if (waiting && at >= 0) waiting.splice(at, 1);
        if (waiting?.length === 0) this.forget(agent);
      };
      const onAbort = () => {
        leave();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        leave();
        this.refused++;
        reject(new Busy(`agent "${agent}" waited ${this.limits.maxWaitMs} ms for its share of the pool`));
      }, this.limits.maxWaitMs);
      const waiter: Waiter = {
        grant: (release) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
      if (!this.queues.has(agent)) {
        this.queues.set(agent, queue);
        this.ring.push(agent);
      }
    });
  }

  private hasRoom(agent: string): boolean {
    return this.inFlight < this.limits.total && this.runningFor(agent) < this.limits.perAgent;
  }

  private take(agent: string): Release {
    this.inFlight++;
    this.running.set(agent, this.runningFor(agent) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      const left = this.runningFor(agent) - 1;
      if (left > 0) this.running.set(agent, left);
      else this.running.delete(agent);
      this.dispatch();
    };
  }

  private forget(agent: string) {
    this.queues.delete(agent);
    const at = this.ring.indexOf(agent);
    if (at < 0) return;
    this.ring.splice(at, 1);
    if (at < this.cursor) this.cursor--;
  }

  /** Grants freed slots round robin across the agents that have requests waiting. */
  private dispatch() {
    let idle = 0;
    while (this.inFlight < this.limits.total && this.ring.length > 0 && idle < this.ring.length) {
      if (this.cursor >= this.ring.length) this.cursor = 0;
      const agent = this.ring[this.cursor] as string;
      const queue = this.queues.get(agent);
      if (!queue?.length || this.runningFor(agent) >= this.limits.perAgent) {
        this.cursor++;
        idle++;
        continue;
      }
      const waiter = queue.shift() as Waiter;
      if (queue.length === 0) this.forget(agent);
      else this.cursor++;
      idle = 0;
      waiter.grant(this.take(agent));
    }
  }
}
