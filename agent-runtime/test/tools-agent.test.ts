/**
 * An agent that calls another agent (`agent` tool), both real agent servers on loopback: the
 * callee's answer is the tool result; the call carries the chain's depth, the caller's
 * remaining time, the request id and the caller's name; the callee's key comes from the
 * caller's own credential for that tool; at the last depth agent tools are not offered.
 */

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test/support/capture-server.ts';
import { agentConfig, post, startAgent, type TestAgent } from './helpers.ts';

const KEY = 'callee-key-0123456789';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('an agent tool', () => {
  let callee: TestAgent;
  let locked: TestAgent;
  let caller: TestAgent;
  let probe: CaptureServer;
  beforeAll(async () => {
    probe = await startCaptureServer(() => ({
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'probed' }),
    }));
    callee = await startAgent(agentConfig({ name: 'research-helper', basePath: '/research-helper' }));
    locked = await startAgent(
      agentConfig({ name: 'vault', basePath: '/vault', requireApiKey: true }),
      { apiKeyHashes: [sha256(KEY)] },
      { fake: callee.fake },
    );
    caller = await startAgent(
      agentConfig({
        name: 'support-bot',
        basePath: '/support-bot',
        tools: [
          {
            type: 'agent',
            name: 'research',
            description: 'Ask the research helper',
            agent: 'research-helper',
            url: callee.url,
          },
          {
            type: 'agent',
            name: 'vault',
            description: 'Ask the vault',
            agent: 'vault',
            url: locked.url,
            headers: [{ name: 'authorization', env: 'FLEETPLANE_TOOL_1_AUTHORIZATION', prefix: 'Bearer ' }],
          },
          {
            type: 'agent',
            name: 'vault_nokey',
            description: 'The vault, without a key',
            agent: 'vault',
            url: locked.url,
          },
          {
            type: 'agent',
            name: 'probe',
            description: 'A stand-in agent',
            agent: 'probe',
            url: `${probe.origin}/probe`,
          },
        ],
      }),
      { toolSecrets: (name) => (name === 'FLEETPLANE_TOOL_1_AUTHORIZATION' ? KEY : undefined) },
      { fake: callee.fake },
    );
  });
  afterAll(async () => {
    await caller?.close();
    await locked?.shutdown();
    await callee?.close();
    await probe?.close();
  });

  it('asks the other agent, whose answer is the tool result, passing depth, time left and request id', async () => {
    const res = await post(
      `${caller.url}/generate`,
      { prompt: 'research: what is a NetworkPolicy?' },
      { 'x-request-id': 'chain-1' },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      text: 'research: what is a NetworkPolicy?',
      tool_calls: [{ name: 'research', outcome: 'ok' }],
    });
    const asked = callee.fake.requests.find(
      (r) =>
        (r.body as { messages: { content: string }[] }).messages.at(-1)?.content ===
        'what is a NetworkPolicy?',
    );
    expect(asked).toBeDefined();
    const line = callee.logs
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'request' && l.requestId === 'chain-1');
    expect(line).toMatchObject({ agent: 'research-helper', path: '/research-helper/generate', status: 200 });
  });

  it('tells the callee the depth, the time left, the request id and who calls', async () => {
    const body = await (
      await post(
        `${caller.url}/generate`,
        { prompt: 'probe: hi' },
        { 'x-request-id': 'chain-2', 'x-fleetplane-agent-depth': '1' },
      )
    ).json();
    expect(body.text).toBe('probe: probed');
    const sent = probe.requests.at(-1);
    expect(sent).toMatchObject({ method: 'POST', url: '/probe/generate', body: '{"prompt":"hi"}' });
    expect(sent?.headers).toMatchObject({
      'x-fleetplane-agent-depth': '2',
      'x-request-id': 'chain-2',
      'x-fleetplane-caller': 'support-bot',
    });
    // At most the tool's timeout (15 s by default), never more than the caller's own budget.
    const left = Number(sent?.headers['x-fleetplane-deadline-ms']);
    expect(left).toBeGreaterThan(2_000);
    expect(left).toBeLessThanOrEqual(3_000);
    expect(sent?.headers.authorization).toBeUndefined();
  });

  it('sends the callee’s key from the caller’s own credential for that tool, and only to it', async () => {
    const body = await (await post(`${caller.url}/generate`, { prompt: 'vault: the code' })).json();
    expect(body).toMatchObject({ text: 'vault: the code', tool_calls: [{ name: 'vault', outcome: 'ok' }] });
    const refused = await (await post(`${caller.url}/generate`, { prompt: 'vault_nokey: the code' })).json();
    expect(refused.text).toMatch(/^vault_nokey: ERROR: the agent vault answered 401: /);
    expect(refused.tool_calls[0].outcome).toBe('error');
    // The research helper never saw the vault's key.
    expect(callee.fake.requests.every((r) => r.headers.authorization === 'Bearer sk-test')).toBe(true);
  });

  it('passes depth + 1 and offers no agent tools at depth 3', async () => {
    const deep = await (
      await post(`${caller.url}/generate`, { prompt: 'research: deep' }, { 'x-fleetplane-agent-depth': '3' })
    ).json();
    // Nothing offered, so the stand-in model simply echoes.
    expect(deep).toMatchObject({ text: 'research: deep', tool_calls: [] });
    expect((callee.fake.requests.at(-1)?.body as { tools?: unknown } | undefined)?.tools).toBeUndefined();
    const shallow = await (
      await post(
        `${caller.url}/generate`,
        { prompt: 'research: shallow' },
        { 'x-fleetplane-agent-depth': '2' },
      )
    ).json();
    expect(shallow.tool_calls).toEqual([expect.objectContaining({ name: 'research', outcome: 'ok' })]);
  });
});
