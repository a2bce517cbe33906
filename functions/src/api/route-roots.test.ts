/**
 * No agent may be named after a route the control plane mounts: on the local server it would
 * answer that route's requests (and receive the operator's token). The names come from the
 * mounted app itself, so a route added later is reserved without anyone keeping a list.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../../test/support/scratch.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import { RESERVED_AGENT_NAMES } from '../core/agent-config.ts';
import { agentPolicyOf } from '../core/agent-policy.ts';
import { checkDeployBody } from '../core/deploy-request.ts';
import { DEFAULT_PLATFORM } from '../core/platform.ts';
import { createFullApp } from '../full-app.ts';
import { silentLogger } from '../lib/logger.ts';
import { providersFromEnv } from '../wiring/providers.ts';
import { createApp } from './app.ts';
import { routeRootsOf } from './route-roots.ts';
import { deployRoutes } from './routes/deploy.ts';

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

async function fullApp() {
  const dir = await scratchDir('fp-roots-');
  const env = { FLEETPLANE_STORE: `file://${dir}` };
  const providers = providersFromEnv(env, {
    localTarget: async () => {
      throw new Error('no agent is run by this test');
    },
  });
  return createFullApp({ env, providers, log: silentLogger, openWhenUnconfigured: true });
}

const deploy = (app: { request: Hono['request'] }, body: unknown) =>
  app.request('/deploy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('reserved agent names come from the routes actually mounted', () => {
  it('reads the first segment of every route of the whole app', async () => {
    expect(routeRootsOf(await fullApp())).toEqual([
      'console',
      'deploy',
      'deployments',
      'docs',
      'gc',
      'health',
      'openapi.json',
      'templates',
      'whoami',
    ]);
  });

  it('keeps the offline list (console, validate, JSON Schema) a superset of the mounted roots', async () => {
    const roots = routeRootsOf(await fullApp()).filter((root) => DNS_LABEL.test(root));
    expect(roots.filter((root) => !RESERVED_AGENT_NAMES.includes(root))).toEqual([]);
  });

  it('refuses an agent named gc, which the old list let shadow GET /gc on the local server', async () => {
    const response = await deploy(await fullApp(), { name: 'gc' });
    expect(response.status).toBe(422);
    const body = await response.json();
    expect(body.errors).toEqual([
      {
        path: 'name',
        rule: 'reserved',
        message: expect.stringMatching(
          /^must not be one of the control plane's own routes \(.*gc.*\).*\(got "gc"\)$/,
        ),
      },
    ]);
  });

  it('refuses the name of a route mounted tomorrow, without anyone adding it to a list', async () => {
    let reached = 0;
    const controlPlane = async (): Promise<ControlPlane> => {
      reached++;
      throw new Error('validation passed: the control plane was asked');
    };
    const app = createApp({
      auth: { tokens: [], openWhenUnconfigured: true },
      log: silentLogger,
      routes: [
        deployRoutes(controlPlane, () => ({ localAgents: true, policy: agentPolicyOf(DEFAULT_PLATFORM) })),
        new Hono().get('/frobnicate', (c) => c.text('a route of the future')),
      ],
    });
    // Mounted after the app was built, as a late route group would be.
    app.route(
      '/',
      new Hono().post('/webhooks/github', (c) => c.text('ok')),
    );
    expect(RESERVED_AGENT_NAMES).not.toContain('frobnicate');
    for (const name of ['frobnicate', 'webhooks']) {
      const response = await deploy(app, { name });
      expect(response.status, name).toBe(422);
      const body = await response.json();
      expect(body.errors[0]).toMatchObject({ path: 'name', rule: 'reserved' });
      expect(body.errors[0].message).toContain(`(got "${name}")`);
    }
    expect(reached).toBe(0);
    // A name no route uses passes validation and goes on to the control plane.
    expect((await deploy(app, { name: 'frobnicator' })).status).toBe(500);
    expect(reached).toBe(1);
  });

  it('is a rule of the deploy body, per agent of a batch', () => {
    const checked = checkDeployBody(
      { agents: [{ name: 'fine' }, { name: 'metrics' }] },
      { localAgents: true, routeRoots: ['metrics'] },
    );
    expect(checked.ok && checked.agents.map((agent) => agent.ok)).toEqual([true, false]);
  });
});
