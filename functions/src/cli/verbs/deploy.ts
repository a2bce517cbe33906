/**
 * `fleetplane deploy <file.json> [--wait]`: POST /deploy (never retried: a repeat could make a
 * generation nobody asked for), each agent's outcome on stderr, then optionally a wait with
 * progress. Data on stdout: a table of results, or of agents and URLs after --wait; with
 * -o json|yaml `{results, failed, deployments?, wait?}`. A batch larger than one request goes
 * in parts (deploy-parts.ts), after every agent of the file was checked here.
 */

import type { FleetplaneClient } from '../../client/client.ts';
import { ApiError } from '../../client/errors.ts';
import type { AgentConfig, DeployBatch, Deployment, DeployResult } from '../../client/types.ts';
import { durationFlag, type VerbContext } from '../context.ts';
import { type DeployPart, deployParts, inWholeBatch, PART_LIMITS } from '../deploy-parts.ts';
import { EXIT } from '../exit-codes.ts';
import { fieldLines } from '../failure.ts';
import { printData, table } from '../output.ts';
import { readJsonFile } from '../read-json.ts';
import { reportWait, waitedTable, waitWithProgress } from '../wait-and-report.ts';

const resultLine = (r: DeployResult) =>
  r.error
    ? `${r.name}: failed (${r.status} ${r.error.title}): ${r.error.detail}`
    : `${r.name}: ${r.outcome ?? 'accepted'}${r.generation ? ` (generation ${r.generation})` : ''}`;

const isBatch = (body: unknown): body is DeployBatch =>
  typeof body === 'object' && body !== null && Array.isArray((body as DeployBatch).agents);

/** Field errors of every agent of the file, checked with the API's own rules before any part is sent. */
async function checkWholeBatch(parts: DeployPart[]) {
  const { checkDeployBody, deployBodyErrors } = await import('../../core/deploy-request.ts');
  const errors = parts.flatMap((part) =>
    inWholeBatch(deployBodyErrors(checkDeployBody({ agents: part.agents })), part.first),
  );
  const firstOf = new Map<string, number>();
  for (const part of parts)
    for (const [offset, agent] of part.agents.entries()) {
      const name = (agent as { name?: unknown }).name;
      if (typeof name !== 'string') continue;
      const index = part.first + offset;
      const first = firstOf.get(name);
      if (first === undefined) firstOf.set(name, index);
      else
        errors.push({
          path: `agents[${index}].name`,
          message: `must be unique in one file ("${name}" is also agents[${first}])`,
        });
    }
  return errors;
}

/** A part failed: what the parts before it were answered, and the failure, its field errors in file terms. */
class PartFailed extends Error {
  readonly sent: DeployResult[];
  readonly fieldErrors: { path: string; message: string }[];
  constructor(sent: DeployResult[], error: unknown, first: number) {
    super((error as Error).message, { cause: error });
    this.sent = sent;
    this.fieldErrors = error instanceof ApiError ? inWholeBatch(error.fieldErrors, first) : [];
  }
}

/** Sends the body, or its parts in order. */
async function send(client: FleetplaneClient, body: AgentConfig | DeployBatch, parts: DeployPart[]) {
  if (parts.length <= 1) {
    const answer = await client.deploy(body);
    return 'results' in answer ? answer.results : [answer];
  }
  const results: DeployResult[] = [];
  for (const part of parts) {
    try {
      results.push(...(await client.deploy({ agents: part.agents as AgentConfig[] })).results);
    } catch (error) {
      throw new PartFailed(results, error, part.first);
    }
  }
  return results;
}

export async function run(context: VerbContext): Promise<number> {
  const [file] = context.args as [string];
  const { io } = context;
  const timeoutMs = durationFlag(context.flags, 'timeout', 5 * 60_000);
  const body = (await readJsonFile(file)) as AgentConfig | DeployBatch;
  const parts = isBatch(body) ? deployParts(body.agents, PART_LIMITS) : [];
  if (parts.length > 1) {
    const errors = await checkWholeBatch(parts);
    if (errors.length) {
      io.err(`fleetplane: ${file} is not a valid batch; nothing was sent:\n${fieldLines(errors)}`);
      return EXIT.failed;
    }
    io.err(
      `sending ${(body as DeployBatch).agents.length} agents in ${parts.length} requests (at most ${PART_LIMITS.maxAgents} agents and 720 KiB each, what DigitalOcean accepts)\n`,
    );
  }
  const client = await context.client();

  let results: DeployResult[];
  try {
    results = await send(client, body, parts);
  } catch (thrown) {
    let error = thrown;
    let fieldErrors = error instanceof ApiError ? error.fieldErrors : [];
    if (thrown instanceof PartFailed) {
      for (const result of thrown.sent) io.err(`${resultLine(result)}\n`);
      if (thrown.sent.length)
        io.err(`fleetplane: the ${thrown.sent.length} agents above were sent before this failure\n`);
      error = thrown.cause;
      fieldErrors = thrown.fieldErrors;
    }
    if (error instanceof ApiError && fieldErrors.length) {
      io.err(
        `fleetplane: ${file} is not a valid agent config (${error.status}):\n${fieldLines(fieldErrors)}`,
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
