/**
 * `fleetplane gc [--yes]`: what the build garbage collection finds (GET /gc), or deletes with
 * --yes (POST /gc {"dryRun": false}). Without --yes nothing is deleted, whatever else is given.
 */
import type { VerbContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { printData, table } from '../output.ts';

export async function run(context: VerbContext): Promise<number> {
  const dryRun = !context.flags.yes;
  const report = await (await context.client()).gc({ dryRun });
  await printData(context, report, () => {
    const found = report.unreferenced;
    const lines = [
      found.length === 0
        ? 'nothing to collect'
        : table(
            ['KIND', 'NAME', 'ACTION'],
            found.map((item) => [item.kind, item.name, item.deleted ? 'deleted' : 'would delete']),
          ),
      `kept (in use): ${report.kept.join(', ') || 'none'}`,
      ...report.notes,
    ];
    if (dryRun && found.length) lines.push("this was a dry run: 'fleetplane gc --yes' deletes them");
    return lines.join('\n');
  });
  return EXIT.ok;
}
