/**
 * GET /health: liveness of the control plane and reachability of its dependencies (store,
 * cluster) with the latency of each round trip. 200 when both answer, else 503 with
 * Retry-After. The only route that needs no token.
 *
 * WARNING: it is public, so its answers say only what failed, per dependency: "misconfigured"
 * (the settings could not even build it: its ping fails with a SettingsError), "unreachable",
 * or no answer in time. Error messages
 * never reach the answer: a parse error of a kubeconfig quotes the lines around the fault,
 * its `token:` line included. The operator finds the cause in the logs (causeOf: the error's
 * kind and the first line of its message, without URLs, never the quoted lines).
 */
import { Hono } from 'hono';
import type { Logger } from '../../lib/logger.ts';
import { SettingsError } from '../../wiring/env.ts';
import type { HealthProbesProvider } from '../providers.ts';

export const HEALTH_CHECK_TIMEOUT_MS = 3_000;

export type HealthFailure = 'misconfigured' | 'unreachable' | `no answer within ${number} ms`;

class Timeout extends Error {}

/**
 * What the logs get of an error: its kind and first line, at most 200 characters, with URLs
 * and anything long enough to be a token or key (32+ characters of base64 or hex) cut out.
 */
export function causeOf(error: unknown): string {
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = (message.split('\n')[0] ?? '')
    .replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>')
    .replace(/[A-Za-z0-9+/=_.-]{32,}/g, '<redacted>');
  return `${name}: ${firstLine}`.slice(0, 200);
}

async function timed(dependency: string, target: string, ping: () => Promise<void>, log: Logger) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Timeout()), HEALTH_CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started), target };
  } catch (error) {
    const latencyMs = Math.round(performance.now() - started);
    if (error instanceof Timeout)
      return { ok: false, latencyMs, target, error: `no answer within ${HEALTH_CHECK_TIMEOUT_MS} ms` };
    if (error instanceof SettingsError) {
      log('error', 'health: the settings cannot build this dependency', {
        dependency,
        cause: causeOf(error.cause ?? error),
      });
      return { ok: false, latencyMs, target, error: 'misconfigured' satisfies HealthFailure };
    }
    log('warn', 'health: dependency unreachable', { dependency, cause: causeOf(error) });
    return { ok: false, latencyMs, target, error: 'unreachable' satisfies HealthFailure };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(probes: HealthProbesProvider, version: string, log: Logger) {
  return new Hono().get('/health', async (c) => {
    let resolved: Awaited<ReturnType<HealthProbesProvider>>;
    try {
      resolved = await probes();
    } catch (error) {
      log('error', 'health: the configuration cannot build the store or the cluster', {
        cause: causeOf(error),
      });
      const failed = {
        ok: false,
        latencyMs: 0,
        target: 'configuration',
        error: 'misconfigured' as HealthFailure,
      };
      c.header('retry-after', '5');
      return c.json(
        { status: 'degraded' as const, version, checks: { store: failed, cluster: failed } },
        503,
      );
    }
    const [store, cluster] = await Promise.all([
      timed('store', resolved.store.target, resolved.store.ping, log),
      timed('cluster', resolved.cluster.target, resolved.cluster.ping, log),
    ]);
    const ok = store.ok && cluster.ok;
    if (!ok) c.header('retry-after', '5');
    return c.json(
      { status: ok ? ('ok' as const) : ('degraded' as const), version, checks: { store, cluster } },
      ok ? 200 : 503,
    );
  });
}
