/**
 * `fleetplane` as a process against the control plane's server as a process, wired to the
 * real test environment (kube-apiserver with kwok nodes, MinIO): a batch deployed and watched
 * until every agent runs, an image kwok cannot pull, the API requests a wait costs (counted
 * in the server's request log), and the exit code when the store is down.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeHttp } from '../../functions/src/cluster/kube-http.ts';
import { startService, stopService } from '../env/control.ts';
import { testEnv } from '../env/inject.ts';
import {
  type CliRun,
  fleetplane,
  type RequestLine,
  type ServerProcess,
  startServer,
} from '../support/cli-process.ts';
import { environmentFor, harness, TEST_TOKEN } from '../support/control-plane-harness.ts';

const BATCH = ['code-reviewer', 'support-bot', 'blog-writer', 'research-helper'];
let server: ServerProcess;
let dir: string;

const explain = (run: CliRun) => `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
const cli = (target: ServerProcess, ...args: string[]) =>
  fleetplane(args, { FLEETPLANE_URL: target.url, FLEETPLANE_TOKEN: TEST_TOKEN });

/** The requests a server logged while `work` ran. */
async function counted<T>(
  target: ServerProcess,
  work: () => Promise<T>,
): Promise<{ result: T; requests: RequestLine[] }> {
  const before = target.requests().length;
  const result = await work();
  return { result, requests: target.requests().slice(before) };
}
const lists = (requests: RequestLine[]) =>
  requests.filter((r) => r.method === 'GET' && r.path === '/deployments');
const perAgent = (requests: RequestLine[]) =>
  requests.filter((r) => r.method === 'GET' && r.path.startsWith('/deployments/'));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetplane-cli-it-'));
  // Unschedulable agents ask for 64 CPUs: the platform's bounds must allow them to be asked for.
  server = await startServer(
    environmentFor({ FLEETPLANE_MAX_CPU_REQUEST: '64', FLEETPLANE_MAX_CPU_LIMIT: '128' }),
  );
}, 120_000);

afterAll(async () => {
  if (server) {
    const { stdout } = await cli(server, 'list', '-o', 'json');
    const names = (JSON.parse(stdout || '{"deployments":[]}').deployments as { name: string }[]).map(
      (d) => d.name,
    );
    await Promise.all(names.map((name) => cli(server, 'delete', name)));
    await server.stop();
  }
  await rm(dir, { recursive: true, force: true });
});

describe('fleetplane against the test environment', () => {
  it('deploy examples/deploy_multiple_agents.json --wait: every agent Running with its URL, one list per poll', async () => {
    const { result: run, requests } = await counted(server, () =>
      cli(
        server,
        'deploy',
        'examples/deploy_multiple_agents.json',
        '--wait',
        '--timeout',
        '2m',
        '-o',
        'json',
      ),
    );
    expect(run.code, explain(run)).toBe(0);
    const data = JSON.parse(run.stdout);
    expect(data.failed).toEqual([]);
    expect(
      data.deployments.map((d: { name: string; phase: string; url: string }) => [d.name, d.phase, d.url]),
    ).toEqual(BATCH.map((name) => [name, 'Running', `https://agents.test.local/${name}/`]));
    for (const name of BATCH)
      expect(run.stderr).toMatch(new RegExp(`^${name}: created \\(generation 1\\)$`, 'm'));
    expect(run.stderr).toMatch(/^\[\s*\d+:\d\d\] code-reviewer: Running 2\/2 ready$/m);
    // While waiting: one GET /deployments per poll for all four agents, never a GET per agent.
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(perAgent(requests)).toEqual([]);
    expect(lists(requests)).toHaveLength(data.wait.polls);
    console.log(
      `deploy --wait of 4 agents: ${lists(requests).length} list requests over ${(data.wait.elapsedMs / 1000).toFixed(1)} s, 0 per-agent requests`,
    );

    // Without -o, people get each agent's URL on stdout.
    const again = await cli(server, 'deploy', 'examples/deploy_multiple_agents.json', '--wait');
    expect(again.code, explain(again)).toBe(0);
    for (const name of BATCH)
      expect(again.stdout).toMatch(
        new RegExp(`^${name}\\s+Running\\s+https://agents\\.test\\.local/${name}/$`, 'm'),
      );
    expect(again.stderr).toMatch(/^support-bot: unchanged \(generation 1\)$/m);
  });

  it('the requests a wait makes do not grow with the number of agents (1 vs 4 unschedulable agents)', async () => {
    // 64 CPUs fit on no kwok node (32 each): the pods stay Pending, Unschedulable, for the whole wait.
    const batch = (count: number, prefix: string) => ({
      agents: Array.from({ length: count }, (_, i) => ({
        name: `${prefix}-${i}`,
        resources: { cpu: '64', memory: '256Mi' },
      })),
    });
    const waits: Record<number, { lists: number; perAgent: number; run: CliRun }> = {};
    for (const count of [1, 4]) {
      const file = join(dir, `unschedulable-${count}.json`);
      await writeFile(file, JSON.stringify(batch(count, `wait-count-${count}`)));
      const { result: run, requests } = await counted(server, () =>
        cli(server, 'deploy', file, '--wait', '--timeout', '7s'),
      );
      waits[count] = { lists: lists(requests).length, perAgent: perAgent(requests).length, run };
    }
    const one = waits[1] as (typeof waits)[number];
    const four = waits[4] as (typeof waits)[number];
    console.log(`7 s wait: 1 agent ${one.lists} list requests, 4 agents ${four.lists} list requests`);
    expect(four.lists).toBe(one.lists);
    // Polls at 0, 1, 2.5 and 4.75 s, and a last one at the deadline (7 s).
    expect(one.lists).toBe(5);
    expect(four.perAgent + one.perAgent).toBe(0);
    // A timeout says what each agent was still doing.
    expect(four.run.code, explain(four.run)).toBe(1);
    expect(four.run.stderr).toMatch(/^fleetplane: timed out after 0:0[78]; still waiting for:$/m);
    for (let i = 0; i < 4; i++)
      expect(four.run.stderr).toMatch(
        new RegExp(
          `^ {2}wait-count-4-${i}: rolling out 0/1 ready, Unschedulable \\(pod wait-count-4-${i}-\\S+: 0/2 nodes are available`,
          'm',
        ),
      );
  });

  it('a batch larger than one request goes in parts that fit DigitalOcean (50 agents, 720 KiB), every agent deployed once', async () => {
    const names = Array.from({ length: 51 }, (_, i) => `parts-${String(i).padStart(2, '0')}`);
    const file = join(dir, 'parts.json');
    await writeFile(file, JSON.stringify({ agents: names.map((name) => ({ name })) }));
    const { result: run, requests } = await counted(server, () => cli(server, 'deploy', file, '-o', 'json'));
    expect(run.code, explain(run)).toBe(0);
    expect(run.stderr).toMatch(
      /^sending 51 agents in 2 requests \(at most 50 agents and 720 KiB each, what DigitalOcean accepts\)$/m,
    );
    expect(requests.filter((r) => r.method === 'POST').map((r) => `${r.path} ${r.status}`)).toEqual([
      '/deploy 201',
      '/deploy 201',
    ]);
    const answer = JSON.parse(run.stdout) as {
      results: { name: string; outcome: string }[];
      failed: string[];
    };
    expect(answer.failed).toEqual([]);
    expect(answer.results.map((r) => [r.name, r.outcome])).toEqual(names.map((name) => [name, 'created']));
    await Promise.all(names.map((name) => cli(server, 'delete', name)));
  });

  it('a batch in parts is checked whole first: an invalid agent of a later part sends nothing, named by its place in the file', async () => {
    const agents: object[] = Array.from({ length: 55 }, (_, i) => ({ name: `unsent-${i}` }));
    agents[53] = { name: 'unsent-53', scaling: { replicas: 0 } };
    agents[54] = { name: 'unsent-1' };
    const file = join(dir, 'invalid-parts.json');
    await writeFile(file, JSON.stringify({ agents }));
    const { result: run, requests } = await counted(server, () => cli(server, 'deploy', file));
    expect(run.code, explain(run)).toBe(1);
    expect(run.stderr).toMatch(
      /^fleetplane: .*invalid-parts\.json is not a valid batch; nothing was sent:$/m,
    );
    expect(run.stderr).toMatch(/^agents\[53\]\.scaling\.replicas: must be at least 1 \(got 0\)$/m);
    expect(run.stderr).toMatch(
      /^agents\[54\]\.name: must be unique in one file \("unsent-1" is also agents\[1\]\)$/m,
    );
    expect(requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('gc is a dry run (GET /gc) unless --yes (POST /gc), and says when there is nothing of builds to collect', async () => {
    const { result: dry, requests } = await counted(server, () => cli(server, 'gc'));
    expect(dry.code, explain(dry)).toBe(0);
    expect(dry.stdout).toMatch(/^no builds to collect\nkept \(in use\): none\n/);
    expect(dry.stdout).toMatch(/^in-cluster builds are off here/m);
    const { result: yes, requests: deleting } = await counted(server, () =>
      cli(server, 'gc', '--yes', '-o', 'json'),
    );
    expect(yes.code, explain(yes)).toBe(0);
    expect(JSON.parse(yes.stdout)).toMatchObject({ dryRun: false, unreferenced: [] });
    expect(requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /gc 200']);
    expect(deleting.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST /gc 200']);
  });

  it("gc lists the Secrets of agents this store deleted with the operator's kubeconfig, and deletes them only with --yes --delete-secrets", async () => {
    const t = testEnv();
    const admin = (() => {
      const config = new KubeConfig();
      config.loadFromFile(t.kubeconfigPath);
      return new KubeHttp(config);
    })();
    const secrets = `/api/v1/namespaces/${t.namespace}/secrets`;
    const secret = (name: string, type = 'Opaque', data: Record<string, string> = { v: 'eA==' }) =>
      admin.json('POST', secrets, { body: { metadata: { name }, type, data } });
    const exists = (name: string) =>
      admin.json('GET', `${secrets}/${name}`).then(
        () => true,
        () => false,
      );
    const file = join(dir, 'gc-gone.json');
    await writeFile(file, JSON.stringify({ name: 'gc-gone' }));
    // Another store (another fleet) deletes an agent too: its Secrets are not this store's to list.
    const elsewhere = harness();
    expect((await elsewhere.call('POST', '/deploy', { name: 'gc-elsewhere' })).status).toBe(201);
    try {
      expect((await cli(server, 'deploy', file)).code).toBe(0);
      await secret('gc-gone.db');
      await secret('gc-gone.tls', 'kubernetes.io/tls', { 'tls.crt': '', 'tls.key': '' });
      await secret('gc-gone-other.db');
      await secret('gc-elsewhere.db');
      await sleep(1100); // creation times have a resolution of one second
      expect((await cli(server, 'delete', 'gc-gone', '--wait')).code).toBe(0);
      expect((await elsewhere.call('DELETE', '/deployments/gc-elsewhere')).status).toBe(200);
      await sleep(1100);
      await secret('gc-gone.new');

      const operator = {
        FLEETPLANE_URL: server.url,
        FLEETPLANE_TOKEN: TEST_TOKEN,
        KUBECONFIG: t.kubeconfigPath,
      };
      const dry = await fleetplane(['gc'], operator);
      expect(dry.code, explain(dry)).toBe(0);
      const rows = (run: CliRun) =>
        run.stdout
          .split('\n')
          .filter((line) => /^gc-/.test(line))
          .map((line) => line.replace(/\s+/g, ' '));
      expect(rows(dry)).toEqual([
        'gc-gone.db gc-gone would delete',
        expect.stringMatching(/^gc-gone\.new gc-gone kept: it was created after gc-gone was deleted/),
        'gc-gone.tls gc-gone kept: its type is kubernetes.io/tls, not Opaque',
      ]);
      expect(dry.stdout).toContain("'fleetplane gc --yes --delete-secrets' the Secrets too");

      // Without a kubeconfig the names are still said, and how to see more.
      const blind = await cli(server, 'gc');
      expect(blind.stdout).toMatch(
        /deleted agents whose Secrets may remain: (.*, )?gc-gone(, .*)?; set KUBECONFIG/,
      );

      // --yes alone deletes builds, never Secrets.
      const yes = await fleetplane(['gc', '--yes'], operator);
      expect(yes.code, explain(yes)).toBe(0);
      expect(yes.stdout).toContain("Secrets are deleted only with 'fleetplane gc --yes --delete-secrets'");
      expect(await exists('gc-gone.db')).toBe(true);

      const both = await fleetplane(['gc', '--yes', '--delete-secrets', '-o', 'json'], operator);
      expect(both.code, explain(both)).toBe(0);
      expect(JSON.parse(both.stdout).secrets).toEqual([
        { name: 'gc-gone.db', agent: 'gc-gone', action: 'delete', deleted: true },
        expect.objectContaining({ name: 'gc-gone.new', action: 'keep', deleted: false }),
        expect.objectContaining({ name: 'gc-gone.tls', action: 'keep', deleted: false }),
      ]);
      expect(await exists('gc-gone.db')).toBe(false);
      for (const kept of ['gc-gone.new', 'gc-gone.tls', 'gc-gone-other.db', 'gc-elsewhere.db'])
        expect({ kept, exists: await exists(kept) }).toEqual({ kept, exists: true });
    } finally {
      for (const name of ['gc-gone.db', 'gc-gone.tls', 'gc-gone-other.db', 'gc-elsewhere.db', 'gc-gone.new'])
        await admin.json('DELETE', `${secrets}/${name}`).catch(() => undefined);
    }
  });

  it('Ctrl-C ends a wait with exit 130 and says the deploy goes on', async () => {
    const file = join(dir, 'interrupted.json');
    await writeFile(
      file,
      JSON.stringify({ name: 'interrupted-wait', resources: { cpu: '64', memory: '256Mi' } }),
    );
    let interrupted = false;
    const run = await fleetplane(
      ['deploy', file, '--wait'],
      { FLEETPLANE_URL: server.url, FLEETPLANE_TOKEN: TEST_TOKEN },
      ({ stderr }, child) => {
        if (!interrupted && stderr.includes('interrupted-wait: rolling out')) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    );
    expect(run.code, explain(run)).toBe(130);
    expect(run.stderr).toMatch(
      /^fleetplane: interrupted; the deploy goes on at the control plane \(see 'fleetplane list'\)$/m,
    );
    expect(run.ms).toBeLessThan(5_000);
  });

  it('an image kwok cannot pull: deploy --wait exits 1 naming ImagePullBackOff', async () => {
    const pulling = await startServer(
      environmentFor({
        FLEETPLANE_RUNTIME_IMAGE: `${testEnv().registry}/fleetplane/agent-runtime:fail-pull`,
      }),
    );
    try {
      const file = join(dir, 'fail-pull.json');
      await writeFile(file, JSON.stringify({ name: 'cannot-pull', template: 'General Assistant' }));
      const run = await cli(pulling, 'deploy', file, '--wait', '--timeout', '2m');
      expect(run.code, explain(run)).toBe(1);
      expect(run.stderr).toMatch(/^fleetplane: 1 of 1 agents failed:$/m);
      expect(run.stderr).toMatch(
        /^ {2}cannot-pull: Degraded 0\/1 ready: ImagePullBackOff \(pod cannot-pull-\S+: .*\)$/m,
      );
      expect(run.stdout).toMatch(
        /^cannot-pull\s+Degraded \(failed\)\s+https:\/\/agents\.test\.local\/cannot-pull\/$/m,
      );
      const status = await cli(pulling, 'status', 'cannot-pull');
      expect(status.code).toBe(1);
      expect(status.stdout).toMatch(/^phase:\s+Degraded: ImagePullBackOff$/m);
    } finally {
      await cli(pulling, 'delete', 'cannot-pull');
      await pulling.stop();
    }
  });

  it.runIf(testEnv().local.s3)(
    'with the store down: deploy exits 3 after one POST (never retried); list retries as Retry-After says',
    async () => {
      await stopService('minio');
      try {
        const { result: deploy, requests: posted } = await counted(server, () =>
          cli(server, 'deploy', 'examples/single_agent.json', '--wait'),
        );
        expect(deploy.code, explain(deploy)).toBe(3);
        expect(deploy.stderr).toMatch(
          /^fleetplane: the control plane cannot do this now \(503 [^)]+\): .*; it asks to retry after \d+ s/m,
        );
        expect(posted.filter((r) => r.method === 'POST')).toHaveLength(1);

        const { result: list, requests: listed } = await counted(server, () => cli(server, 'list'));
        expect(list.code, explain(list)).toBe(3);
        // GET is idempotent: tried three times, waiting what Retry-After (5 s) asks in between.
        expect(lists(listed).map((r) => r.status)).toEqual([503, 503, 503]);
        const [first, , last] = lists(listed);
        expect(
          Date.parse((last as RequestLine).time) - Date.parse((first as RequestLine).time),
        ).toBeGreaterThanOrEqual(9_500);
      } finally {
        await startService('minio');
      }
    },
    90_000,
  );

  it.runIf(testEnv().local.s3)(
    'a wait outlives a store outage: it says so, polls as Retry-After asks, and carries on',
    async () => {
      const file = join(dir, 'outage.json');
      await writeFile(
        file,
        JSON.stringify({ name: 'outage-wait', resources: { cpu: '64', memory: '256Mi' } }),
      );
      let stopped: Promise<void> | undefined;
      const { result: run, requests } = await counted(server, () =>
        fleetplane(
          ['deploy', file, '--wait', '--timeout', '30s'],
          { FLEETPLANE_URL: server.url, FLEETPLANE_TOKEN: TEST_TOKEN },
          ({ stderr }) => {
            // Once the wait has shown the agent, take the store away for about 10 s.
            if (!stopped && stderr.includes('outage-wait: rolling out'))
              stopped = stopService('minio').then(async () => {
                await new Promise((resolve) => setTimeout(resolve, 10_000));
                await startService('minio');
              });
          },
        ),
      );
      await stopped;
      expect(run.code, explain(run)).toBe(1);
      expect(run.stderr).toMatch(
        /the control plane did not answer the poll \(503 A dependency is unavailable: .*\); retrying in 0:05$/m,
      );
      expect(run.stderr).toMatch(
        /^fleetplane: timed out after 0:3\d; still waiting for:\n {2}outage-wait: rolling out 0\/1 ready/m,
      );
      // Polls after a 503 wait at least the 5 s its Retry-After asked; the wait went on after the outage.
      const polls = lists(requests);
      const failed = polls.flatMap((poll, i) => (poll.status === 503 ? [i] : []));
      expect(failed.length).toBeGreaterThan(0);
      // The wait is the retry: each failed poll is one request (ky does not retry it as well), one notice.
      expect(run.stderr.match(/did not answer the poll/g)).toHaveLength(failed.length);
      for (const i of failed) {
        const next = polls[i + 1];
        if (next)
          expect(Date.parse(next.time) - Date.parse((polls[i] as RequestLine).time)).toBeGreaterThanOrEqual(
            4_500,
          );
      }
      expect(polls.at(-1)?.status).toBe(200);
      expect(perAgent(requests)).toEqual([]);
    },
    90_000,
  );
});
