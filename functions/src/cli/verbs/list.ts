/** `fleetplane list`: every agent (all pages), one row each, with the reason when in trouble. */
import { troubleOf } from '../../client/progress.ts';
import type { VerbContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { printData, table } from '../output.ts';

export async function run(context: VerbContext): Promise<number> {
  const deployments = await (await context.client()).list();
  await printData(context, { deployments }, () =>
    deployments.length === 0
      ? 'no agents yet (deploy one: fleetplane deploy examples/single_agent.json --wait)'
      : table(
          ['NAME', 'PHASE', 'TIER', 'READY', 'GEN', 'URL', 'REASON'],
          deployments.map((d) => [
            d.name,
            d.phase,
            d.tier ?? 'dedicated',
            `${d.replicas.ready}/${d.replicas.desired}`,
            d.generation,
            d.url,
            troubleOf(d)?.reason,
          ]),
        ),
  );
  return EXIT.ok;
}
