/**
 * A new user's first steps against the local server as a process: a taken port is one line
 * saying what to set, it warns at start-up when
 * local agents have no model to reach, `GET /` says what it is and where to go, the API's
 * description needs no token, and the statuses only the local server gives (403, 415, 401 with
 * a token configured) are the ones its OpenAPI document describes.
 */
import { createHash } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer, useLocalServer } from '../support/local-server.ts';
import { answerOf, contractChecker } from '../support/openapi-contract.ts';
import { waitFor } from '../support/wait.ts';

const TOKEN = 'first-steps-token-0123456789';
const contract = contractChecker();

const warnings = (server: LocalServer) =>
  server
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { level: string; message: string })
    .filter((line) => line.level === 'warn');

describe('the local server without a model endpoint, open on loopback', () => {
  const server = useLocalServer();

  it('warns at start-up that local agents cannot reach a model, and how to get one', async () => {
    const warning = await waitFor('the warning', async () =>
      warnings(server()).find((line) => line.message.startsWith('no model endpoint')),
    );
    expect(warning.message).toMatch(/OPENAI_BASE_URL nor OPENAI_API_KEY/);
    expect(warning.message).toMatch(/npm run model:echo/);
  });

  it('answers GET / with what it is, as JSON or as a page', async () => {
    const json = await answerOf(
      await fetch(`${server().base}/`, { headers: { accept: 'application/json' } }),
    );
    expect(json.body).toMatchObject({
      name: 'fleetplane',
      links: { docs: '/docs', openapi: '/openapi.json' },
    });
    expect(contract.problems('get', '/', json)).toEqual([]);
    const page = await fetch(`${server().base}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('href="docs"');
  });

  it('answers a known path asked with another method 405 with Allow, an unknown path 404', async () => {
    const cases: [string, string, string][] = [
      ['PUT', '/deployments', 'GET, HEAD'],
      ['GET', '/deploy', 'POST'],
      ['POST', '/deployments/some-agent', 'DELETE, GET, HEAD'],
      ['DELETE', '/deployments/some-agent/logs', 'GET, HEAD'],
      ['PATCH', '/gc', 'GET, HEAD, POST'],
      ['POST', '/health', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const answer = await fetch(`${server().base}${path}`, { method });
      expect({ method, path, status: answer.status, allow: answer.headers.get('allow') }).toEqual({
        method,
        path,
        status: 405,
        allow,
      });
      expect(await answer.json()).toMatchObject({
        type: 'https://fleetplane.io/problems/method-not-allowed',
        detail: `${path} does not answer ${method}; it answers ${allow}`,
      });
    }
    const unknown = await fetch(`${server().base}/nowhere`, { method: 'PUT' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('allow')).toBeNull();
  });

  it('answers a foreign Origin with the 403 and a text/plain write with the 415 the document describes', async () => {
    const forbidden = await answerOf(
      await fetch(`${server().base}/deployments`, { headers: { origin: 'https://evil.example' } }),
    );
    expect(forbidden.status).toBe(403);
    expect(contract.problems('get', '/deployments', forbidden)).toEqual([]);
    const notJson = await answerOf(
      await fetch(`${server().base}/deploy`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '{"name":"x"}',
      }),
    );
    expect(notJson.status).toBe(415);
    expect(contract.problems('post', '/deploy', notJson)).toEqual([]);
  });
});

describe('the local server on a port that is taken', () => {
  it('says so in one line naming PORT= and FLEETPLANE_URL=, and exits 1', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const server = await startLocalServer({ env: { PORT: String(port) }, waitHealthy: false });
    try {
      await waitFor('the server to exit', async () => server.root.exitCode !== null);
      expect(server.root.exitCode).toBe(1);
      expect(server.stderr()).toBe(
        `fleetplane: port ${port} on 127.0.0.1 is already in use (another npm start, or another program); start on another port with PORT=${port + 1} npm start, and point the CLI at it with FLEETPLANE_URL=http://127.0.0.1:${port + 1}\n`,
      );
      expect(server.stdout()).not.toContain('fleetplane listening');
    } finally {
      await server.kill();
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe('the local server with a model endpoint and a token', () => {
  const server = useLocalServer({
    env: {
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      FLEETPLANE_API_TOKEN_HASHES: createHash('sha256').update(TOKEN).digest('hex'),
    },
  });

  it('does not warn about the model', async () => {
    await waitFor('the start-up log', async () => server().stdout().includes('fleetplane listening'));
    expect(warnings(server()).map((line) => line.message)).toEqual([]);
  });

  it('serves /, /docs and /openapi.json without the token, and nothing else', async () => {
    for (const path of ['/', '/docs', '/openapi.json'])
      expect({ path, status: (await fetch(`${server().base}${path}`)).status }).toEqual({
        path,
        status: 200,
      });
    const document = await answerOf(await fetch(`${server().base}/openapi.json`));
    expect(contract.problems('get', '/openapi.json', document)).toEqual([]);
    for (const path of ['/templates', '/deployments']) {
      const refused = await answerOf(await fetch(`${server().base}${path}`));
      expect(refused.status).toBe(401);
      expect(contract.problems('get', path, refused)).toEqual([]);
    }
    const allowed = await fetch(`${server().base}/templates`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(allowed.status).toBe(200);
  });
});
