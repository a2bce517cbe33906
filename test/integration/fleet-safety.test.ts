/**
 * Never lose the fleet, against the real parts (kube-apiserver with kwok nodes, MinIO): a
 * sweep with a misconfigured store deletes nothing, objects belong to the store that made
 * them, a deploy racing a sweep or a delete is never lost, a re-created name never inherits
 * its predecessor's revisions.
 */
import { describe, expect, it } from 'vitest';
import { providersFromEnv } from '../../functions/src/wiring/providers.ts';
import {
  adminCluster,
  environmentFor,
  harness,
  storeBlobs,
  waitFor,
} from '../support/control-plane-harness.ts';

type Call = ReturnType<typeof harness>['call'];

const agentsRunning = async (names: string[]) => {
  const cluster = adminCluster();
  for (const name of names) {
    const observed = await cluster.observe({ agent: name });
    expect({ name, deployments: observed.deployments.length }).toEqual({ name, deployments: 1 });
  }
};

async function deployAll(call: Call, names: string[]) {
  const { status, json } = await call('POST', '/deploy', { agents: names.map((name) => ({ name })) });
  expect({ status, failed: json.failed }).toEqual({ status: 201, failed: [] });
}

async function deleteAll(call: Call, names: string[]) {
  for (const name of names) expect((await call('DELETE', `/deployments/${name}`)).status).toBe(200);
}

describe('a sweep whose store is not the fleet store deletes nothing', () => {
  const fleet = harness();
  const names = ['keep-a', 'keep-b', 'keep-c'];

  it('with an empty store, a wrong bucket, an unset store or a file:// store', async () => {
    await deployAll(fleet.call, names);
    // A new prefix in the same bucket: an empty store, never written, so it has no fleet.
    const empty = await harness().providers.controlPlane();
    expect(await empty.sweep()).toMatchObject({ agents: 0, results: [], failures: [] });
    // A bucket that does not exist.
    const wrong = await providersFromEnv(
      environmentFor({ FLEETPLANE_STORE: 's3://no-such-bucket-here' }),
    ).controlPlane();
    const report = await wrong.sweep();
    expect(report.results).toEqual([]);
    expect(report.fleet).toBeUndefined();
    // Unset (an empty `.env` value) and a directory: the functions refuse to run at all.
    for (const store of ['', 'file://.fleetplane']) {
      const refused = providersFromEnv(environmentFor({ FLEETPLANE_STORE: store })).controlPlane();
      await expect(refused).rejects.toThrow(/FLEETPLANE_STORE must name the fleet's bucket/);
    }
    await agentsRunning(names);
  });

  it('with a store whose configs vanished (no tombstones): refused and reported, nothing deleted', async () => {
    // Configs removed behind the control plane's back, as an operator emptying the prefix would.
    const blobs = storeBlobs(fleet.env);
    for (const name of names) await blobs.delete(`agents/${name}.json`);
    const report = await (await fleet.providers.controlPlane()).sweep();
    expect(report.refused?.agents.sort()).toEqual([...names].sort());
    expect(report.refused?.reason).toMatch(/refused/);
    expect(report.results.filter((result) => result.action === 'deleted')).toEqual([]);
    await agentsRunning(names);
    // Deleting through the API always works: each delete is explicit.
    await deleteAll(fleet.call, names);
    for (const name of names) expect((await adminCluster().observe({ agent: name })).objects).toEqual([]);
  });
});

describe('objects belong to the store that created them', () => {
  it("another store's sweep never touches them, and its deploy of the same name is refused", async () => {
    const mine = harness();
    const theirs = harness();
    await deployAll(mine.call, ['owned']);
    await deployAll(theirs.call, ['theirs-only']);
    const report = await (await theirs.providers.controlPlane()).sweep();
    expect(report.results.map((result) => result.name)).toEqual(['theirs-only']);
    const clash = await theirs.call('POST', '/deploy', { name: 'owned' });
    expect(clash.status).toBe(409);
    expect(clash.json.detail).toMatch(/belong to another fleetplane store/);
    await agentsRunning(['owned']);
    expect((await theirs.call('GET', '/deployments/owned')).status).toBe(404);
    await deleteAll(mine.call, ['owned']);
    await deleteAll(theirs.call, ['theirs-only']);
  });
});

describe('races', () => {
  it('a deploy racing a sweep ends on the newest generation, without waiting for the next sweep', async () => {
    const { call, providers } = harness();
    await deployAll(call, ['racy', 'racy-b', 'racy-c', 'racy-d']);
    const plane = await providers.controlPlane();
    for (let round = 2; round <= 6; round++) {
      const [, deployed] = await Promise.all([
        plane.sweep(),
        call('POST', '/deploy', { name: 'racy', instruction: `round ${round}` }),
      ]);
      expect(deployed.json.generation).toBe(round);
      const applied = (await adminCluster().observe({ agent: 'racy' })).deployments[0]?.metadata?.annotations;
      expect(applied?.['fleetplane.io/generation']).toBe(String(round));
    }
    await deleteAll(call, ['racy', 'racy-b', 'racy-c', 'racy-d']);
  });

  it('a deploy racing a delete never answers success for a config that is then gone', async () => {
    const { call, providers } = harness();
    const store = await providers.store();
    for (let round = 0; round < 8; round++) {
      const name = `contested-${round}`;
      expect((await call('POST', '/deploy', { name })).status).toBe(201);
      const [deployed, deleted] = await Promise.all([
        call('POST', '/deploy', { name, instruction: 'changed' }),
        call('DELETE', `/deployments/${name}`),
      ]);
      expect([200, 201, 409]).toContain(deployed.status);
      expect([200, 409]).toContain(deleted.status);
      if (deployed.status !== 409) {
        // The deploy's generation survives, or the delete removed it knowingly (its tombstone names
        // it). 201: the delete went first and the deploy created the agent anew.
        const entry = (await store.readEntry(name))?.value;
        expect(entry?.generation ?? 0).toBeGreaterThanOrEqual(deployed.json.generation);
      }
      if (await store.read(name)) expect((await call('DELETE', `/deployments/${name}`)).status).toBe(200);
    }
  });
});

describe('incarnations', () => {
  it('an agent re-created under a deleted name never reaches its predecessor’s revisions', async () => {
    const { call, providers } = harness();
    expect((await call('POST', '/deploy', { name: 'phoenix', instruction: 'first life' })).status).toBe(201);
    expect((await call('POST', '/deploy', { name: 'phoenix', instruction: 'first life, v2' })).status).toBe(
      200,
    );
    // A delete that failed halfway: the tombstone is written, the old revisions are not removed.
    const store = await providers.store();
    const first = await store.read('phoenix');
    await store.remove('phoenix', first?.etag as string);
    expect(await store.listRevisions('phoenix', first?.value.incarnation)).toHaveLength(1);

    const reborn = await call('POST', '/deploy', { name: 'phoenix', instruction: 'second life' });
    expect(reborn.json).toMatchObject({ outcome: 'created', generation: 1 });
    expect((await call('GET', '/deployments/phoenix/revisions')).json.revisions).toHaveLength(1);
    const back = await call('POST', '/deployments/phoenix/rollback', {});
    expect(back.status).toBe(404);
    expect((await call('POST', '/deploy', { name: 'phoenix', instruction: 'second life, v2' })).status).toBe(
      200,
    );
    expect((await call('POST', '/deployments/phoenix/rollback', { generation: 1 })).status).toBe(200);
    expect((await store.read('phoenix'))?.value.spec.instruction).toBe('second life');
    await waitFor('phoenix applied', async () => {
      const status = (await call('GET', '/deployments/phoenix')).json;
      return status.appliedGeneration === 3 && status;
    });
    await deleteAll(call, ['phoenix']);
  });
});
