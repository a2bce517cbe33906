/**
 * Reads that cost O(page), counted at the servers while the fleet grows from 40 to 160 agents: a
 * page of GET /deployments makes the same list calls, and lists exactly its own agents' objects,
 * at both sizes (apiserver_request_total, and the objects the API server's LISTs answered); its
 * store listing is one request; GET /deployments/{name} stays the same too; paging through the
 * whole fleet lists every object once; deleted agents still page correctly; an idle sweep writes
 * nothing.
 */
import { describe, expect, it } from 'vitest';
import { AGENT_KINDS } from '../../functions/src/core/agent-objects/types.ts';
import { testEnv } from '../env/inject.ts';
import { adminCluster, harness, waitFor } from '../support/control-plane-harness.ts';
import { countRequests, total } from '../support/control-plane-requests.ts';
import { inProcessPlane } from '../support/fleet-plane.ts';

const PAGE = 20;
const SMALL = 40;
const LARGE = 160;
const names = Array.from({ length: LARGE }, (_, i) => `paged-${String(i).padStart(3, '0')}`);
/** One list call per kind agents are made of, and one of pods. */
const LISTS_PER_OBSERVATION = AGENT_KINDS.length + 1;

describe('reads that cost O(page)', () => {
  const plane = harness();
  const { call } = plane;

  const deploy = async (batch: string[]) => {
    for (let start = 0; start < batch.length; start += 50) {
      const agents = batch.slice(start, start + 50).map((name) => ({ name, resources: { cpu: '10m' } }));
      const deployed = await call('POST', '/deploy', { agents });
      expect(deployed.json.failed).toEqual([]);
    }
    // Counted reads compare objects, so every agent's pod must exist first.
    await waitFor('a pod per agent', async () => {
      const observed = await adminCluster().observe({ agents: batch });
      return new Set(observed.pods.map((pod) => pod.metadata?.labels?.['fleetplane.io/agent'])).size ===
        batch.length
        ? observed
        : undefined;
    });
  };

  /** Every agent's name, following `continue` from page to page. */
  const listAll = async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await call('GET', `/deployments?limit=${PAGE}${token ? `&continue=${token}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.json.deployments.map((d: { name: string }) => d.name));
      token = page.json.continue;
    } while (token);
    return seen;
  };

  /** The objects (pods included) the given agents have, as an administrator lists them. */
  const objectsOf = async (agents: string[]) => {
    const observed = await adminCluster().observe({ agents });
    return observed.live.length + observed.pods.length;
  };

  /**
   * What `work` cost at the servers: list calls, objects listed, store requests, writes. The API
   * server counts listed objects for every client, so a controller relisting at that moment
   * inflates a reading: `work` runs three times and the reading that listed least is kept (never
   * less than what `work` itself listed).
   */
  const leastOf3 = async <T>(work: () => Promise<T>) => {
    const costs = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const cost = await countRequests(testEnv(), work);
      expect(total(cost.writes)).toBe(0);
      costs.push({ ...cost, listedObjects: total(cost.listed) });
    }
    return costs.reduce((least, cost) => (cost.listedObjects < least.listedObjects ? cost : least));
  };

  /** What one GET cost, through a plane `caller` gives (a fresh one each time: a cold process). */
  const counted = async (path: string, caller = () => call) => {
    const cost = await leastOf3(() => caller()('GET', path));
    expect(cost.result.status).toBe(200);
    return { answer: cost.result.json, reads: cost.reads, listed: cost.listedObjects, store: cost.store };
  };

  const firstPageCost = async () => {
    const cold = await counted(`/deployments?limit=${PAGE}`, () => inProcessPlane(plane.env).call);
    const warm = await counted(`/deployments?limit=${PAGE}`);
    const one = await counted(`/deployments/${names[0]}`);
    return { cold, warm, one };
  };

  it('costs a page the same list calls and lists only its own objects at 40 and at 160 agents', async () => {
    await deploy(names.slice(0, SMALL));
    const pageNames = names.slice(0, PAGE);
    await call('GET', `/deployments?limit=${PAGE}`); // warm: has read the page's records
    const small = await firstPageCost();
    const pageObjects = await objectsOf(pageNames);
    const oneObjects = await objectsOf([names[0] as string]);

    await deploy(names.slice(SMALL));
    const large = await firstPageCost();

    for (const size of [small, large]) {
      for (const read of [size.cold, size.warm]) {
        expect(read.answer.deployments.map((d: { name: string }) => d.name)).toEqual(pageNames);
        expect(read.answer.continue).toEqual(expect.any(String));
        expect(total(read.reads)).toBe(LISTS_PER_OBSERVATION);
        expect(read.listed).toBe(pageObjects);
      }
      // One store listing; a warm process reads no record that did not change, a cold one its page's.
      expect(size.warm.store).toEqual({ ListObjectsV2: 1 });
      expect(size.cold.store.ListObjectsV2).toBe(1);
      expect(size.cold.store.GetObject).toBeLessThanOrEqual(PAGE + 1); // + fleet.json, once per process
      expect(size.one.answer.name).toBe(names[0]);
      expect(total(size.one.reads)).toBe(LISTS_PER_OBSERVATION);
      expect(size.one.listed).toBe(oneObjects);
    }
    expect(large.warm.reads).toEqual(small.warm.reads);
    expect(large.cold.store).toEqual(small.cold.store);
    expect(large.one.reads).toEqual(small.one.reads);
  }, 300_000);

  it('pages through the fleet listing every object once, in name order', async () => {
    const fleet = await (await plane.providers.store()).fleet();
    const everything = await adminCluster().observe({ fleet: fleet as string });
    await listAll(); // warm: has read every record once
    const cost = await leastOf3(listAll);
    expect(cost.result).toEqual(names);
    const pages = LARGE / PAGE;
    expect(total(cost.reads)).toBe(pages * LISTS_PER_OBSERVATION);
    expect(cost.store).toEqual({ ListObjectsV2: pages });
    expect(cost.listedObjects).toBe(everything.live.length + everything.pods.length);
  });

  it('writes nothing in an idle sweep of the larger fleet', async () => {
    const sweep = await (await plane.providers.controlPlane()).sweep(); // converges whatever a deploy left
    expect(sweep.failures).toEqual([]);
    const idle = await countRequests(testEnv(), async () => (await plane.providers.controlPlane()).sweep());
    expect(idle.result.results.every((result) => result.action === 'unchanged')).toBe(true);
    expect(idle.writes).toEqual({});
    expect((idle.store.PutObject ?? 0) + (idle.store.DeleteObject ?? 0)).toBe(0);
  });

  it('shows a deleted agent while its objects remain, and pages past deleted names', async () => {
    const store = await plane.providers.store();
    // A DELETE whose store step succeeded and whose cluster step did not: the tombstone stays, objects too.
    const halfDeleted = names[1] as string;
    await store.remove(halfDeleted, (await store.read(halfDeleted))?.etag as string);
    const first = await call('GET', `/deployments?limit=${PAGE}`);
    const shown = first.json.deployments.find((d: { name: string }) => d.name === halfDeleted);
    expect(shown?.phase).toBe('Deleting');

    // Every agent of the first page deleted: the page is empty, and its token leads on.
    for (const name of names.slice(0, PAGE))
      expect((await call('DELETE', `/deployments/${name}`)).status).toBe(200);
    const empty = await call('GET', `/deployments?limit=${PAGE}`);
    expect(empty.json.deployments).toEqual([]);
    const next = await call('GET', `/deployments?limit=${PAGE}&continue=${empty.json.continue}`);
    expect(next.json.deployments.map((d: { name: string }) => d.name)).toEqual(names.slice(PAGE, 2 * PAGE));

    for (const name of names.slice(PAGE))
      expect((await call('DELETE', `/deployments/${name}`)).status).toBe(200);
    expect(await listAll()).toEqual([]);
  }, 300_000);
});
