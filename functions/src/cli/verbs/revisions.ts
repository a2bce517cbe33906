/** `fleetplane revisions <name>`: the generations the store keeps for an agent. */
import type { VerbContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { printData, table } from '../output.ts';

export async function run(context: VerbContext): Promise<number> {
  const [name] = context.args as [string];
  const revisions = await (await context.client()).revisions(name);
  await printData(context, revisions, () =>
    table(
      ['GENERATION', 'CURRENT', 'UPDATED', 'CAUSE', 'SPEC'],
      revisions.revisions.map((r) => [
        r.generation,
        r.current ? '*' : '',
        r.updatedAt,
        r.cause.kind === 'rollback' ? `rollback to ${r.cause.toGeneration}` : r.cause.kind,
        r.specHash.slice(0, 12),
      ]),
    ),
  );
  return EXIT.ok;
}
