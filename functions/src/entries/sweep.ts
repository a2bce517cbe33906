/**
 * DigitalOcean Function `fleetplane/sweep` (not a web function): run by a scheduled trigger
 * every minute, it reconciles every agent and removes orphans. Returns the report; a store or
 * cluster outage fails the activation with a clear message, so it shows in the activation log.
 */
import { jsonLogger } from '../lib/logger.ts';

export async function main(): Promise<Record<string, unknown>> {
  const log = jsonLogger('info');
  // One lazy chunk: the providers' (it carries the control plane, and logSweep with it).
  const { providersFromEnv, logSweep } = await import('../wiring/providers.ts');
  const report = await (await providersFromEnv(process.env, { log }).controlPlane()).sweep();
  logSweep(log, report);
  return { ...report };
}
