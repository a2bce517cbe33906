/**
 * The local target's link (`npm start`): the supervisor sends the pooled configs over the IPC
 * channel (the whole set when the pool starts, then changes), and the pool sends back its report
 * whenever it changes (batched per turn). The supervisor restarts a pool that dies and sends the
 * whole set again, so every agent comes back.
 *
 * It must never act on a message that is not a well-formed pool message.
 */
import { isPoolConfigsMessage, type PoolReportMessage } from '../contract.ts';
import type { PoolRuntime } from '../pool-runtime.ts';

export function linkToSupervisor(runtime: PoolRuntime, reportDelayMs = 20): () => void {
  const { pool } = runtime;
  let timer: NodeJS.Timeout | undefined;
  const send = () => {
    timer = undefined;
    const message: PoolReportMessage = { type: 'pool-report', report: pool.report() };
    process.send?.(message, () => {});
  };
  const schedule = () => {
    timer ??= setTimeout(send, reportDelayMs);
  };
  const onMessage = (message: unknown) => {
    if (!isPoolConfigsMessage(message)) return;
    for (const config of message.upsert) pool.upsert(config);
    for (const name of message.remove) pool.remove(name);
    if (message.reset) {
      pool.retain(new Set(message.upsert.map((config) => config.name)));
      runtime.markSynced();
      schedule();
    }
  };
  process.on('message', onMessage);
  const unsubscribe = pool.onChange(schedule);
  return () => {
    process.off('message', onMessage);
    unsubscribe();
    clearTimeout(timer);
  };
}
