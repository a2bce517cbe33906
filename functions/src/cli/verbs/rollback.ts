/**
 * `fleetplane rollback <name> [--to N] [--wait]`: a new generation with an older spec
 * (POST, never retried), optionally waited for like a deploy.
 */
import { durationFlag, intFlag, type VerbContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { printData } from '../output.ts';
import { reportWait, waitedTable, waitWithProgress } from '../wait-and-report.ts';

export async function run(context: VerbContext): Promise<number> {
  const [name] = context.args as [string];
  const to = intFlag(context.flags, 'to');
  const timeoutMs = durationFlag(context.flags, 'timeout', 5 * 60_000);
  const client = await context.client();
  const result = await client.rollback(name, to);
  context.io.err(
    `${name}: rolled back to ${to ? `generation ${to}` : 'the previous generation'}, now generation ${result.generation} (${result.outcome})\n`,
  );
  if (!context.flags.wait) {
    await printData(
      context,
      result,
      () => `${name}  ${result.deployment?.phase ?? ''}  ${result.deployment?.url ?? ''}`,
    );
    return EXIT.ok;
  }
  const waited = await waitWithProgress(context, client, {
    names: [name],
    until: 'running',
    timeoutMs,
    generations: { [name]: result.generation },
  });
  if (waited !== 'interrupted') {
    const deployment = waited.agents[0]?.deployment;
    await printData(context, { ...result, deployment }, () => waitedTable(waited));
  }
  return reportWait(context, waited, 'rollback');
}
