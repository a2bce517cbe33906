/**
 * The local target's lifecycle, in process: LocalCluster driven with the objects the control
 * plane renders, racing itself the way concurrent requests and a shutdown do, with real
 * agent processes (the runtime bundle). What must hold: the processes this test process
 * has as children are exactly the replicas the last word asked for, never one more.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_PATH, bundleRuntime } from '../../agent-runtime/build.ts';
import { renderAgent } from '../../functions/src/core/agent-objects/render.ts';
import { validateAgentConfig } from '../../functions/src/core/agent-spec.ts';
import { refOf } from '../../functions/src/core/observed.ts';
import { DEFAULT_PLATFORM } from '../../functions/src/core/platform.ts';
import { LocalCluster } from '../../functions/src/local/local-cluster.ts';
import { type FakeLlm, startFakeLlm } from '../support/fake-llm.ts';
import { scratchDir } from '../support/scratch.ts';
import { waitFor } from '../support/wait.ts';

let llm: FakeLlm;
let cluster: LocalCluster | undefined;
let dataDir: string;

/** Our own children that run the runtime bundle (each test file runs in its own process). */
function agentChildren(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || Number(ppid) !== process.pid) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('agent-runtime.mjs')) found.push(pid);
    } catch {
      // gone while listing
    }
  }
  return found;
}

function objectsOf(config: Record<string, unknown>) {
  const result = validateAgentConfig({ name: 'lifecycle', ...config });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return renderAgent({
    spec: result.spec,
    image: 'unused',
    platform: DEFAULT_PLATFORM,
    generation: 1,
    specHash: 'test',
  });
}

/** What the cluster told the server's log. */
let logged: { level: string; message: string; fields: Record<string, unknown> }[] = [];

async function newCluster() {
  dataDir = await scratchDir('fleetplane-local-cluster-');
  logged = [];
  cluster = new LocalCluster({
    bundlePath: async () => BUNDLE_PATH,
    dataDir,
    env: { PATH: process.env.PATH, OPENAI_BASE_URL: llm.baseURL, OPENAI_API_KEY: 'k' },
    log: (level, message, fields = {}) => logged.push({ level, message, fields }),
  });
  return cluster;
}

const pods = async (local: LocalCluster) =>
  (await local.observe({ agent: 'lifecycle' })).pods.map((pod) => ({
    name: pod.metadata?.name,
    ready: pod.status?.containerStatuses?.[0]?.ready,
    restarts: pod.status?.containerStatuses?.[0]?.restartCount,
  }));

beforeAll(async () => {
  llm = await startFakeLlm();
  await bundleRuntime();
}, 60_000);

afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
  // Whatever a failed test left: no agent process may outlive it.
  for (const pid of agentChildren()) process.kill(pid, 'SIGKILL');
});

afterAll(async () => {
  await llm.close();
});

describe('the local target, one lifecycle per agent', () => {
  it('leaves exactly the last apply’s replicas when applies of one agent race', async () => {
    const local = await newCluster();
    const configs = [
      { temperature: 0.1, scaling: { replicas: 2 } },
      { temperature: 0.2, scaling: { replicas: 3 } },
      { temperature: 0.3, scaling: { replicas: 1 } },
      { temperature: 0.4, scaling: { autoscale: true, min_replicas: 2, max_replicas: 4 } },
    ];
    await Promise.all(configs.map((config) => local.apply(objectsOf(config))));
    expect(agentChildren()).toHaveLength(2);
    const ready = await waitFor('both ready', async () => {
      const now = await pods(local);
      return now.length === 2 && now.every((pod) => pod.ready) && now;
    });
    expect(ready.map((pod) => pod.restarts)).toEqual([0, 0]);
    const [deployment] = (await local.observe({ agent: 'lifecycle' })).deployments;
    expect(deployment?.spec?.replicas).toBe(2);
    expect(deployment?.status).toMatchObject({ replicas: 2, readyReplicas: 2, updatedReplicas: 2 });
  });

  it('starts nothing once stopped, even for an apply that was mid-start', async () => {
    const local = await newCluster();
    const applying = local.apply(objectsOf({ scaling: { replicas: 2 } }));
    const stopping = local.stopAll();
    await Promise.all([applying, stopping]);
    expect(agentChildren()).toEqual([]);
    await local.apply(objectsOf({ temperature: 0.5 }));
    expect(agentChildren()).toEqual([]);
  });

  it('ends on the last word when a delete races applies, and removes the agent’s directory', async () => {
    const local = await newCluster();
    const objects = objectsOf({ scaling: { replicas: 2 } });
    await local.apply(objects);
    const refs = objects.map((object) => refOf(object));
    await Promise.all([local.apply(objectsOf({ temperature: 0.9 })), local.delete(refs)]);
    expect(agentChildren()).toEqual([]);
    expect(readdirSync(join(dataDir, 'agents'))).toEqual([]);
    expect(local.portOf('lifecycle')).toBeUndefined();
    await Promise.all([local.delete(refs), local.apply(objectsOf({ temperature: 0.8 }))]);
    expect(agentChildren()).toHaveLength(1);
  });

  it('restarts a crashed replica and reports its restart, as a kubelet would', async () => {
    const local = await newCluster();
    await local.apply(objectsOf({ scaling: { replicas: 2 } }));
    await waitFor('both ready', async () => (await pods(local)).every((pod) => pod.ready));
    const [victim] = agentChildren();
    process.kill(victim as number, 'SIGKILL');
    const crashed = await waitFor('a restart', async () => {
      const now = await pods(local);
      return now.some((pod) => pod.restarts === 1) && now;
    });
    expect(crashed).toHaveLength(2);
    await waitFor('both ready again', async () => {
      const now = await pods(local);
      return now.every((pod) => pod.ready) && now.some((pod) => pod.restarts === 1);
    });
    expect(agentChildren()).toHaveLength(2);
    expect(agentChildren()).not.toContain(victim);
    // The server's log says which replica went, how, and when it comes back.
    expect(logged).toEqual([
      {
        level: 'warn',
        message: 'agent process exited; restarting it',
        fields: {
          agent: 'lifecycle',
          pod: expect.stringMatching(/^lifecycle-local-\d+$/),
          exitCode: null,
          signal: 'SIGKILL',
          restarts: 1,
          restartInMs: 1000,
        },
      },
    ]);
    // One that exits by itself (here: drained after SIGTERM) is told with its exit code.
    const [second] = agentChildren();
    process.kill(second as number, 'SIGTERM');
    const exited = await waitFor('the second exit in the log', async () => logged[1]);
    expect(exited.fields).toMatchObject({ exitCode: 0, signal: null });
  });
});
