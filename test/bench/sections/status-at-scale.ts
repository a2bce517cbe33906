/**
 * Status at scale: GET /deployments with 100 and then 1,000 agents deployed, at limit 100 and
 * 500: latency and bytes of the first page, the requests one page makes and the objects those
 * requests list, counted at the servers (LISTs in the namespace and the objects they answered at
 * the API server, S3 calls at MinIO); then every page of the fleet at limit 100, timed and counted
 * per page. Cold is a fresh control plane in this process (new clients, no cache), warm the one
 * that has paged through the fleet before. A page's requests and listed objects must not grow
 * with the number of agents.
 * Must never change the fleet it lists.
 */
import { countRequests, total } from '../../support/control-plane-requests.ts';
import type { InProcessPlane } from '../../support/fleet-plane.ts';
import type { BenchContext, Figure, Section } from '../lib/section.ts';
import { median, timed } from '../lib/stats.ts';

const SCALES = [100, 1000];
const LIMITS = [100, 500];
const WALK_LIMIT = 100;
/** The largest page the API serves: the warm-up walks the fleet with it. */
const MAX_LIMIT = 500;
const PAGE_CAP_BYTES = 1024 * 1024; // a DigitalOcean web function's response limit
/** Issue 20's goal for the first page of 100, warm (set there at 10,000 agents). */
const FIRST_PAGE_GOAL_MS = 500;

interface Call {
  ms: number;
  bytes: number;
  reads: number;
  listed: number;
  store: number;
  storeDetail: Record<string, number>;
}

function checkRead(counted: { writes: Record<string, number>; store: Record<string, number> }) {
  if (total(counted.writes) || counted.store.PutObject || counted.store.DeleteObject)
    throw new Error(`a list wrote: ${JSON.stringify({ ...counted.writes, ...counted.store })}`);
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
  checkRead(counted);
  return {
    ms: counted.result.ms,
    bytes: Buffer.byteLength(answer.text),
    reads: total(counted.reads),
    listed: total(counted.listed),
    store: total(counted.store),
    storeDetail: counted.store,
  };
}

interface Walk {
  ms: number;
  pages: number;
  /** Requests and listed objects of the whole walk, divided by its pages. */
  readsPerPage: number;
  listedPerPage: number;
  storePerPage: number;
}

/** Pages through the whole fleet at `limit`, timed and counted. */
async function walk(
  ctx: BenchContext,
  plane: InProcessPlane,
  limit: number,
  expected: number,
): Promise<Walk> {
  let pages = 0;
  let seen = 0;
  const counted = await countRequests(ctx.env, () =>
    timed(async () => {
      let token: string | undefined;
      do {
        const page = await plane.call(
          'GET',
          `/deployments?limit=${limit}${token ? `&continue=${token}` : ''}`,
        );
        if (page.status !== 200)
          throw new Error(`GET /deployments answered ${page.status}: ${page.text.slice(0, 300)}`);
        seen += page.json.deployments.length;
        token = page.json.continue;
        pages++;
      } while (token);
    }),
  );
  if (seen !== expected) throw new Error(`walked ${seen} agents, expected ${expected}`);
  checkRead(counted);
  return {
    ms: counted.result.ms,
    pages,
    readsPerPage: total(counted.reads) / pages,
    listedPerPage: total(counted.listed) / pages,
    storePerPage: total(counted.store) / pages,
  };
}

interface Counts {
  reads: number[];
  listed: number[];
  store: number[];
}

/**
 * A figure at the largest N against the smallest that must not grow with N. Requests are counted
 * for this client alone, so every run must hold; listed objects are counted for every client (a
 * controller's relist can inflate a run, never shrink one), so their medians are compared.
 */
function notGrowing(
  what: { name: string; unit: 'requests' | 'objects' },
  large: number[],
  small: number[],
  sizes: { smallest: number; largest: number },
): Figure {
  const met =
    what.unit === 'requests' ? Math.max(...large) <= Math.min(...small) : median(large) <= median(small);
  return {
    name: `${what.name}, N=${sizes.largest} (peer: N=${sizes.smallest})`,
    unit: what.unit,
    samples: large,
    peer: { name: `N=${sizes.smallest}`, samples: small },
    goal: { text: 'does not grow with N', met },
  };
}

export const statusAtScale: Section = {
  id: 'status',
  title: 'Status at scale',
  needsEnvironment: true,
  async run(ctx) {
    const figures: Figure[] = [];
    const notes: string[] = [];
    const warmCounts = new Map<number, Counts>();
    const walkCounts = new Map<number, Counts>();
    for (const n of SCALES) {
      await ctx.fleet.growTo(n);
      const warm = await ctx.fleet.warmPlane();
      await walk(ctx, warm, MAX_LIMIT, n); // warm: has read every record once
      const requests: Record<'cold' | 'warm', Counts> = {
        cold: { reads: [], listed: [], store: [] },
        warm: { reads: [], listed: [], store: [] },
      };
      for (const limit of LIMITS) {
        const cold: Call[] = [];
        const hot: Call[] = [];
        for (let run = 0; run < ctx.runs; run++) {
          cold.push(await listOnce(ctx, await ctx.fleet.coldPlane(), limit, n));
          hot.push(await listOnce(ctx, warm, limit, n));
        }
        ctx.log(
          `status: N=${n} limit=${limit}: cold ${median(cold.map((c) => c.ms)).toFixed(0)} ms, warm ${median(hot.map((c) => c.ms)).toFixed(0)} ms, ${median(hot.map((c) => c.reads))} requests listing ${median(hot.map((c) => c.listed))} objects`,
        );
        for (const [mode, calls] of [
          ['cold', cold],
          ['warm', hot],
        ] as const) {
          const ms = calls.map((c) => c.ms);
          figures.push({
            name: `N=${n}, limit=${limit}, ${mode}: first page latency`,
            unit: 'ms',
            samples: ms,
            ...(mode === 'warm' && limit === WALK_LIMIT
              ? {
                  goal: {
                    text: `at most ${FIRST_PAGE_GOAL_MS} ms (issue 20)`,
                    met: median(ms) <= FIRST_PAGE_GOAL_MS,
                  },
                }
              : {}),
          });
          if (limit !== WALK_LIMIT) continue;
          requests[mode].reads.push(...calls.map((c) => c.reads));
          requests[mode].listed.push(...calls.map((c) => c.listed));
          requests[mode].store.push(...calls.map((c) => c.store));
        }
        const bytes = hot.map((c) => c.bytes);
        figures.push({
          name: `N=${n}, limit=${limit}: bytes per page`,
          unit: 'bytes',
          samples: bytes,
          goal: { text: 'under 1 MiB', met: Math.max(...bytes) < PAGE_CAP_BYTES },
        });
        figures.push({
          name: `N=${n}, limit=${limit}, warm: objects listed by the first page`,
          unit: 'objects',
          samples: hot.map((c) => c.listed),
        });
        if (limit === WALK_LIMIT)
          notes.push(
            `N=${n}, limit=${limit}: S3 calls per page, cold ${JSON.stringify(cold[0]?.storeDetail)}, warm ${JSON.stringify(hot[0]?.storeDetail)}.`,
          );
      }
      for (const mode of ['cold', 'warm'] as const) {
        figures.push({
          name: `N=${n}, limit=${WALK_LIMIT}, ${mode}: Kubernetes requests per page`,
          unit: 'requests',
          samples: requests[mode].reads,
        });
        figures.push({
          name: `N=${n}, limit=${WALK_LIMIT}, ${mode}: store requests per page`,
          unit: 'requests',
          samples: requests[mode].store,
        });
      }
      warmCounts.set(n, requests.warm);
      const walks: Walk[] = [];
      for (let run = 0; run < ctx.runs; run++) walks.push(await walk(ctx, warm, WALK_LIMIT, n));
      const pages = walks[0]?.pages;
      ctx.log(`status: N=${n}: all ${pages} pages in ${median(walks.map((w) => w.ms)).toFixed(0)} ms`);
      figures.push(
        {
          name: `N=${n}, warm: all ${pages} pages at limit ${WALK_LIMIT}`,
          unit: 'ms',
          samples: walks.map((w) => w.ms),
        },
        {
          name: `N=${n}, warm, all pages: Kubernetes requests per page`,
          unit: 'requests',
          samples: walks.map((w) => w.readsPerPage),
        },
        {
          name: `N=${n}, warm, all pages: objects listed per page`,
          unit: 'objects',
          samples: walks.map((w) => w.listedPerPage),
        },
        {
          name: `N=${n}, warm, all pages: store requests per page`,
          unit: 'requests',
          samples: walks.map((w) => w.storePerPage),
        },
      );
      walkCounts.set(n, {
        reads: walks.map((w) => w.readsPerPage),
        listed: walks.map((w) => w.listedPerPage),
        store: walks.map((w) => w.storePerPage),
      });
    }
    const smallest = SCALES[0] as number;
    const largest = SCALES.at(-1) as number;
    const small = warmCounts.get(smallest);
    const large = warmCounts.get(largest);
    const smallWalk = walkCounts.get(smallest);
    const largeWalk = walkCounts.get(largest);
    if (small && large && smallWalk && largeWalk && largest > smallest) {
      const perCall = (counts: Counts) => counts.reads.map((r, i) => r + (counts.store[i] ?? 0));
      figures.push(
        notGrowing(
          { name: `warm, first page of ${WALK_LIMIT}: Kubernetes + store requests`, unit: 'requests' },
          perCall(large),
          perCall(small),
          { smallest, largest },
        ),
        notGrowing(
          { name: `warm, first page of ${WALK_LIMIT}: objects listed`, unit: 'objects' },
          large.listed,
          small.listed,
          { smallest, largest },
        ),
        notGrowing(
          { name: `warm, all pages of ${WALK_LIMIT}: objects listed per page`, unit: 'objects' },
          largeWalk.listed,
          smallWalk.listed,
          { smallest, largest },
        ),
      );
    }
    notes.push(
      `Each call (or walk through every page) is counted alone between two readings of the servers' counters: Kubernetes requests are LISTs of the agents' kinds and pods in the namespace (apiserver_request_total), objects listed are what those LISTs answered (apiserver_cache_list_returned_objects_total and apiserver_storage_list_returned_objects_total of the same resources; these count every client's LISTs, so a controller relisting during a run shows as a higher maximum), store requests are S3 calls on the bucket (MinIO's metrics). Latency is one GET /deployments in process (no HTTP hop), from the request to the whole body read. "Cold" is a fresh set of providers in this same Node process, so it pays for new clients and reading its page's records, not for loading code (see the function cold start below); "warm" has paged through the whole fleet once before.`,
      `${ctx.fleet.describeRoom()}. Growth: ${ctx.fleet.growth.map((g) => `to ${g.to} agents, deploy calls ${(g.deployMs / 1000).toFixed(1)} s, every pod Running after ${(g.runningMs / 1000).toFixed(1)} s`).join('; ')}.`,
    );
    return { figures, notes };
  },
};
