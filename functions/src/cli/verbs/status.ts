/**
 * `fleetplane status <name>`: one agent in detail. Exits 1 when it is failing (BuildFailed,
 * Degraded, Failed) so that a script can test it; the data is printed either way.
 */
import { clock, troubleOf } from '../../client/progress.ts';
import type { BuildInfo, Deployment } from '../../client/types.ts';
import type { VerbContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { printData, table } from '../output.ts';

const FAILING = new Set(['BuildFailed', 'Degraded', 'Failed']);

function buildLine(build: BuildInfo): string {
  const state = build.phase ?? build.state ?? 'unknown';
  const started = build.startedAt ? Date.parse(build.startedAt) : Number.NaN;
  const ended = build.finishedAt ? Date.parse(build.finishedAt) : Date.now();
  const took = Number.isNaN(started) ? '' : ` ${clock(ended - started)}`;
  const extra = [build.tag && `tag ${build.tag}`, build.digest, build.reason ?? build.message].filter(
    Boolean,
  );
  return `${build.job ?? ''} ${state}${took}${extra.length ? ` (${extra.join(', ')})` : ''}`.trim();
}

export function statusText(d: Deployment): string {
  const trouble = troubleOf(d);
  const local = d.target === 'local';
  const applied =
    d.appliedGeneration !== undefined && d.appliedGeneration !== d.generation
      ? `, ${local ? 'the local processes run' : 'the cluster runs'} ${d.appliedGeneration}`
      : '';
  const lines = [
    `name:        ${d.name}`,
    `phase:       ${d.phase}${trouble ? `: ${trouble.reason}` : ''}`,
    `tier:        ${d.tier === 'pooled' ? "pooled (the pods below are the pool's)" : 'dedicated'}`,
    `generation:  ${d.generation}${applied}`,
    `url:         ${d.url}`,
    ...(d.image ? [`image:       ${d.image}`] : []),
    `replicas:    ${d.replicas.ready}/${d.replicas.desired} ready, ${d.replicas.updated} updated, ${d.replicas.available} available`,
  ];
  if (d.autoscaling)
    lines.push(
      `autoscaling: ${d.autoscaling.min}-${d.autoscaling.max}, now ${d.autoscaling.current}${d.autoscaling.targetCpuPercentage ? `, target ${d.autoscaling.targetCpuPercentage}% cpu` : ''}`,
    );
  if (d.build) lines.push(`build:       ${buildLine(d.build)}`);
  lines.push(
    '',
    'conditions:',
    table(
      ['TYPE', 'STATUS', 'REASON', 'MESSAGE'],
      d.conditions.map((c) => [c.type, c.status, c.reason, c.message]),
    ).replace(/^/gm, '  '),
  );
  if (d.pods?.length)
    lines.push(
      '',
      local ? 'processes:' : 'pods:',
      table(
        [
          'NAME',
          'PHASE',
          'READY',
          'RESTARTS',
          'REASON',
          'MESSAGE',
          ...(d.tier === 'pooled' ? ['SERVES'] : []),
        ],
        d.pods.map((p) => [
          p.name,
          p.phase,
          p.ready ? 'yes' : 'no',
          p.restarts,
          p.reason,
          p.message,
          ...(d.tier === 'pooled'
            ? [
                p.loadError
                  ? `failed: ${p.loadError}`
                  : p.servedGeneration !== undefined
                    ? `gen ${p.servedGeneration}`
                    : '-',
              ]
            : []),
        ]),
      ).replace(/^/gm, '  '),
    );
  return lines.join('\n');
}

export async function run(context: VerbContext): Promise<number> {
  const [name] = context.args as [string];
  const deployment = await (await context.client()).get(name);
  await printData(context, deployment, () => statusText(deployment));
  return FAILING.has(deployment.phase) ? EXIT.failed : EXIT.ok;
}
