/**
 * Serves the agent app over node:http and drains it on shutdown: stop accepting, fail
 * readiness, let in-flight requests and streams finish within the grace period, then end
 * the stragglers (streams get a final error event) and close every connection.
 *
 * It must never exit the process itself (the entry decides), so tests can drive it.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Lifecycle } from '../agent-runtime.ts';
import { unavailable } from '../http/problem.ts';

export interface NodeLifecycle extends Lifecycle {
  draining: boolean;
  stop(reason: unknown): void;
}

export function createLifecycle(): NodeLifecycle {
  const stopper = new AbortController();
  return { draining: false, stopping: stopper.signal, stop: (reason) => stopper.abort(reason) };
}

export interface AgentServer {
  port: number;
  inFlight(): number;
  /** Drains and closes; resolves when every connection is gone. Idempotent. */
  shutdown(): Promise<void>;
}

type Fetch = (request: Request, env: { incoming: IncomingMessage }) => Response | Promise<Response>;

export async function serveAgent(
  fetch: Fetch,
  opts: { port: number; host: string; graceMs: number; lifecycle: NodeLifecycle },
): Promise<AgentServer> {
  const listener = getRequestListener(fetch as Parameters<typeof getRequestListener>[0]);
  let inFlight = 0;
  const server = createServer((req, res) => {
    inFlight++;
    res.once('close', () => inFlight--);
    // While draining, answer and hang up so keep-alive clients reconnect elsewhere.
    if (opts.lifecycle.draining) res.shouldKeepAlive = false;
    void listener(req, res);
  });
  // Longer than typical load balancer idle timeouts (60 s), or they race our close.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const shutdown = () => {
    closing ??= (async () => {
      opts.lifecycle.draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      try {
        if (!(await until(() => inFlight === 0, opts.graceMs))) {
          opts.lifecycle.stop(unavailable('agent is shutting down; retry on another replica', 1));
          await until(() => inFlight === 0, 1_000);
        }
      } finally {
        clearInterval(sweep);
        server.closeAllConnections();
      }
      await closed;
    })();
    return closing;
  };
  return { port, inFlight: () => inFlight, shutdown };
}

async function until(done: () => boolean, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}
