/**
 * DigitalOcean Function `fleetplane/sweep` (not a web function): run by a scheduled trigger
 * every minute, it reconciles every agent and removes orphans. Returns the report; a store or
 * cluster outage fails the activation with a clear message, so it shows in the activation log.
 */
import { jsonLogger } from '../lib/logger.ts';

export async function main(): Promise<Record<string, unknown>> {
  const log = jsonLogger('info');
  const [{ providersFromEnv }, { logSweep }] = await Promise.all([
    import('../wiring/providers.ts'),
    import('../control-plane/sweep.ts'),
  ]);
  const report = await (await providersFromEnv(process.env).controlPlane()).sweep();
  logSweep(log, report);
  return { ...report };
}
