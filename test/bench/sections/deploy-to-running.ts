/**
 * Deploy to Running: one new agent (image pinned, so no build), from sending POST /deploy until
 * GET /deployments/{name} says Running, polled back to back with a 10 ms pause. kwok marks a pod
 * Running as soon as it is scheduled, so this is the control plane plus the cluster's controllers
 * and scheduler, not an image pull. Each run deploys a new name and deletes it afterwards.
 * Must never leave an agent behind.
 */
import { inProcessPlane, planeEnv, removeStore } from '../../support/fleet-plane.ts';
import { removeFleetObjects } from '../lib/cluster-cleanup.ts';
import { SMALL_AGENT } from '../lib/large-fleet.ts';
import type { Section } from '../lib/section.ts';
import { median } from '../lib/stats.ts';

const POLL_PAUSE_MS = 10;
const GOAL_MS = 3000;

export const deployToRunning: Section = {
  id: 'to-running',
  title: 'Deploy to Running',
  needsEnvironment: true,
  async run(ctx) {
    const plane = inProcessPlane(planeEnv(ctx.env));
    const answered: number[] = [];
    const running: number[] = [];
    const polls: number[] = [];
    try {
      // Run 0 warms the process (clients, the store's fleet) and is not counted.
      for (let run = 0; run <= ctx.runs; run++) {
        const name = `to-running-${run}`;
        const started = performance.now();
        const deployed = await plane.call('POST', '/deploy', { name, ...SMALL_AGENT });
        const answeredAt = performance.now() - started;
        if (deployed.status !== 201)
          throw new Error(`POST /deploy answered ${deployed.status}: ${deployed.text}`);
        let count = 0;
        for (;;) {
          count++;
          const status = await plane.call('GET', `/deployments/${name}`);
          if (status.json.phase === 'Running') break;
          if (performance.now() - started > 60_000)
            throw new Error(`${name} not Running after 60 s: ${status.text.slice(0, 300)}`);
          await new Promise((resolve) => setTimeout(resolve, POLL_PAUSE_MS));
        }
        const runningAt = performance.now() - started;
        if (run > 0) {
          answered.push(answeredAt);
          running.push(runningAt);
          polls.push(count);
          ctx.log(
            `to-running: ${name} answered ${answeredAt.toFixed(0)} ms, Running ${runningAt.toFixed(0)} ms`,
          );
        }
        const removed = await plane.call('DELETE', `/deployments/${name}`);
        if (removed.status >= 300) throw new Error(`DELETE answered ${removed.status}: ${removed.text}`);
      }
    } finally {
      const fleet = await (await plane.providers.store()).fleet();
      if (fleet) await removeFleetObjects(ctx, fleet);
      await removeStore(ctx.env, plane.env);
    }
    return {
      figures: [
        { name: 'POST /deploy of one agent answers', unit: 'ms', samples: answered },
        {
          name: 'request to Running (GET /deployments/{name})',
          unit: 'ms',
          samples: running,
          goal: { text: `under ${GOAL_MS / 1000} s`, met: median(running) < GOAL_MS },
        },
      ],
      notes: [
        `A warm control plane in process; each run deploys a new name (cpu 10m, memory 16Mi, the runtime image pinned) and polls GET /deployments/{name} with a ${POLL_PAUSE_MS} ms pause (median ${median(polls)} polls until Running). A first, uncounted run warms the process.`,
      ],
    };
  },
};
