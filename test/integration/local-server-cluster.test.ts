/**
 * `npm start` with KUBECONFIG and no store configured, against a cluster that runs another
 * store's agents: the local server sweeps at start-up with its own empty directory store,
 * which has no fleet, so it deletes nothing (it used to delete every agent within a second).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv } from '../env/inject.ts';
import { adminCluster, harness } from '../support/control-plane-harness.ts';
import { type LocalServer, startLocalServer } from '../support/local-server.ts';
import { scratchDir } from '../support/scratch.ts';
import { waitFor } from '../support/wait.ts';

let server: LocalServer | undefined;
afterAll(async () => {
  await server?.kill();
});

describe('the local server beside a cluster', () => {
  it('with no store configured, deletes none of the agents already running there', async () => {
    const { call } = harness();
    const names = ['elsewhere-a', 'elsewhere-b'];
    const deployed = await call('POST', '/deploy', { agents: names.map((name) => ({ name })) });
    expect(deployed.json.failed).toEqual([]);
    const t = testEnv();
    server = await startLocalServer({
      cwd: await scratchDir('fleetplane-nostore-'),
      env: {
        KUBECONFIG: t.controlPlaneKubeconfigPath,
        FLEETPLANE_NAMESPACE: t.namespace,
        FLEETPLANE_STORE: '',
      },
    });
    await waitFor(
      'the start-up sweep',
      async () => server?.stdout().includes('the store has no fleet yet'),
      30_000,
    );
    expect(server.stdout()).toContain('"store":"file://.fleetplane"');
    for (const name of names) {
      const observed = await adminCluster().observe({ agent: name });
      expect({ name, deployments: observed.deployments.length }).toEqual({ name, deployments: 1 });
    }
    for (const name of names) expect((await call('DELETE', `/deployments/${name}`)).status).toBe(200);
  });
});
