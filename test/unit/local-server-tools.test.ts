/**
 * The README's quick start with tools, as a user runs it: the local server (`npm start`) as a
 * real process, the stand-in model with its demo tools (`npm run model:echo`), and
 * examples/agents_with_tools.json deployed through the API. The trip planner calls the HTTP
 * demo tool, the MCP demo server and another deployed agent (through the local server); the
 * stream shows each call; a URL whose host the model could choose is refused.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoTools, trainsBetween, weatherOf } from '../support/demo-tools.ts';
import { type FakeLlm, startFakeLlm } from '../support/fake-llm.ts';
import { type LocalServer, startLocalServer } from '../support/local-server.ts';
import { waitFor } from '../support/wait.ts';

const EXAMPLE = new URL('../../examples/agents_with_tools.json', import.meta.url);
let model: FakeLlm;
let local: LocalServer;

const generate = (agent: string, body: object) =>
  fetch(`${local.base}/${agent}/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  model = await startFakeLlm({ routes: demoTools });
  local = await startLocalServer({ env: { OPENAI_BASE_URL: model.baseURL, OPENAI_API_KEY: 'local' } });
}, 60_000);

afterAll(async () => {
  await local?.kill();
  await model?.close();
});

describe('the quick start with tools (npm start, examples/agents_with_tools.json)', () => {
  it('deploys both agents of the example', async () => {
    // The example names the stand-in model's default port; this test's model has its own.
    const text = (await readFile(EXAMPLE, 'utf8')).replaceAll(
      'http://127.0.0.1:11435',
      model.baseURL.replace(/\/v1$/, ''),
    );
    const deployed = await fetch(`${local.base}/deploy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: text,
    });
    expect(deployed.status).toBe(201);
    for (const name of ['research-helper', 'trip-planner'])
      await waitFor(`${name} Running`, async () => {
        const status = await (await fetch(`${local.base}/deployments/${name}`)).json();
        return status.phase === 'Running' && status;
      });
  });

  it('calls the HTTP tool and answers with its result', async () => {
    const body = await (await generate('trip-planner', { prompt: 'weather: Lisbon' })).json();
    expect(body).toMatchObject({
      text: `weather: ${JSON.stringify(weatherOf('Lisbon'))}`,
      stop_reason: 'answer',
      tool_calls: [{ name: 'weather', outcome: 'ok' }],
    });
  });

  it('calls the MCP server’s allowed tool', async () => {
    const body = await (
      await generate('trip-planner', { prompt: 'travel__find_trains from=Lisbon to=Porto' })
    ).json();
    expect(body.text).toBe(`travel__find_trains: ${trainsBetween('Lisbon', 'Porto')}`);
  });

  it('calls the other deployed agent through the local server, whose answer is the result', async () => {
    const before = model.requests.length;
    const body = await (
      await generate('trip-planner', { prompt: 'research: what is a NetworkPolicy?' })
    ).json();
    expect(body).toMatchObject({
      text: 'research: what is a NetworkPolicy?',
      tool_calls: [{ name: 'research', outcome: 'ok' }],
    });
    // The research helper's own model call: its instruction, the question as the prompt.
    const asked = model.requests
      .slice(before)
      .map((r) => r.body as { messages: { role: string; content: string }[] })
      .find((b) => b.messages.at(-1)?.content === 'what is a NetworkPolicy?');
    expect(asked?.messages[0]?.content).toMatch(/^You answer research questions briefly/);
    const logs = await (await fetch(`${local.base}/deployments/research-helper/logs?tail=50`)).json();
    expect(JSON.stringify(logs)).toContain('/research-helper/generate');
  });

  it('streams the tool calls before the answer’s tokens', async () => {
    const res = await generate('trip-planner', { prompt: 'weather: Porto', stream: true });
    const text = await res.text();
    const events = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(events.slice(0, 2)).toEqual(['tool_start', 'tool_end']);
    expect(events.at(-1)).toBe('done');
    expect(events.slice(2, -1).every((e) => e === 'token')).toBe(true);
  });

  it('refuses a tool whose URL lets the model choose the host: 422 naming the field and the rule', async () => {
    const res = await fetch(`${local.base}/deploy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'plain-http',
        tools: [{ type: 'http', name: 'x', url: 'https://{host}/x' }],
      }),
    });
    expect(res.status).toBe(422);
    const problem = await res.json();
    expect(problem.errors).toEqual([
      expect.objectContaining({
        path: 'tools[0].url',
        message: expect.stringMatching(/scheme, host or port/),
      }),
    ]);
  });
});
