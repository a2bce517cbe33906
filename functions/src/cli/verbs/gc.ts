/**
 * `fleetplane gc [--yes] [--delete-secrets]`: what the garbage collection finds (GET /gc), or
 * deletes with --yes (POST /gc {"dryRun": false}). Without --yes nothing is deleted, whatever
 * else is given.
 *
 * It also lists the Secrets of agents this store deleted (`<agent>.*`), with the operator's
 * KUBECONFIG, since the control plane may not read Secrets; they are deleted only with both
 * --yes and --delete-secrets, and only those released-secrets.ts proves belonged to them.
 */
import { readFile } from 'node:fs/promises';
import type { GcReport } from '../../client/types.ts';
import type { SecretDecision } from '../../core/gc-plan.ts';
import type { VerbContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { printData, table } from '../output.ts';

interface SecretsOutcome {
  /** Why the Secrets were not looked at (no kubeconfig), when they were not. */
  unlisted?: string;
  decisions: SecretDecision[];
  deleted: string[];
  changed: string[];
}

async function secretsOf(context: VerbContext, report: GcReport, deleting: boolean): Promise<SecretsOutcome> {
  const none: SecretsOutcome = { decisions: [], deleted: [], changed: [] };
  if (report.released.agents.length === 0) return none;
  const path = context.io.env.KUBECONFIG?.split(':')[0];
  if (!path)
    return {
      ...none,
      unlisted: `set KUBECONFIG to a kubeconfig that may list Secrets in ${report.released.namespace} to see them (the control plane may not read Secrets)`,
    };
  const kubeconfig = await readFile(path, 'utf8');
  const { releasedSecrets, deleteReleasedSecrets } = await import('../released-secrets.ts');
  const decisions = await releasedSecrets(kubeconfig, report.released);
  if (!deleting) return { ...none, decisions };
  const { deleted, changed } = await deleteReleasedSecrets(kubeconfig, report.released.namespace, decisions);
  return { decisions, deleted, changed };
}

function secretsText(report: GcReport, outcome: SecretsOutcome, deleting: boolean): string[] {
  const { agents, namespace } = report.released;
  if (agents.length === 0) return [];
  const names = agents.map((agent) => agent.name).join(', ');
  if (outcome.unlisted) return [`deleted agents whose Secrets may remain: ${names}; ${outcome.unlisted}`];
  if (outcome.decisions.length === 0) return [`no Secrets of deleted agents (${names}) in ${namespace}`];
  const action = (decision: SecretDecision) => {
    if (decision.action === 'keep') return `kept: ${decision.reason}`;
    if (outcome.deleted.includes(decision.secret.name)) return 'deleted';
    if (outcome.changed.includes(decision.secret.name)) return 'kept: it changed since it was listed';
    return deleting ? 'already gone' : 'would delete';
  };
  return [
    `Secrets of deleted agents in ${namespace}:`,
    table(
      ['SECRET', 'AGENT', 'ACTION'],
      outcome.decisions.map((decision) => [decision.secret.name, decision.agent, action(decision)]),
    ),
  ];
}

export async function run(context: VerbContext): Promise<number> {
  const dryRun = !context.flags.yes;
  const deleteSecrets = !dryRun && Boolean(context.flags['delete-secrets']);
  const report = await (await context.client()).gc({ dryRun });
  const secrets = await secretsOf(context, report, deleteSecrets);
  const data = {
    ...report,
    secrets: secrets.decisions.map((decision) => ({
      name: decision.secret.name,
      agent: decision.agent,
      action: decision.action,
      ...(decision.action === 'keep' ? { reason: decision.reason } : {}),
      deleted: secrets.deleted.includes(decision.secret.name),
    })),
    ...(secrets.unlisted ? { secretsUnlisted: secrets.unlisted } : {}),
  };
  await printData(context, data, () => {
    const found = report.unreferenced;
    const lines = [
      found.length === 0
        ? 'no builds to collect'
        : table(
            ['KIND', 'NAME', 'ACTION'],
            found.map((item) => [item.kind, item.name, item.deleted ? 'deleted' : 'would delete']),
          ),
      `kept (in use): ${report.kept.join(', ') || 'none'}`,
      ...report.skipped.map((item) => `left alone: ${item.name}: ${item.reason}`),
      ...secretsText(report, secrets, deleteSecrets),
      ...report.notes,
    ];
    const secretsToDelete = secrets.decisions.some((d) => d.action === 'delete');
    if (dryRun && (found.length || secretsToDelete))
      lines.push(
        secretsToDelete
          ? "this was a dry run: 'fleetplane gc --yes' deletes the builds, 'fleetplane gc --yes --delete-secrets' the Secrets too"
          : "this was a dry run: 'fleetplane gc --yes' deletes them",
      );
    else if (!deleteSecrets && secretsToDelete)
      lines.push("Secrets are deleted only with 'fleetplane gc --yes --delete-secrets'");
    return lines.join('\n');
  });
  return EXIT.ok;
}
