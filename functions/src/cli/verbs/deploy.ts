/**
 * `fleetplane deploy <file.json> [--wait]`: POST /deploy (never retried: a repeat could make a
 * generation nobody asked for), each agent's outcome on stderr, then optionally a wait with
 * progress. Data on stdout: a table of results, or of agents and URLs after --wait; with
 * -o json|yaml `{results, failed, deployments?, wait?}`.
 */
import { ApiError } from '../../client/errors.ts';
import type { AgentConfig, DeployBatch, Deployment, DeployResult } from '../../client/types.ts';
import { durationFlag, type VerbContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { fieldLines } from '../failure.ts';
import { printData, table } from '../output.ts';
import { readJsonFile } from '../read-json.ts';
import { reportWait, waitedTable, waitWithProgress } from '../wait-and-report.ts';

const resultLine = (r: DeployResult) =>
  r.error
    ? `${r.name}: failed (${r.status} ${r.error.title}): ${r.error.detail}`
    : `${r.name}: ${r.outcome ?? 'accepted'}${r.generation ? ` (generation ${r.generation})` : ''}`;

export async function run(context: VerbContext): Promise<number> {
  const [file] = context.args as [string];
  const { io } = context;
  const timeoutMs = durationFlag(context.flags, 'timeout', 5 * 60_000);
  const body = (await readJsonFile(file)) as AgentConfig | DeployBatch;
  const client = await context.client();

  let results: DeployResult[];
  try {
    const answer = await client.deploy(body);
    results = 'results' in answer ? answer.results : [answer];
  } catch (error) {
    if (error instanceof ApiError && error.fieldErrors.length) {
      io.err(
        `fleetplane: ${file} is not a valid agent config (${error.status}):\n${fieldLines(error.fieldErrors)}`,
      );
      return EXIT.failed;
    }
    throw error;
  }
  const failed = results.filter((r) => r.error).map((r) => r.name);
  const accepted = results.filter((r) => !r.error);
  // Nothing was accepted and every refusal says the control plane is unavailable: exit as unreachable.
  const allUnavailable = accepted.length === 0 && results.every((r) => r.status >= 500);
  const failedCode = allUnavailable ? EXIT.unreachable : EXIT.failed;

  const waiting = Boolean(context.flags.wait) && accepted.length > 0;
  // Each outcome once: without a wait the table on stdout is the outcome, and stderr adds only
  // why an agent failed; a wait tells each outcome on stderr first, as its progress begins.
  for (const result of results) if (waiting || result.error) io.err(`${resultLine(result)}\n`);

  if (!waiting) {
    await printData(context, { results, failed }, () =>
      table(
        ['NAME', 'OUTCOME', 'GENERATION', 'PHASE', 'URL'],
        results.map((r) => [
          r.name,
          r.error ? 'failed' : r.outcome,
          r.generation,
          r.deployment?.phase,
          r.deployment?.url,
        ]),
      ),
    );
    return failed.length ? failedCode : EXIT.ok;
  }

  const waited = await waitWithProgress(context, client, {
    names: accepted.map((r) => r.name),
    until: 'running',
    timeoutMs,
    generations: Object.fromEntries(accepted.map((r) => [r.name, r.generation])),
  });
  if (waited !== 'interrupted') {
    const deployments = waited.agents.flatMap((a) => (a.deployment ? [a.deployment] : [])) as Deployment[];
    await printData(
      context,
      {
        results,
        failed,
        deployments,
        wait: { ok: waited.ok, timedOut: waited.timedOut, polls: waited.polls, elapsedMs: waited.elapsedMs },
      },
      () => waitedTable(waited),
    );
  }
  const code = reportWait(context, waited, 'deploy');
  return code === EXIT.ok && failed.length ? failedCode : code;
}
