/**
 * The sweep at 1,000 agents: with nothing to do (wall time, and writes counted at the API server
 * and MinIO), cold (a fresh control plane, which reads every record) and warm (the one that swept
 * before); then with one agent changed behind the control plane's back by the admin client (its
 * Service deleted, or its ConfigMap edited), where the sweep must write that agent's changed
 * object and nothing else.
 * Must leave the fleet as it found it (the sweep itself repairs what the section changes).
 */
import { countRequests, total } from '../../support/control-plane-requests.ts';
import type { InProcessPlane } from '../../support/fleet-plane.ts';
import type { BenchContext, Section } from '../lib/section.ts';
import { median, timed } from '../lib/stats.ts';

const AGENTS = 1000;
const GOAL_MS = 2000;

async function countedSweep(ctx: BenchContext, plane: InProcessPlane) {
  const controlPlane = await plane.providers.controlPlane();
  const counted = await countRequests(ctx.env, () => timed(() => controlPlane.sweep()));
  const report = counted.result.result;
  if (report.failures.length)
    throw new Error(`sweep failures: ${JSON.stringify(report.failures.slice(0, 3))}`);
  if (report.agents !== AGENTS) throw new Error(`the sweep saw ${report.agents} agents, not ${AGENTS}`);
  const storeWrites = (counted.store.PutObject ?? 0) + (counted.store.DeleteObject ?? 0);
  return {
    ms: counted.result.ms,
    writes: total(counted.writes) + storeWrites,
    writeDetail: counted.writes,
    applied: report.results.filter((r) => r.action !== 'unchanged').map((r) => `${r.name}:${r.action}`),
  };
}

/** Changes one agent's objects with the admin client; answers the writes a repair must make. */
async function changeBehindItsBack(
  ctx: BenchContext,
  agent: string,
  how: 'delete-service' | 'edit-configmap',
) {
  const scope = ['-n', ctx.env.namespace, '-l', `fleetplane.io/agent=${agent}`];
  if (how === 'delete-service') {
    await ctx.kubectl(['delete', 'services', ...scope]);
    return { 'APPLY services': 1 };
  }
  const [configMap] = (await ctx.kubectl(['get', 'configmaps', ...scope, '-o', 'name'])).trim().split('\n');
  if (!configMap) throw new Error(`${agent} has no ConfigMap`);
  await ctx.kubectl([
    'patch',
    '-n',
    ctx.env.namespace,
    configMap,
    '--type=merge',
    '-p',
    '{"data":{"agent.json":"{}"}}',
  ]);
  return { 'APPLY configmaps': 1 };
}

export const sweepAtScale: Section = {
  id: 'sweep',
  title: `Sweep at ${AGENTS.toLocaleString('en')} agents`,
  needsEnvironment: true,
  async run(ctx) {
    await ctx.fleet.growTo(AGENTS);
    const cold: Awaited<ReturnType<typeof countedSweep>>[] = [];
    for (let run = 0; run < ctx.runs; run++) cold.push(await countedSweep(ctx, await ctx.fleet.coldPlane()));
    const warmPlane = await ctx.fleet.warmPlane();
    await countedSweep(ctx, warmPlane); // warm: has read every record
    const warm: typeof cold = [];
    for (let run = 0; run < ctx.runs; run++) warm.push(await countedSweep(ctx, warmPlane));
    ctx.log(
      `sweep: nothing to do, cold ${median(cold.map((s) => s.ms)).toFixed(0)} ms, warm ${median(warm.map((s) => s.ms)).toFixed(0)} ms`,
    );

    const changed: { ms: number; writes: number; exact: boolean; seen: string }[] = [];
    for (let run = 0; run < ctx.runs; run++) {
      const agent = ctx.fleet.names[(run * 97) % ctx.fleet.names.length] as string;
      const how = run % 2 === 0 ? 'delete-service' : 'edit-configmap';
      const expected = await changeBehindItsBack(ctx, agent, how);
      const sweep = await countedSweep(ctx, warmPlane);
      const exact =
        JSON.stringify(sweep.writeDetail) === JSON.stringify(expected) &&
        JSON.stringify(sweep.applied) === JSON.stringify([`${agent}:applied`]);
      const seen = `${how} of ${agent}: wrote ${JSON.stringify(sweep.writeDetail)}, acted on ${sweep.applied.join(', ') || 'nothing'}`;
      changed.push({ ms: sweep.ms, writes: sweep.writes, exact, seen });
      ctx.log(`sweep: ${seen}`);
    }
    const idleWrites = [...cold, ...warm].map((s) => s.writes);
    return {
      figures: [
        {
          name: 'nothing to do, cold: wall time',
          unit: 'ms',
          samples: cold.map((s) => s.ms),
          goal: { text: `under ${GOAL_MS / 1000} s`, met: median(cold.map((s) => s.ms)) < GOAL_MS },
        },
        {
          name: 'nothing to do, warm: wall time',
          unit: 'ms',
          samples: warm.map((s) => s.ms),
          goal: { text: `under ${GOAL_MS / 1000} s`, met: median(warm.map((s) => s.ms)) < GOAL_MS },
        },
        {
          name: 'nothing to do: write requests (API server + store)',
          unit: 'writes',
          samples: idleWrites,
          goal: { text: '0', met: idleWrites.every((w) => w === 0) },
        },
        {
          name: 'one agent changed, warm: wall time',
          unit: 'ms',
          samples: changed.map((c) => c.ms),
        },
        {
          name: 'one agent changed: write requests',
          unit: 'writes',
          samples: changed.map((c) => c.writes),
          goal: { text: "that agent's changed object only, every run", met: changed.every((c) => c.exact) },
        },
      ],
      notes: [
        `Wall time of \`controlPlane.sweep()\` in process. Writes: CREATE/APPLY/PATCH/UPDATE/DELETE of the agents' kinds in the namespace (status subresources and pods excluded: the controllers' and kwok's) plus PutObject/DeleteObject at MinIO. Cold: a fresh control plane per run (it reads all ${AGENTS} records); warm: the same one again (one store listing, no record read).`,
        `Changes made with kubectl, then one warm sweep: ${changed.map((c) => c.seen).join('; ')}.`,
      ],
    };
  },
};
