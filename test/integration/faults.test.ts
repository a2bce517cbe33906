/**
 * Faults against the real parts: MinIO stopped (503 with Retry-After, nothing applied), the API
 * server stopped in the middle of a batch (per-agent errors, then the sweep converges once it is
 * back), and objects left without a config (the sweep deletes them).
 * These stop and start processes of the local test environment, so they skip on external infra.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startService, stopService } from '../env/control.ts';
import { testEnv } from '../env/inject.ts';
import { adminCluster, harness, waitFor } from '../support/control-plane-harness.ts';

const local = () => testEnv().local;

describe.runIf(local().s3 && local().kubernetes)('faults', () => {
  afterEach(async () => {
    // Whatever a test stopped comes back, so the next one starts from a healthy environment.
    await startService('minio').catch(() => {});
    await startService('kube-apiserver').catch(() => {});
  });

  it('with the store down: 503 with Retry-After, health degraded, and nothing applied to the cluster', async () => {
    const { call } = harness();
    await stopService('minio');
    const deploy = await call('POST', '/deploy', { name: 'no-store' });
    expect(deploy.status).toBe(503);
    expect(deploy.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(deploy.headers.get('content-type')).toContain('application/problem+json');
    expect(deploy.json.detail).toMatch(/config store/);
    const health = await call('GET', '/health');
    expect(health.status).toBe(503);
    expect(health.json.checks).toMatchObject({ store: { ok: false }, cluster: { ok: true } });
    // /health is public: it names kinds, and its reasons carry no address or bucket name.
    expect(health.json.checks).toMatchObject({ store: { target: 's3' }, cluster: { target: 'kubernetes' } });
    expect(JSON.stringify(health.json)).not.toMatch(/127\.0\.0\.1|fleetplane-test|https?:\/\//);
    expect((await adminCluster().observe({ agent: 'no-store' })).objects).toEqual([]);
    await startService('minio');
    expect((await call('POST', '/deploy', { name: 'no-store' })).status).toBe(201);
    expect((await call('DELETE', '/deployments/no-store')).status).toBe(200);
  });

  it('with the API server gone mid-batch: per-agent errors, then a sweep converges', async () => {
    const { call, providers } = harness();
    const agents = ['mid-a', 'mid-b', 'mid-c'].map((name) => ({ name }));
    expect((await call('POST', '/deploy', { agents: [agents[0]] })).status).toBe(201);
    await stopService('kube-apiserver');
    const batch = await call('POST', '/deploy', { agents });
    expect([207, 503]).toContain(batch.status);
    const failed = batch.json.results.filter((result: { error?: unknown }) => result.error);
    expect(failed.map((result: { name: string }) => result.name)).toEqual(
      expect.arrayContaining(['mid-b', 'mid-c']),
    );
    for (const result of failed)
      expect(result.error.detail).toMatch(/is stored, but applying it failed.*cluster is unreachable/);
    const listed = await call('GET', '/deployments');
    expect(listed.status).toBe(503);
    // An agent the store does not know may still have objects: with the cluster gone, that is 503, not 404.
    const unknown = await call('DELETE', '/deployments/mid-unknown');
    expect(unknown.status).toBe(503);
    expect(unknown.headers.get('retry-after')).toMatch(/^\d+$/);

    await startService('kube-apiserver');
    const report = await (await providers.controlPlane()).sweep();
    expect(report.failures).toEqual([]);
    await waitFor('every agent Running after the sweep', async () => {
      const { json } = await call('GET', '/deployments');
      return agents.every(
        ({ name }) => json.deployments?.find((d: { name: string }) => d.name === name)?.phase === 'Running',
      );
    });
    for (const { name } of agents) expect((await call('DELETE', `/deployments/${name}`)).status).toBe(200);
  });

  it('the sweep finishes a delete whose cluster part failed (its tombstone), and writes nothing for configured agents', async () => {
    const { call, providers } = harness();
    expect((await call('POST', '/deploy', { name: 'kept' })).status).toBe(201);
    expect((await call('POST', '/deploy', { name: 'orphan' })).status).toBe(201);
    // A DELETE whose store step succeeded and whose cluster step did not: the tombstone stays.
    const store = await providers.store();
    const stored = await store.read('orphan');
    await store.remove('orphan', stored?.etag as string);
    const cluster = adminCluster();
    expect((await cluster.observe({ agent: 'orphan' })).objects.length).toBeGreaterThan(0);
    const report = await (await providers.controlPlane()).sweep();
    expect(report.refused).toBeUndefined();
    expect(report.results).toContainEqual(expect.objectContaining({ name: 'orphan', action: 'deleted' }));
    expect(report.results).toContainEqual(expect.objectContaining({ name: 'kept', action: 'unchanged' }));
    expect((await cluster.observe({ agent: 'orphan' })).objects).toEqual([]);
    expect((await call('DELETE', '/deployments/kept')).status).toBe(200);
  });
});
