/**
 * `fleetplane delete <name> [--wait]`: DELETE /deployments/{name}. A 202 means the cluster
 * side is still going; --wait polls the list until the agent is gone from it. What went is
 * told as the API says it: objects of a cluster, or processes of the local server.
 */
import { durationFlag, type VerbContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { printData } from '../output.ts';
import { reportWait, waitWithProgress } from '../wait-and-report.ts';

export async function run(context: VerbContext): Promise<number> {
  const [name] = context.args as [string];
  const timeoutMs = durationFlag(context.flags, 'timeout', 5 * 60_000);
  const client = await context.client();
  const result = await client.delete(name);
  // In the target's own terms: a cluster's objects, or the local server's processes.
  const what =
    result.target === 'local'
      ? `stopped ${result.deleted.length} ${result.deleted.length === 1 ? 'process' : 'processes'}`
      : `deleted ${result.deleted.length} objects`;
  context.io.err(
    `${name}: ${what}${result.pending ? `; the rest is still being removed${result.detail ? ` (${result.detail})` : ''}` : ''}\n`,
  );
  if (!context.flags.wait) {
    await printData(context, result, () => result.deleted.join('\n'));
    return EXIT.ok;
  }
  const waited = await waitWithProgress(context, client, { names: [name], until: 'deleted', timeoutMs });
  await printData(context, { ...result, gone: waited !== 'interrupted' && waited.ok }, () =>
    result.deleted.join('\n'),
  );
  return reportWait(context, waited, 'deletion');
}
