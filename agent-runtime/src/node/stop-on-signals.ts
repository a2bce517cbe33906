/**
 * How a Node entry (an agent's or the pool's) ends: on SIGTERM or SIGINT it logs, drains the
 * server and exits 0. Under a local supervisor (an IPC channel) it also reports the port (PORT
 * may be 0) and stops when the channel closes, which it does when the supervisor dies, even by
 * SIGKILL. In a pod there is no channel and nothing changes.
 */
import type { Logger } from '../observability/logger.ts';
import type { AgentServer } from './serve.ts';

export function stopOnSignals(
  server: AgentServer,
  opts: { log: Logger; graceMs: number /** Runs first, before the drain. */; beforeDrain?: () => void },
): void {
  const { log, graceMs } = opts;
  const stop = (signal: string) => {
    log.info('shutting down', { signal, inFlight: server.inFlight(), graceMs });
    opts.beforeDrain?.();
    void server.shutdown().then(() => {
      log.info('stopped', { signal });
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  if (process.send) {
    process.send({ type: 'listening', port: server.port }, () => {});
    process.once('disconnect', () => stop('supervisor gone'));
  }
}
