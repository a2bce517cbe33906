/**
 * The client library (functions/src/client) against the control plane wired to the real
 * environment: typed calls, waiting with one list per poll, errors as ApiError with the
 * problem's fields; and examples/deploy-and-wait.ts run as a program against the server.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  ApiError,
  createClient,
  type FleetplaneClient,
  waitForAgents,
} from '../../functions/src/client/index.ts';
import { startServer } from '../support/cli-process.ts';
import { environmentFor, harness, TEST_TOKEN } from '../support/control-plane-harness.ts';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;

/** A client whose requests go to the app in process, and the paths it asked for. */
function inProcess(token = TEST_TOKEN): { fleet: FleetplaneClient; calls: string[] } {
  const { app } = harness();
  const calls: string[] = [];
  const fetchThroughApp = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    calls.push(`${request.method} ${new URL(request.url).pathname}`);
    return app.fetch(request);
  }) as typeof fetch;
  return { fleet: createClient({ url: 'http://fleetplane.test', token, fetch: fetchThroughApp }), calls };
}

describe('createClient', () => {
  it('deploys a batch, waits with one list per poll, reads, rolls back and deletes', async () => {
    const { fleet, calls } = inProcess();
    const answer = await fleet.deploy({
      agents: [{ name: 'lib-a' }, { name: 'lib-b', scaling: { replicas: 2 } }],
    });
    expect(answer.failed).toEqual([]);
    expect(answer.results.map((r) => [r.name, r.outcome, r.generation])).toEqual([
      ['lib-a', 'created', 1],
      ['lib-b', 'created', 1],
    ]);

    calls.length = 0;
    const seen: string[] = [];
    const done = await waitForAgents(fleet, ['lib-a', 'lib-b'], {
      timeoutMs: 60_000,
      onProgress: ({ agents }) => seen.push(agents.map((a) => `${a.name}=${a.phase}`).join(',')),
    });
    expect(done).toMatchObject({ ok: true, timedOut: false });
    expect(done.agents.map((a) => [a.name, a.outcome, a.url])).toEqual([
      ['lib-a', 'ready', 'https://agents.test.local/lib-a/'],
      ['lib-b', 'ready', 'https://agents.test.local/lib-b/'],
    ]);
    expect(seen.at(-1)).toBe('lib-a=Running,lib-b=Running');
    expect(calls).toEqual(Array(done.polls).fill('GET /deployments'));

    expect((await fleet.get('lib-b')).replicas).toMatchObject({ desired: 2, ready: 2 });
    expect((await fleet.list()).map((d) => d.name)).toEqual(['lib-a', 'lib-b']);
    await fleet.deploy({ name: 'lib-a', instruction: 'Say less.' });
    const rolled = await fleet.rollback('lib-a', 1);
    expect(rolled).toMatchObject({ name: 'lib-a', generation: 3 });
    expect((await fleet.revisions('lib-a')).revisions.map((r) => r.generation)).toEqual([1, 2, 3]);
    expect((await fleet.templates()).map((t) => t.slug)).toContain('code-assistant');
    expect((await fleet.health()).status).toBe('ok');

    for (const name of ['lib-a', 'lib-b']) expect((await fleet.delete(name)).pending).toBe(false);
    const gone = await waitForAgents(fleet, ['lib-a', 'lib-b'], { until: 'deleted', timeoutMs: 60_000 });
    expect(gone.ok).toBe(true);
  });

  it('throws ApiError with the problem: 422 with field errors, 404, 401', async () => {
    const { fleet } = inProcess();
    const invalid = await fleet
      .deploy({ name: 'Not A Name', scaling: { replicas: 0 } })
      .catch((error) => error);
    expect(invalid).toBeInstanceOf(ApiError);
    expect(invalid.status).toBe(422);
    expect(invalid.fieldErrors.map((e: { path: string }) => e.path)).toEqual(['name', 'scaling.replicas']);
    const missing = await fleet.get('no-such-agent').catch((error) => error);
    expect([missing.status, missing.problem.detail]).toEqual([404, 'no agent named "no-such-agent"']);
    const refused = await inProcess('wrong-token')
      .fleet.list()
      .catch((error) => error);
    expect([refused.status, refused.problem.detail]).toEqual([401, 'the bearer token is not valid']);
  });
});

describe('examples/deploy-and-wait.ts', () => {
  it('deploys examples/deploy_multiple_agents.json and prints each URL once every agent runs', async () => {
    const server = await startServer(environmentFor());
    try {
      const { stdout } = await run(
        process.execPath,
        [`${root}examples/deploy-and-wait.ts`, 'examples/deploy_multiple_agents.json'],
        {
          cwd: root,
          env: { PATH: process.env.PATH, FLEETPLANE_URL: server.url, FLEETPLANE_TOKEN: TEST_TOKEN },
        },
      );
      for (const name of ['code-reviewer', 'support-bot', 'blog-writer', 'research-helper']) {
        expect(stdout).toContain(`${name}: created`);
        expect(stdout).toContain(`${name}: https://agents.test.local/${name}/`);
      }
      const fleet = createClient({ url: server.url, token: TEST_TOKEN });
      for (const { name } of await fleet.list()) await fleet.delete(name);
    } finally {
      await server.stop();
    }
  });
});
