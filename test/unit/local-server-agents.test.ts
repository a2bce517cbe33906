/**
 * The local server's agents, as a process, bound beyond loopback with scoped tokens configured:
 * who may call an agent through the server (issue 18, finding 8: agents' paths used to be
 * forwarded without any token), and where a local agent's Secrets come from (they used to be
 * read from the server's own environment by name, so a config could ask for the server's
 * credentials). Every call goes through the server's real port; agents are real processes
 * behind it, in front of a stand-in model.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../support/fake-llm.ts';
import { commandOf, type LocalServer, startLocalServer } from '../support/local-server.ts';
import { waitFor } from '../support/wait.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const ADMIN = 'local-admin-token';
const VIEWER = 'local-viewer-token';
const AGENT_KEY = 'keyed-agent-own-key';
/** A credential of the server's own environment that no agent may ever read. */
const SERVER_SECRET = 'server-only-credential-0123456789';

let llm: FakeLlm;
let server: LocalServer;

beforeAll(async () => {
  llm = await startFakeLlm();
  server = await startLocalServer({
    env: {
      HOST: '0.0.0.0',
      FLEETPLANE_API_TOKEN_HASHES: `${sha256(ADMIN)},${sha256(VIEWER)}@viewer:keyed*`,
      OPENAI_BASE_URL: llm.baseURL,
      OPENAI_API_KEY: 'local-model-key',
      SERVER_ONLY_SECRET: SERVER_SECRET,
    },
  }).catch(async (error: unknown) => {
    await llm.close();
    throw error;
  });
}, 60_000);

afterAll(async () => {
  await server?.kill();
  await llm?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${server.base}${path}`, {
    ...init,
    headers: { ...bearer(ADMIN), 'content-type': 'application/json', ...init.headers },
  });
const deploy = async (config: object) => {
  const answer = await api('/deploy', { method: 'POST', body: JSON.stringify(config) });
  expect(answer.status, await answer.clone().text()).toBeLessThan(300);
};
const statusOf = async (name: string) => (await api(`/deployments/${name}`)).json();
const running = (name: string) =>
  waitFor(`${name} Running`, async () => (await statusOf(name)).phase === 'Running', 30_000, 100);
const generate = (agent: string, headers: Record<string, string> = {}) =>
  fetch(`${server.base}/${agent}/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ prompt: 'hello there' }),
  });

describe("agents' paths need a token too when the server does", () => {
  it("refuses a call without the server's token before it reaches the agent or the model, and forwards one with it", async () => {
    await deploy({ name: 'plain' });
    await running('plain');
    const modelCalls = llm.requests.length;

    const anonymous = await generate('plain');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="fleetplane"');
    expect((await anonymous.json()).detail).toMatch(
      /^agent "plain" answers here only with this server's token/,
    );
    expect((await generate('plain', bearer('not-a-token'))).status).toBe(401);
    expect(llm.requests.length).toBe(modelCalls);

    const allowed = await generate('plain', bearer(ADMIN));
    expect(allowed.status).toBe(200);
    expect(llm.requests.length).toBe(modelCalls + 1);
    // The model got the agent's key, never the server's token.
    expect(llm.requests.at(-1)?.headers.authorization).toBe('Bearer local-model-key');
  });

  it("refuses a token whose scope does not reach the agent's name (403 naming the scope)", async () => {
    const outside = await generate('plain', bearer(VIEWER));
    expect(outside.status).toBe(403);
    expect((await outside.json()).detail).toBe(
      'this token\'s scope is viewer:keyed* (read-only: list, status, config, revisions and logs of agents named keyed*), so it may not call "plain"',
    );
  });

  it('lets an agent with keys of its own answer to its key alone, never to the server token', async () => {
    const secrets = join(server.storeDir, 'local', 'secrets');
    await mkdir(secrets, { recursive: true });
    await writeFile(join(secrets, 'keyed.keys.json'), JSON.stringify({ hashes: sha256(AGENT_KEY) }));
    await deploy({ name: 'keyed', auth: { apiKeyHashes: { name: 'keyed.keys', key: 'hashes' } } });
    await running('keyed');

    expect((await generate('keyed', bearer(AGENT_KEY))).status).toBe(200);
    // The agent's own 401s (the agent checked): none sent, and the server's token, which it never sees.
    for (const headers of [{}, bearer(ADMIN), bearer(VIEWER)]) {
      const refused = await generate('keyed', headers);
      expect(refused.status).toBe(401);
      expect((await refused.json()).detail).not.toMatch(/this server's token/);
    }
  });

  it('guards every path of an agent, /health included (the server probes its processes directly)', async () => {
    expect((await fetch(`${server.base}/plain/health`)).status).toBe(401);
    expect((await fetch(`${server.base}/plain/health`, { headers: bearer(ADMIN) })).status).toBe(200);
  });
});

describe("a local agent's Secrets come from its secret files, never from the server's environment", () => {
  /** The environment of each process of the agent, as the kernel has it. */
  const agentEnvironments = () =>
    server
      .tree()
      .filter((pid) => commandOf(pid).includes('agent-runtime.mjs'))
      .map((pid) => readFileSync(`/proc/${pid}/environ`, 'utf8'));

  it('does not start an agent whose secretRef names a variable of the server (the old leak), and says what to write', {
    timeout: 60_000,
  }, async () => {
    const config = {
      name: 'leaky',
      env: [{ name: 'SERVER_ONLY_SECRET', secretRef: { name: 'leaky.creds', key: 'value' } }],
    };
    await deploy(config);
    const file = join(server.storeDir, 'local', 'secrets', 'leaky.creds.json');
    const status = await waitFor(
      'leaky to report its missing Secret',
      async () => {
        const current = await statusOf('leaky');
        return current.pods?.[0]?.reason === 'CreateContainerConfigError' && current;
      },
      30_000,
      100,
    );
    expect(status.phase).toBe('Degraded');
    expect(status.pods[0].message).toBe(
      `SERVER_ONLY_SECRET: secret "leaky.creds" not found: write its keys to ${file}, e.g. {"value": "..."}`,
    );
    for (const environment of agentEnvironments()) expect(environment).not.toContain(SERVER_SECRET);

    // Once the Secret is written where the message says, the agent starts with its value at the
    // next status read (or sweep), with no deploy.
    await mkdir(join(server.storeDir, 'local', 'secrets'), { recursive: true });
    await writeFile(file, JSON.stringify({ value: 'the-agents-own-value' }));
    await running('leaky');
    const environments = agentEnvironments();
    expect(
      environments.some((environment) => environment.includes('SERVER_ONLY_SECRET=the-agents-own-value')),
    ).toBe(true);
    for (const environment of environments) expect(environment).not.toContain(SERVER_SECRET);
  });
});
