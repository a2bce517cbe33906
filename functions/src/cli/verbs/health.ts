/** `fleetplane health`: the control plane's version and its store's and cluster's reachability. */
import type { VerbContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { printData, table } from '../output.ts';

export async function run(context: VerbContext): Promise<number> {
  const health = await (await context.client()).health();
  await printData(
    context,
    health,
    () =>
      `${health.status} (fleetplane ${health.version} at ${context.url})\n` +
      table(
        ['CHECK', 'OK', 'LATENCY', 'TARGET', 'ERROR'],
        Object.entries(health.checks).map(([name, check]) => [
          name,
          check.ok ? 'yes' : 'no',
          `${check.latencyMs} ms`,
          check.target,
          check.error,
        ]),
      ),
  );
  return health.status === 'ok' ? EXIT.ok : EXIT.failed;
}
