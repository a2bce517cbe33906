/**
 * Status at scale: GET /deployments with 100 and then 1,000 agents deployed, at limit 100 and
 * 500: latency and bytes of the first page, and the requests one list call makes, counted at the
 * servers (LISTs in the namespace at the API server, S3 calls at MinIO). Cold is a fresh
 * control plane in this process (new clients, no cache), warm the one that has listed before.
 * A warm call's requests must not grow with the number of agents.
 * Must never change the fleet it lists.
 */
import { countRequests, total } from '../../support/control-plane-requests.ts';
import type { InProcessPlane } from '../../support/fleet-plane.ts';
import type { BenchContext, Figure, Section } from '../lib/section.ts';
import { median, timed } from '../lib/stats.ts';

const SCALES = [100, 1000];
const LIMITS = [100, 500];
const PAGE_CAP_BYTES = 1024 * 1024; // a DigitalOcean web function's response limit

interface Call {
  ms: number;
  bytes: number;
  reads: number;
  store: number;
  storeDetail: Record<string, number>;
}

async function listOnce(
  ctx: BenchContext,
  plane: InProcessPlane,
  limit: number,
  agents: number,
): Promise<Call> {
  const counted = await countRequests(ctx.env, () =>
    timed(() => plane.call('GET', `/deployments?limit=${limit}`)),
  );
  const answer = counted.result.result;
  if (answer.status !== 200)
    throw new Error(`GET /deployments answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  const expected = Math.min(limit, agents);
  if (answer.json.deployments.length !== expected)
    throw new Error(`a page of ${answer.json.deployments.length}, not ${expected}`);
  if (total(counted.writes) || counted.store.PutObject || counted.store.DeleteObject)
    throw new Error(`a list wrote: ${JSON.stringify({ ...counted.writes, ...counted.store })}`);
  return {
    ms: counted.result.ms,
    bytes: Buffer.byteLength(answer.text),
    reads: total(counted.reads),
    store: total(counted.store),
    storeDetail: counted.store,
  };
}

/** Pages through the whole fleet at `limit` and answers the total time. */
async function walk(
  plane: InProcessPlane,
  limit: number,
  expected: number,
): Promise<{ ms: number; pages: number }> {
  let pages = 0;
  let seen = 0;
  const { ms } = await timed(async () => {
    let token: string | undefined;
    do {
      const page = await plane.call('GET', `/deployments?limit=${limit}${token ? `&continue=${token}` : ''}`);
      seen += page.json.deployments.length;
      token = page.json.continue;
      pages++;
    } while (token);
  });
  if (seen !== expected) throw new Error(`walked ${seen} agents, expected ${expected}`);
  return { ms, pages };
}

interface Counts {
  reads: number[];
  store: number[];
}

export const statusAtScale: Section = {
  id: 'status',
  title: 'Status at scale',
  needsEnvironment: true,
  async run(ctx) {
    const figures: Figure[] = [];
    const notes: string[] = [];
    const warmCounts = new Map<number, Counts>();
    for (const n of SCALES) {
      await ctx.fleet.growTo(n);
      const warm = await ctx.fleet.warmPlane();
      await warm.call('GET', '/deployments?limit=1'); // warm: has listed every record once
      const requests: Record<'cold' | 'warm', Counts> = {
        cold: { reads: [], store: [] },
        warm: { reads: [], store: [] },
      };
      for (const limit of LIMITS) {
        const cold: Call[] = [];
        const hot: Call[] = [];
        for (let run = 0; run < ctx.runs; run++) {
          cold.push(await listOnce(ctx, await ctx.fleet.coldPlane(), limit, n));
          hot.push(await listOnce(ctx, warm, limit, n));
        }
        ctx.log(
          `status: N=${n} limit=${limit}: cold ${median(cold.map((c) => c.ms)).toFixed(0)} ms, warm ${median(hot.map((c) => c.ms)).toFixed(0)} ms`,
        );
        for (const [mode, calls] of [
          ['cold', cold],
          ['warm', hot],
        ] as const) {
          figures.push({
            name: `N=${n}, limit=${limit}, ${mode}: first page latency`,
            unit: 'ms',
            samples: calls.map((c) => c.ms),
          });
          requests[mode].reads.push(...calls.map((c) => c.reads));
          requests[mode].store.push(...calls.map((c) => c.store));
        }
        const bytes = hot.map((c) => c.bytes);
        figures.push({
          name: `N=${n}, limit=${limit}: bytes per page`,
          unit: 'bytes',
          samples: bytes,
          goal: { text: 'under 1 MiB', met: Math.max(...bytes) < PAGE_CAP_BYTES },
        });
        if (limit === LIMITS[0])
          notes.push(
            `N=${n}: S3 calls per list call, cold ${JSON.stringify(cold[0]?.storeDetail)}, warm ${JSON.stringify(hot[0]?.storeDetail)}.`,
          );
      }
      for (const mode of ['cold', 'warm'] as const) {
        figures.push({
          name: `N=${n}, ${mode}: Kubernetes requests per list call`,
          unit: 'requests',
          samples: requests[mode].reads,
        });
        figures.push({
          name: `N=${n}, ${mode}: store requests per list call`,
          unit: 'requests',
          samples: requests[mode].store,
        });
      }
      warmCounts.set(n, requests.warm);
      const walks: { ms: number; pages: number }[] = [];
      for (let run = 0; run < ctx.runs; run++) walks.push(await walk(warm, LIMITS[0] as number, n));
      figures.push({
        name: `N=${n}, warm: all ${walks[0]?.pages} pages at limit ${LIMITS[0]}`,
        unit: 'ms',
        samples: walks.map((w) => w.ms),
      });
    }
    const small = warmCounts.get(SCALES[0] as number);
    const large = warmCounts.get(SCALES.at(-1) as number);
    if (small && large) {
      const perCall = (counts: Counts) => counts.reads.map((r, i) => r + (counts.store[i] ?? 0));
      figures.push({
        name: `warm: Kubernetes + store requests per list call, N=${SCALES.at(-1)} (peer: N=${SCALES[0]})`,
        unit: 'requests',
        samples: perCall(large),
        peer: { name: `N=${SCALES[0]}`, samples: perCall(small) },
        goal: {
          text: 'does not grow with N',
          met:
            Math.max(...large.reads) <= Math.min(...small.reads) &&
            Math.max(...large.store) <= Math.min(...small.store),
        },
      });
    }
    notes.push(
      `Each call is counted alone between two readings of the servers' counters: Kubernetes requests are LISTs of the agents' kinds and pods in the namespace (apiserver_request_total; all the control plane reads with), store requests are S3 calls on the bucket (MinIO's metrics). Latency is one GET /deployments in process (no HTTP hop), from the request to the whole body read. "Cold" is a fresh set of providers in this same Node process, so it pays for new clients and reading every record, not for loading code (see the function cold start below). Every page observes the whole fleet (one list per kind), so paging through N agents costs N/limit full observations; the "all pages" rows show it.`,
      `${ctx.fleet.describeRoom()}. Growth: ${ctx.fleet.growth.map((g) => `to ${g.to} agents, deploy calls ${(g.deployMs / 1000).toFixed(1)} s, every pod Running after ${(g.runningMs / 1000).toFixed(1)} s`).join('; ')}.`,
    );
    return { figures, notes };
  },
};
