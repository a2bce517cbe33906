/**
 * Never lose the fleet, against the real parts (kube-apiserver with kwok nodes, MinIO): a
 * sweep with a misconfigured or vanished store deletes nothing, a store that loses configs one
 * at a time is stopped by a budget kept across runs, objects belong to the store that made
 * them, a deploy racing a sweep or a delete is never lost, a re-created name never inherits
 * its predecessor's revisions.
 */
import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../functions/src/core/errors.ts';
import { listAll } from '../../functions/src/store/blob-store.ts';
import { providersFromEnv } from '../../functions/src/wiring/providers.ts';
import { testEnv } from '../env/inject.ts';
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
    // A bucket that does not exist: the store is unavailable (NoSuchBucket), not empty.
    const wrong = await providersFromEnv(
      environmentFor({ FLEETPLANE_STORE: 's3://no-such-bucket-here' }),
    ).controlPlane();
    const failed = await wrong.sweep().catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(UnavailableError);
    expect((failed as Error).message).toMatch(/the bucket no-such-bucket-here does not exist/);
    // Unset (an empty `.env` value) and a directory: the functions refuse to run at all.
    for (const store of ['', 'file://.fleetplane']) {
      const refused = providersFromEnv(environmentFor({ FLEETPLANE_STORE: store })).controlPlane();
      await expect(refused).rejects.toThrow(/FLEETPLANE_STORE must name the fleet's bucket/);
    }
    await agentsRunning(names);
  });

  it('with its bucket deleted under a warm control plane: the store is unavailable, nothing is deleted', async () => {
    // A bucket of its own, which this test may delete.
    const t = testEnv();
    const bucket = `fp-vanishing-${randomUUID().slice(0, 8)}`;
    const s3 = new S3Client({
      endpoint: t.s3.endpoint,
      region: t.s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: t.s3.accessKeyId, secretAccessKey: t.s3.secretAccessKey },
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const own = harness({ FLEETPLANE_STORE: `s3://${bucket}` });
    const kept = ['vanish-a', 'vanish-b'];
    await deployAll(own.call, kept);
    const plane = await own.providers.controlPlane();
    expect((await plane.sweep()).fleet).toBeDefined(); // warm: the fleet id is known
    const blobs = storeBlobs(own.env);
    for (const key of (await listAll(blobs, '')).keys) await blobs.delete(key);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    // Before: the listing's 404 read as "no configs", every agent an orphan.
    const failed = await plane.sweep().catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(UnavailableError);
    expect((failed as Error).message).toMatch(new RegExp(`the bucket ${bucket} does not exist`));
    await agentsRunning(kept);
    // The bucket back, empty: no fleet.json, so the sweep does nothing (it reads it afresh).
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    expect(await plane.sweep()).toMatchObject({ agents: 0, results: [], failures: [] });
    await agentsRunning(kept);
    await adminCluster().delete(
      (await Promise.all(kept.map((name) => adminCluster().observe({ agent: name })))).flatMap((seen) =>
        seen.objects.map((ref) => ({ ...ref, uid: undefined, resourceVersion: undefined })),
      ),
    );
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
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

describe('the sweep deletes without a tombstone only within a budget kept across runs', () => {
  it('deletes a config-less agent only on its second sighting, and stops a slow loss at the budget', async () => {
    // Eleven agents, share 0.1: one deletion without a tombstone a day (ten left after the first).
    const fleet = harness();
    const names = Array.from({ length: 11 }, (_, index) => `slow-loss-${index}`);
    await deployAll(fleet.call, names);
    const blobs = storeBlobs(fleet.env);
    const sweep = async () => (await fleet.providers.controlPlane()).sweep();
    const deleted = (report: Awaited<ReturnType<typeof sweep>>) =>
      report.results.filter((result) => result.action === 'deleted').map((result) => result.name);

    // One config lost behind the control plane's back.
    await blobs.delete('agents/slow-loss-0.json');
    const first = await sweep();
    expect(deleted(first)).toEqual([]);
    expect(first.pending).toEqual(['slow-loss-0']);
    await agentsRunning(['slow-loss-0']);
    const second = await sweep();
    expect(deleted(second)).toEqual(['slow-loss-0']);
    expect((await adminCluster().observe({ agent: 'slow-loss-0' })).objects).toEqual([]);

    // Another one, a minute later: before, each run counted alone and this went too.
    await blobs.delete('agents/slow-loss-1.json');
    for (let run = 0; run < 3; run++) {
      const report = await sweep();
      expect(deleted(report)).toEqual([]);
      expect(report.refused?.agents).toEqual(['slow-loss-1']);
      expect(report.refused?.reason).toMatch(/after 1 such deletions in the last 24 h, would exceed 1/);
    }
    await agentsRunning(['slow-loss-1']);
    // The budget lives in the store: a fresh control plane (a cold function) keeps to it.
    const cold = await harness({
      FLEETPLANE_STORE: fleet.env.FLEETPLANE_STORE as string,
    }).providers.controlPlane();
    expect((await cold.sweep()).refused?.agents).toEqual(['slow-loss-1']);
    await agentsRunning(['slow-loss-1']);

    // DELETE always works; the one left without a config is removed by hand, as the refusal says.
    await deleteAll(fleet.call, names.slice(2));
    await adminCluster().delete(
      (await adminCluster().observe({ agent: 'slow-loss-1' })).objects.map((ref) => ({
        ...ref,
        uid: undefined,
        resourceVersion: undefined,
      })),
    );
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
