/**
 * GET /health: liveness of the control plane and reachability of its dependencies (store,
 * cluster) with the latency of each round trip. 200 when both answer, else 503 with
 * Retry-After. The only route that needs no token; it reveals no configuration secrets.
 */
import { Hono } from 'hono';
import type { HealthProbesProvider } from '../providers.ts';

export const HEALTH_CHECK_TIMEOUT_MS = 3_000;

/** The route is public: keep the reason, drop any URL (bucket endpoints, API server address). */
export function publicReason(error: unknown): string {
  return (error as Error).message.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>').slice(0, 300);
}

async function timed(target: string, ping: () => Promise<void>) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${HEALTH_CHECK_TIMEOUT_MS} ms`)),
          HEALTH_CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started), target };
  } catch (error) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      target,
      error: publicReason(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(probes: HealthProbesProvider, version: string) {
  return new Hono().get('/health', async (c) => {
    let resolved: Awaited<ReturnType<HealthProbesProvider>>;
    try {
      resolved = await probes();
    } catch (error) {
      const failed = { ok: false, latencyMs: 0, target: 'configuration', error: publicReason(error) };
      return c.json(
        { status: 'degraded' as const, version, checks: { store: failed, cluster: failed } },
        503,
      );
    }
    const [store, cluster] = await Promise.all([
      timed(resolved.store.target, resolved.store.ping),
      timed(resolved.cluster.target, resolved.cluster.ping),
    ]);
    const ok = store.ok && cluster.ok;
    if (!ok) c.header('retry-after', '5');
    return c.json(
      { status: ok ? ('ok' as const) : ('degraded' as const), version, checks: { store, cluster } },
      ok ? 200 : 503,
    );
  });
}
