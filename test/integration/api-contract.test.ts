/**
 * The OpenAPI document tells the truth: the whole app, in process, against the real test
 * environment, is driven through every route and every status it can be made to give here, and
 * each answer is checked against the document (the status is documented for that route, the
 * content type listed, the body matches that content's schema strictly: no undocumented field).
 *
 * Statuses need their causes: a closed port stands in for an unreachable store or cluster, an
 * unknown store scheme for a misconfigured control plane, a namespace that does not exist for a
 * cluster that refuses what it is sent, and a local agent beside such a cluster for a batch in
 * which some agents fail. 403, 413 over a socket and 415 are the local server's own:
 * test/unit/local-server-first-steps.test.ts and payload-too-large.test.ts check those.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_PATH, bundleRuntime } from '../../agent-runtime/build.ts';
import { LocalCluster } from '../../functions/src/local/local-cluster.ts';
import { testEnv } from '../env/inject.ts';
import { environmentFor, harness, sha256, TEST_TOKEN, waitFor } from '../support/control-plane-harness.ts';
import { freePort } from '../support/free-port.ts';
import { contractChecker } from '../support/openapi-contract.ts';
import { scratchDir } from '../support/scratch.ts';

const contract = contractChecker();
const failures: string[] = [];

type Call = ReturnType<typeof harness>['call'];

/** Calls a route and checks the answer against the document; returns the answer for more checks. */
async function checked(
  call: Call,
  method: string,
  route: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) {
  const answer = await call(method, path, body, headers);
  failures.push(...contract.problems(method, route, { ...answer, body: answer.json }));
  return answer;
}

/** A kubeconfig of the test cluster whose server is a port nobody listens on. */
async function unreachableKubeconfig(): Promise<string> {
  const closed = await freePort();
  const text = readFileSync(testEnv().kubeconfigPath, 'utf8').replace(
    /server: https:\/\/127\.0\.0\.1:\d+/,
    `server: https://127.0.0.1:${closed}`,
  );
  expect(text).toContain(`127.0.0.1:${closed}`);
  const file = join(await scratchDir('fleetplane-contract-'), 'unreachable.kubeconfig');
  await writeFile(file, text);
  return file;
}

describe('real answers match the OpenAPI document', () => {
  const { call, env } = harness();

  afterAll(() => {
    const documented = Object.entries(contract.document.paths).flatMap(([route, item]) =>
      Object.entries(item)
        .filter(([method]) => method !== 'parameters')
        .flatMap(([method, operation]) =>
          Object.keys(operation.responses).map((status) => `${method.toUpperCase()} ${route} ${status}`),
        ),
    );
    console.log(`checked against the document:\n  ${[...contract.checked].sort().join('\n  ')}`);
    console.log(
      `documented, not provoked here:\n  ${documented.filter((pair) => !contract.checked.has(pair)).join('\n  ')}`,
    );
  });

  it('public routes: /, /docs, /openapi.json, /health', async () => {
    const about = await checked(call, 'GET', '/', '/', undefined, {
      accept: 'application/json',
      authorization: '',
    });
    expect(about.status).toBe(200);
    expect((await checked(call, 'GET', '/', '/', undefined, { authorization: '' })).status).toBe(200);
    expect((await checked(call, 'GET', '/docs', '/docs', undefined, { authorization: '' })).status).toBe(200);
    const document = await checked(call, 'GET', '/openapi.json', '/openapi.json', undefined, {
      authorization: '',
    });
    expect(document.json.openapi).toBe('3.1.0');
    expect((await checked(call, 'GET', '/health', '/health', undefined, { authorization: '' })).status).toBe(
      200,
    );
    expect(failures).toEqual([]);
  });

  it('every guarded route without a token: 401', async () => {
    const anonymous = { authorization: '' };
    const routes: [string, string, string][] = [
      ['POST', '/deploy', '/deploy'],
      ['GET', '/deployments', '/deployments'],
      ['GET', '/deployments/{name}', '/deployments/contract-a'],
      ['DELETE', '/deployments/{name}', '/deployments/contract-a'],
      ['GET', '/deployments/{name}/revisions', '/deployments/contract-a/revisions'],
      ['POST', '/deployments/{name}/rollback', '/deployments/contract-a/rollback'],
      ['GET', '/deployments/{name}/logs', '/deployments/contract-a/logs'],
      ['GET', '/templates', '/templates'],
      ['GET', '/whoami', '/whoami'],
      ['GET', '/gc', '/gc'],
    ];
    for (const [method, route, path] of routes)
      expect(
        (await checked(call, method, route, path, method === 'POST' ? {} : undefined, anonymous)).status,
      ).toBe(401);
    expect(failures).toEqual([]);
  });

  it('POST /deploy: 201 and 200 for one agent and for a batch; 400, 413 and 422', async () => {
    expect((await checked(call, 'POST', '/deploy', '/deploy', { name: 'contract-a' })).status).toBe(201);
    expect((await checked(call, 'POST', '/deploy', '/deploy', { name: 'contract-a' })).status).toBe(200);
    const batch = { agents: [{ name: 'contract-b' }, { name: 'contract-c', template: 'Code Assistant' }] };
    const created = await checked(call, 'POST', '/deploy', '/deploy', batch);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      failed: [],
      results: [{ name: 'contract-b' }, { name: 'contract-c' }],
    });
    expect((await checked(call, 'POST', '/deploy', '/deploy', batch)).status).toBe(200);
    expect((await checked(call, 'POST', '/deploy', '/deploy', '{')).status).toBe(400);
    expect((await checked(call, 'POST', '/deploy', '/deploy', '')).status).toBe(400);
    const invalid = await checked(call, 'POST', '/deploy', '/deploy', {
      name: 'contract-x',
      logging: 'loud',
    });
    expect(invalid.status).toBe(422);
    expect(invalid.json.errors).toEqual([{ path: 'logging', message: expect.any(String), rule: 'enum' }]);
    const invalidBatch = await checked(call, 'POST', '/deploy', '/deploy', {
      agents: [{ name: 'contract-x' }, { name: 'X' }],
    });
    expect(invalidBatch.status).toBe(422);
    const big = await checked(call, 'POST', '/deploy', '/deploy', {
      name: 'contract-x',
      instruction: 'x'.repeat(1_100_000),
    });
    expect(big.status).toBe(413);
    expect(failures).toEqual([]);
  });

  it('GET /deployments and /deployments/{name}: 200 with real status, 400 for a bad name, 404', async () => {
    await waitFor(
      'contract-a Running',
      async () => (await call('GET', '/deployments/contract-a')).json.phase === 'Running',
    );
    const one = await checked(call, 'GET', '/deployments/{name}', '/deployments/contract-a');
    expect(one.json.pods?.length).toBeGreaterThan(0);
    expect((await checked(call, 'GET', '/deployments', '/deployments')).json.deployments.length).toBe(3);
    expect((await checked(call, 'GET', '/deployments/{name}', '/deployments/Bad_Name')).status).toBe(400);
    expect((await checked(call, 'GET', '/deployments/{name}', `/deployments/${'a'.repeat(41)}`)).status).toBe(
      400,
    );
    expect((await checked(call, 'GET', '/deployments/{name}', '/deployments/contract-none')).status).toBe(
      404,
    );
    expect(failures).toEqual([]);
  });

  it('revisions and rollback: 200, 400, 404 (also: only one generation), 409, 413', async () => {
    const route = '/deployments/{name}/rollback';
    const only = await checked(call, 'POST', route, '/deployments/contract-b/rollback');
    expect(only.status).toBe(404);
    expect(only.json.detail).toBe(
      'agent "contract-b" has only one generation; there is nothing to roll back to',
    );
    const zero = await checked(call, 'POST', route, '/deployments/contract-b/rollback', { generation: 0 });
    expect(zero.status).toBe(400);
    expect(zero.json.errors).toEqual([
      { path: 'generation', message: 'must be at least 1: generations count from 1 (got 0)', rule: 'min' },
    ]);
    expect(
      (await checked(call, 'POST', '/deploy', '/deploy', { name: 'contract-a', instruction: 'Be brief.' }))
        .status,
    ).toBe(200);
    const revisions = await checked(
      call,
      'GET',
      '/deployments/{name}/revisions',
      '/deployments/contract-a/revisions',
    );
    expect(revisions.json.current).toBe(2);
    expect(
      (await checked(call, 'POST', route, '/deployments/contract-a/rollback', { generation: 2 })).status,
    ).toBe(409);
    expect(
      (await checked(call, 'POST', route, '/deployments/contract-a/rollback', { generation: 99 })).status,
    ).toBe(404);
    expect(
      (await checked(call, 'POST', route, '/deployments/contract-a/rollback', { generation: 'x' })).status,
    ).toBe(400);
    expect(
      (await checked(call, 'POST', route, '/deployments/contract-a/rollback', 'x'.repeat(5000))).status,
    ).toBe(413);
    expect((await checked(call, 'POST', route, '/deployments/Bad/rollback')).status).toBe(400);
    expect((await checked(call, 'POST', route, '/deployments/contract-none/rollback')).status).toBe(404);
    const rolled = await checked(call, 'POST', route, '/deployments/contract-a/rollback');
    expect(rolled.status).toBe(200);
    expect(rolled.json).toMatchObject({ name: 'contract-a', generation: 3 });
    const revisionsRoute = '/deployments/{name}/revisions';
    expect((await checked(call, 'GET', revisionsRoute, '/deployments/Bad/revisions')).status).toBe(400);
    expect((await checked(call, 'GET', revisionsRoute, '/deployments/contract-none/revisions')).status).toBe(
      404,
    );
    expect(failures).toEqual([]);
  });

  it('logs: 200, 400 for tail=5001 and a bad name, 404', async () => {
    const route = '/deployments/{name}/logs';
    const logs = await checked(call, 'GET', route, '/deployments/contract-a/logs?tail=5');
    expect(logs.status).toBe(200);
    const tooMany = await checked(call, 'GET', route, '/deployments/contract-a/logs?tail=5001');
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.errors).toEqual([
      { path: 'tail', message: 'must be at most 5000 (got 5001)', rule: 'max' },
    ]);
    expect((await checked(call, 'GET', route, '/deployments/Bad/logs')).status).toBe(400);
    expect((await checked(call, 'GET', route, '/deployments/contract-none/logs')).status).toBe(404);
    expect(failures).toEqual([]);
  });

  it('templates: 200; DELETE: 200, 400, 404', async () => {
    expect((await checked(call, 'GET', '/templates', '/templates')).status).toBe(200);
    const route = '/deployments/{name}';
    expect((await checked(call, 'DELETE', route, '/deployments/Bad')).status).toBe(400);
    expect((await checked(call, 'DELETE', route, '/deployments/contract-none')).status).toBe(404);
    for (const name of ['contract-a', 'contract-b', 'contract-c'])
      expect((await checked(call, 'DELETE', route, `/deployments/${name}`)).status).toBe(200);
    expect(failures).toEqual([]);
    void env;
  });

  it('a token outside its scope: 403 on every route that acts on an agent or the fleet; /whoami says the scope', async () => {
    const viewer = 'contract-viewer-token';
    const { call: scoped } = harness({
      FLEETPLANE_API_TOKEN_HASHES: `${sha256(TEST_TOKEN)},${sha256(viewer)}@viewer:contract-v-*`,
    });
    const as = { authorization: `Bearer ${viewer}` };
    const routes: [string, string, string, unknown?][] = [
      ['POST', '/deploy', '/deploy', { name: 'contract-v-1' }],
      ['GET', '/deployments/{name}', '/deployments/contract-a'],
      ['DELETE', '/deployments/{name}', '/deployments/contract-v-1'],
      ['GET', '/deployments/{name}/config', '/deployments/contract-a/config'],
      ['GET', '/deployments/{name}/revisions', '/deployments/contract-a/revisions'],
      ['POST', '/deployments/{name}/rollback', '/deployments/contract-v-1/rollback', {}],
      ['GET', '/deployments/{name}/logs', '/deployments/contract-a/logs'],
      ['GET', '/gc', '/gc'],
      ['POST', '/gc', '/gc', {}],
    ];
    for (const [method, route, path, body] of routes) {
      const answer = await checked(scoped, method, route, path, body, as);
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 403 });
      expect(answer.json.detail).toMatch(/^this token's scope is viewer:contract-v-\* /);
    }
    const listed = await checked(scoped, 'GET', '/deployments', '/deployments', undefined, as);
    expect([listed.status, listed.json.deployments]).toEqual([200, []]);
    expect((await checked(scoped, 'GET', '/gc', '/gc')).status).toBe(200);
    const whoami = await checked(scoped, 'GET', '/whoami', '/whoami', undefined, as);
    expect(whoami.json).toMatchObject({ scope: 'viewer:contract-v-*', role: 'viewer', via: 'token' });
    expect(failures).toEqual([]);
  });

  it('an unreachable store: 503 with Retry-After, for one agent, a batch, a list; health 503', async () => {
    const closed = await freePort();
    const { call: down } = harness({ FLEETPLANE_S3_ENDPOINT: `http://127.0.0.1:${closed}` });
    const single = await checked(down, 'POST', '/deploy', '/deploy', { name: 'contract-d' });
    expect(single.status).toBe(503);
    const batch = await checked(down, 'POST', '/deploy', '/deploy', {
      agents: [{ name: 'contract-d' }, { name: 'contract-e' }],
    });
    expect(batch.status).toBe(503);
    expect(batch.json.failed).toEqual(['contract-d', 'contract-e']);
    expect((await checked(down, 'GET', '/deployments', '/deployments')).status).toBe(503);
    expect((await checked(down, 'GET', '/deployments/{name}', '/deployments/contract-d')).status).toBe(503);
    expect((await checked(down, 'GET', '/health', '/health', undefined, { authorization: '' })).status).toBe(
      503,
    );
    expect(failures).toEqual([]);
  });

  it('an unreachable cluster: a stored deploy answers 503, a delete 202', async () => {
    const store = environmentFor().FLEETPLANE_STORE as string;
    const { call: up } = harness({ FLEETPLANE_STORE: store });
    expect((await up('POST', '/deploy', { name: 'contract-f' })).status).toBe(201);
    const { call: down } = harness({ FLEETPLANE_STORE: store, KUBECONFIG: await unreachableKubeconfig() });
    const stored = await checked(down, 'POST', '/deploy', '/deploy', { name: 'contract-g' });
    expect(stored.status).toBe(503);
    expect(stored.json.detail).toMatch(/is stored, but applying it failed/);
    const pending = await checked(down, 'DELETE', '/deployments/{name}', '/deployments/contract-f');
    expect(pending.status).toBe(202);
    expect(pending.json).toMatchObject({ name: 'contract-f', pending: true });
    for (const name of ['contract-f', 'contract-g']) await up('DELETE', `/deployments/${name}`);
    expect(failures).toEqual([]);
  });

  it('a batch in which some agents fail: 207 (a local agent beside a cluster that refuses the other)', async () => {
    await bundleRuntime();
    const local = new LocalCluster({
      bundlePath: async () => BUNDLE_PATH,
      dataDir: await scratchDir('fleetplane-contract-local-'),
      env: { PATH: process.env.PATH },
    });
    try {
      // An image the admission policy does not admit: the cluster refuses the agent's Deployment.
      const { call: mixed } = harness(
        { FLEETPLANE_RUNTIME_IMAGE: 'registry.invalid/agent-runtime:refused' },
        { localTarget: async () => local },
      );
      const batch = { agents: [{ name: 'contract-l', cloud: 'local' }, { name: 'contract-r' }] };
      const answer = await checked(mixed, 'POST', '/deploy', '/deploy', batch);
      expect(answer.status).toBe(207);
      expect(answer.json.failed).toEqual(['contract-r']);
      expect((await mixed('DELETE', '/deployments/contract-r')).status).toBe(200);
    } finally {
      await local.stopAll();
    }
    expect(failures).toEqual([]);
  });

  it('a cluster that refuses what it is sent: 502; a misconfigured control plane: 500', async () => {
    const { call: refused } = harness({ FLEETPLANE_NAMESPACE: 'contract-no-such-namespace' });
    const answer = await checked(refused, 'POST', '/deploy', '/deploy', { name: 'contract-h' });
    expect(answer.status).toBe(502);
    const { call: misconfigured } = harness({ FLEETPLANE_STORE: 'ftp://nowhere/x' });
    const broken = await checked(misconfigured, 'GET', '/deployments', '/deployments');
    expect(broken.status).toBe(500);
    expect(broken.json.type).toBe('https://fleetplane.io/problems/misconfigured');
    expect(failures).toEqual([]);
  });

  it('concurrent deploys of one new agent: 201, 200 or 409, each as documented', async () => {
    const variants = Array.from({ length: 6 }, (_, i) => ({
      name: 'contract-racer',
      instruction: `Variant ${i}`,
    }));
    const answers = await Promise.all(
      variants.map((variant) => checked(call, 'POST', '/deploy', '/deploy', variant)),
    );
    expect(answers.map((answer) => answer.status).filter((status) => status === 201)).toHaveLength(1);
    expect(answers.every((answer) => [200, 201, 409].includes(answer.status))).toBe(true);
    await call('DELETE', '/deployments/contract-racer');
    expect(failures).toEqual([]);
  });

  it('covered every route and the statuses each can be made to give here', () => {
    const deployments = ['GET /deployments/{name}', 'DELETE /deployments/{name}'];
    const named = ['GET /deployments/{name}/revisions', 'GET /deployments/{name}/logs'];
    const expected = [
      ...['GET / 200', 'GET /docs 200', 'GET /openapi.json 200', 'GET /health 200', 'GET /health 503'],
      ...['GET /templates 200', 'GET /templates 401', 'GET /whoami 200', 'GET /whoami 401'],
      ...['GET /gc 200', 'GET /gc 401', 'GET /gc 403', 'POST /gc 403'],
      ...['200', '201', '207', '400', '401', '403', '413', '422', '502', '503'].map(
        (status) => `POST /deploy ${status}`,
      ),
      ...['200', '401', '500', '503'].map((status) => `GET /deployments ${status}`),
      ...[...deployments, ...named].flatMap((route) =>
        ['200', '400', '401', '403', '404'].map((status) => `${route} ${status}`),
      ),
      'GET /deployments/{name}/config 403',
      'GET /deployments/{name} 503',
      'DELETE /deployments/{name} 202',
      ...['200', '400', '401', '403', '404', '409', '413'].map(
        (status) => `POST /deployments/{name}/rollback ${status}`,
      ),
    ];
    expect(expected.filter((pair) => !contract.checked.has(pair))).toEqual([]);
  });
});
