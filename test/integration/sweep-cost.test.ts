/**
 * What a sweep costs, counted at the servers (the API server's apiserver_request_total, MinIO's
 * request metrics): with nothing to do it writes nothing; with one agent changed behind its
 * back, it writes that agent's drifted objects and nothing else.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AGENT_KINDS } from '../../functions/src/core/agent-objects/types.ts';
import { testEnv } from '../env/inject.ts';
import { adminCluster, harness } from '../support/control-plane-harness.ts';
import { apiServerRequestCounts, minioRequestCounts, requestsBetween } from '../support/request-counts.ts';

const batch = JSON.parse(
  readFileSync(new URL('../../examples/deploy_multiple_agents.json', import.meta.url), 'utf8'),
);
const names: string[] = batch.agents.map((agent: { name: string }) => agent.name);
const MANAGED = new Set(AGENT_KINDS.map((kind) => kind.plural as string));
const WRITES = new Set(['CREATE', 'APPLY', 'PATCH', 'UPDATE', 'DELETE', 'DELETECOLLECTION']);

/** Write requests to the agents' namespace between two readings of the API server's counters. */
async function writesDuring(work: () => Promise<unknown>) {
  const t = testEnv();
  const inNamespace = (counts: Awaited<ReturnType<typeof apiServerRequestCounts>>) =>
    counts.samples.filter((sample) => sample.labels.scope !== 'cluster');
  const before = await apiServerRequestCounts(t.kubeconfigPath);
  await work();
  const after = await apiServerRequestCounts(t.kubeconfigPath);
  const delta: Record<string, number> = {};
  for (const sample of inNamespace(after)) {
    const { verb = '', resource = '', subresource = '' } = sample.labels;
    // Writes to the kinds the control plane manages; pods and status updates are the
    // controllers' and the (kwok) kubelets' own.
    if (!WRITES.has(verb) || !MANAGED.has(resource) || subresource) continue;
    const earlier = inNamespace(before).find(
      (other) => JSON.stringify(other.labels) === JSON.stringify(sample.labels),
    );
    const d = sample.value - (earlier?.value ?? 0);
    if (d) delta[`${verb} ${resource}`] = (delta[`${verb} ${resource}`] ?? 0) + d;
  }
  return delta;
}

describe('the sweep', () => {
  const { call, providers } = harness();

  it('writes nothing when nothing changed, and only the drifted object when one was edited', async () => {
    const deployed = await call('POST', '/deploy', batch);
    expect(deployed.status).toBe(201);
    const plane = await providers.controlPlane();
    // The first sweep after a deploy may converge what the deploy's own apply left (none expected).
    await plane.sweep();

    const s3 = testEnv().s3;
    const storeBefore = await minioRequestCounts(s3, { bucket: s3.bucket });
    let report: Awaited<ReturnType<typeof plane.sweep>> | undefined;
    const idle = await writesDuring(async () => {
      report = await plane.sweep();
    });
    const storeAfter = await minioRequestCounts(s3, { bucket: s3.bucket });
    expect(idle).toEqual({});
    expect(report?.results.map((result) => [result.name, result.action])).toEqual(
      [...names].sort().map((name) => [name, 'unchanged']),
    );
    // One listing, one read per agent (the listing's contents), no write to the store either.
    const store = requestsBetween(storeBefore, storeAfter);
    expect(store.PutObject ?? 0).toBe(0);
    expect(store.DeleteObject ?? 0).toBe(0);

    // Someone deletes one agent's Service behind the control plane's back: the sweep re-creates it alone.
    const cluster = adminCluster();
    const service = (await cluster.observe({ agent: names[0] as string })).objects.find(
      (o) => o.kind === 'Service',
    );
    await cluster.delete([
      { ...(service as NonNullable<typeof service>), uid: undefined, resourceVersion: undefined },
    ]);
    const repaired = await writesDuring(() => plane.sweep());
    expect(repaired).toEqual({ 'APPLY services': 1 });
    for (const name of names) expect((await call('DELETE', `/deployments/${name}`)).status).toBe(200);
  });
});
