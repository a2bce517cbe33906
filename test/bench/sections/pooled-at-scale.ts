/**
 * The pooled tier at 10,000 agents on the test cluster: 10,000 pooled agents (one ConfigMap
 * each) deployed through POST /deploy, the pool running (its kwok pods run nothing, so the real
 * pool entry runs here for each of them, as the pool's ServiceAccount, and writes its report
 * Leases); then, with a warm control plane: the first page of 100, every page of 100, one
 * agent's status, and a sweep with nothing to do (wall time and writes, counted at the servers).
 * Must never leave an agent, a store prefix, the pool or a process behind.
 */
import { join } from 'node:path';
import { renderPool } from '../../../functions/src/core/pool-objects/render.ts';
import { runtimeImage } from '../../../functions/src/wiring/providers.ts';
import { platformSettingsFromEnv } from '../../../functions/src/wiring/settings.ts';
import { REPO_ROOT } from '../../env/state.ts';
import { applyManifestFile } from '../../support/apply-manifests.ts';
import { countRequests, total } from '../../support/control-plane-requests.ts';
import { startFakeLlm } from '../../support/fake-llm.ts';
import { type InProcessPlane, inProcessPlane, planeEnv, removeStore } from '../../support/fleet-plane.ts';
import {
  type PoolProcess,
  poolKubeconfig,
  readyPoolPods,
  startPoolProcess,
} from '../../support/pool-process.ts';
import { removeFleetObjects, removePoolObjects } from '../lib/cluster-cleanup.ts';
import { agentName, deployInBatches, POOLED_AGENT } from '../lib/large-fleet.ts';
import type { BenchContext, Section } from '../lib/section.ts';
import { median, timed } from '../lib/stats.ts';

const AGENTS = 10_000;
const PAGE = 100;
const PAGE_CAP_BYTES = 1024 * 1024;
const SWEEP_LIMIT_MS = 55_000;

async function page(plane: InProcessPlane, token?: string) {
  const { ms, result } = await timed(() =>
    plane.call('GET', `/deployments?limit=${PAGE}${token ? `&continue=${encodeURIComponent(token)}` : ''}`),
  );
  if (result.status !== 200)
    throw new Error(`GET /deployments answered ${result.status}: ${result.text.slice(0, 300)}`);
  return { ms, bytes: Buffer.byteLength(result.text), json: result.json };
}

/** Waits until every pool process holds every agent (its own metrics say how many it serves). */
async function poolsLoaded(ctx: BenchContext, pools: PoolProcess[]): Promise<number> {
  const { ms } = await timed(async () => {
    const deadline = Date.now() + 600_000;
    for (;;) {
      const counts = await Promise.all(
        pools.map(async (pool) => {
          const text = await (await fetch(`${pool.url}/_pool/metrics`)).text();
          return Number(/fleetplane_pool_agents\{state="serving"\} (\d+)/.exec(text)?.[1] ?? 0);
        }),
      );
      if (counts.every((count) => count >= AGENTS)) return;
      if (Date.now() > deadline)
        throw new Error(`the pools hold ${counts.join(', ')} of ${AGENTS} agents after 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  });
  ctx.log(`pooled-scale: both pool processes hold ${AGENTS} agents after ${(ms / 1000).toFixed(1)} s`);
  return ms;
}

export const pooledAtScale: Section = {
  id: 'pooled-scale',
  title: `Pooled tier at ${AGENTS.toLocaleString('en')} agents`,
  needsEnvironment: true,
  async run(ctx) {
    await applyManifestFile(ctx.env.kubeconfigPath, join(REPO_ROOT, 'manifests', '13-pool-rbac.yaml'));
    const plane = inProcessPlane(planeEnv(ctx.env, {}, 'bench-pooled'));
    const poolObjects = renderPool({
      platform: platformSettingsFromEnv(plane.env),
      image: runtimeImage(plane.env, platformSettingsFromEnv(plane.env)),
    }).length;
    const names = Array.from({ length: AGENTS }, (_, i) => agentName('pooled', i));
    const fake = await startFakeLlm({ record: false });
    let pools: PoolProcess[] = [];
    let kubeconfig: Awaited<ReturnType<typeof poolKubeconfig>> | undefined;
    try {
      ctx.log(`pooled-scale: deploying ${AGENTS} pooled agents`);
      const deployed = await countRequests(ctx.env, () =>
        timed(() => deployInBatches(plane, names, POOLED_AGENT, 4)),
      );
      ctx.log(
        `pooled-scale: deployed in ${(deployed.result.ms / 1000).toFixed(1)} s ${JSON.stringify(deployed.writes)}`,
      );
      kubeconfig = await poolKubeconfig(ctx.env.kubeconfigPath, ctx.env.namespace);
      const kubeconfigPath = kubeconfig.path;
      const pods = await readyPoolPods(ctx.env.kubeconfigPath, ctx.env.namespace, 2);
      pools = await Promise.all(
        pods.map((pod) =>
          startPoolProcess({ kubeconfigPath, namespace: ctx.env.namespace, pod, baseURL: fake.baseURL }),
        ),
      );
      const loadMs = await poolsLoaded(ctx, pools);

      await page(plane); // warm: this plane has listed every record once
      const firstPages: { ms: number; bytes: number }[] = [];
      for (let run = 0; run < ctx.runs; run++) firstPages.push(await page(plane));
      ctx.log(`pooled-scale: first page ${median(firstPages.map((p) => p.ms)).toFixed(0)} ms warm`);

      const statuses: number[] = [];
      const sample = names[AGENTS / 2] as string;
      let phase = '';
      for (let run = 0; run < ctx.runs; run++) {
        const { ms, result } = await timed(() => plane.call('GET', `/deployments/${sample}`));
        statuses.push(ms);
        phase = result.json.phase;
      }

      // Every page, once: at this size a walk takes long enough that one is what the budget allows.
      const walk: { ms: number; bytes: number }[] = [];
      let running = 0;
      const walkMs = await timed(async () => {
        let token: string | undefined;
        do {
          const next = await page(plane, token);
          walk.push(next);
          running += next.json.deployments.filter((d: { phase: string }) => d.phase === 'Running').length;
          token = next.json.continue;
        } while (token);
      });
      ctx.log(
        `pooled-scale: ${walk.length} pages in ${(walkMs.ms / 1000).toFixed(1)} s, ${running} agents Running`,
      );

      const controlPlane = await plane.providers.controlPlane();
      const sweeps: { ms: number; writes: number; detail: Record<string, number> }[] = [];
      for (let run = 0; run < Math.min(ctx.runs, 3); run++) {
        const counted = await countRequests(ctx.env, () => timed(() => controlPlane.sweep()));
        const report = counted.result.result;
        if (report.failures.length)
          throw new Error(`sweep failures: ${JSON.stringify(report.failures.slice(0, 3))}`);
        const writes =
          total(counted.writes) + (counted.store.PutObject ?? 0) + (counted.store.DeleteObject ?? 0);
        sweeps.push({ ms: counted.result.ms, writes, detail: { ...counted.writes, ...counted.store } });
        ctx.log(`pooled-scale: idle sweep ${(counted.result.ms / 1000).toFixed(1)} s, ${writes} writes`);
      }

      const pageBytes = walk.map((p) => p.bytes);
      return {
        figures: [
          {
            name: `deploy ${AGENTS} pooled agents (POST /deploy, 50 per call, 4 calls at a time)`,
            unit: 'ms',
            samples: [deployed.result.ms],
          },
          {
            name: 'API server writes for the whole deploy',
            unit: 'writes',
            samples: [total(deployed.writes)],
            goal: {
              text: `one per agent (${AGENTS}), plus the pool's ${poolObjects} objects once`,
              met:
                (deployed.writes['APPLY configmaps'] ?? 0) <= AGENTS &&
                total(deployed.writes) - (deployed.writes['APPLY configmaps'] ?? 0) <= poolObjects,
            },
          },
          {
            name: `first page of ${PAGE}, warm`,
            unit: 'ms',
            samples: firstPages.map((p) => p.ms),
            goal: { text: 'at most 0.5 s', met: median(firstPages.map((p) => p.ms)) <= 500 },
          },
          {
            name: `all ${walk.length} pages of ${PAGE}, warm`,
            unit: 'ms',
            samples: [walkMs.ms],
          },
          {
            name: 'bytes of the largest page',
            unit: 'bytes',
            samples: [Math.max(...pageBytes)],
            goal: { text: 'under 1 MiB', met: Math.max(...pageBytes) < PAGE_CAP_BYTES },
          },
          { name: "one agent's status (GET /deployments/<name>), warm", unit: 'ms', samples: statuses },
          {
            name: 'sweep with nothing to do, warm: wall time',
            unit: 'ms',
            samples: sweeps.map((s) => s.ms),
            goal: {
              text: `within ${SWEEP_LIMIT_MS / 1000} s`,
              met: Math.max(...sweeps.map((s) => s.ms)) <= SWEEP_LIMIT_MS,
            },
          },
          {
            name: 'sweep with nothing to do: writes (API server + store)',
            unit: 'writes',
            samples: sweeps.map((s) => s.writes),
            goal: { text: '0', met: sweeps.every((s) => s.writes === 0) },
          },
        ],
        notes: [
          `${AGENTS} pooled agents ("tier": "pooled", one ConfigMap each) deployed once through an in-process control plane (store on MinIO); writes at the API server during that deploy: ${JSON.stringify(deployed.writes)}. The pool's two kwok pods run nothing, so two pool processes (agent-pool.mjs) ran in this process's machine, one per pod, as the pool's ServiceAccount: each listed and loaded all ${AGENTS} configs and wrote its report Leases in ${(loadMs / 1000).toFixed(1)} s. Reads are from a warm control plane (it has listed every record once). The sampled agent was ${phase}; ${running} of ${AGENTS} agents were Running in the walk.`,
          `A page lists only its own agents' objects (selectors on the page's names), so its cost follows the page, not the fleet; each page with a pooled agent also reads the pool once (its Deployment, pods and report Leases: ${2 * 16} Leases for two pods). The idle sweep's writes at the API server and requests to the store, per run: ${JSON.stringify(sweeps.map((s) => s.detail))}.`,
        ],
      };
    } finally {
      await Promise.all(pools.map((pool) => pool.stop()));
      await kubeconfig?.remove();
      await fake.close();
      const fleet = await (await plane.providers.store()).fleet();
      if (fleet) await removeFleetObjects(ctx, fleet, 600_000);
      await removePoolObjects(ctx);
      await removeStore(ctx.env, plane.env);
    }
  },
};
