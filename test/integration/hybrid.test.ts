import { describe, expect, it } from 'vitest';
import { BUNDLE_PATH, bundleRuntime } from '../../agent-runtime/build.ts';
import { LocalCluster } from '../../functions/src/local/local-cluster.ts';
import { adminCluster, harness, waitFor } from '../support/control-plane-harness.ts';
import { scratchDir } from '../support/scratch.ts';

describe('cloud: local beside a cluster', () => {
  it('runs one agent locally and one in the cluster, under one API', async () => {
    await bundleRuntime();
    const local = new LocalCluster({
      bundlePath: async () => BUNDLE_PATH,
      dataDir: await scratchDir('fleetplane-hybrid-'),
      env: { PATH: process.env.PATH },
    });
    const { call } = harness({}, { localTarget: async () => local });
    try {
      expect(
        (
          await call('POST', '/deploy', {
            agents: [{ name: 'hybrid-local', cloud: 'local' }, { name: 'hybrid-remote' }],
          })
        ).status,
      ).toBe(201);
      const both = await waitFor('both Running', async () => {
        const { json } = await call('GET', '/deployments');
        const find = (name: string) => json.deployments.find((d: { name: string }) => d.name === name);
        return (
          find('hybrid-local')?.phase === 'Running' && find('hybrid-remote')?.phase === 'Running' && json
        );
      });
      const byName = (name: string) => both.deployments.find((d: { name: string }) => d.name === name);
      expect(byName('hybrid-local').pods[0].node).toBe('localhost');
      expect(byName('hybrid-remote').pods[0].node).toMatch(/^kwok-node-/);
      expect((await adminCluster().observe({ agent: 'hybrid-local' })).objects).toEqual([]);
      expect(local.portOf('hybrid-local')).toBeGreaterThan(0);

      expect((await call('DELETE', '/deployments/hybrid-local')).status).toBe(200);
      expect((await call('DELETE', '/deployments/hybrid-remote')).status).toBe(200);
      expect(local.portOf('hybrid-local')).toBeUndefined();
      expect((await adminCluster().observe({ agent: 'hybrid-remote' })).objects).toEqual([]);
    } finally {
      await local.stopAll();
    }
  });
});
