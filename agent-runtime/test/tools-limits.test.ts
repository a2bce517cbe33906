/**
 * The documented ends of a run and the bounds on a tool, each shown against real servers:
 * `maxSteps` ends a run whose model keeps asking (stop_reason "max_steps"), a hanging tool
 * costs at most `timeoutMs` (outcome "timeout"), a huge result is cut to `maxResultBytes`
 * (and the rest never read), the run's deadline ends it (stop_reason "deadline"), a caller's
 * shorter wait shortens it, and the calls of one step run at the same time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test/support/capture-server.ts';
import type { RuntimeConfig } from '../src/index.ts';
import { agentConfig, parseSse, post, startAgent, type TestAgent } from './helpers.ts';

const HUGE = 'x'.repeat(200_000);

function toolsAgent(api: CaptureServer, overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  const tool = (name: string, path: string) => ({
    type: 'http' as const,
    name,
    description: name,
    method: 'GET' as const,
    url: `${api.origin}/${path}`,
    parameters: { type: 'object' as const, properties: {} },
  });
  return agentConfig({
    tools: [
      tool('fast', 'fast'),
      tool('hang', 'hang'),
      tool('huge', 'huge'),
      tool('slow_a', 'slow'),
      tool('slow_b', 'slow'),
    ],
    toolLimits: { maxSteps: 3, timeoutMs: 400, maxResultBytes: 1_000 },
    ...overrides,
  });
}

describe('the bounds of a run', () => {
  let api: CaptureServer;
  let agent: TestAgent;
  /** Slow requests being answered now, and the most at once. */
  const slow = { now: 0, most: 0 };
  beforeAll(async () => {
    api = await startCaptureServer(async (request) => {
      if (request.url === '/hang') return { hang: true };
      if (request.url === '/huge') return { body: HUGE };
      if (request.url === '/slow') {
        slow.most = Math.max(slow.most, ++slow.now);
        await new Promise((r) => setTimeout(r, 250));
        slow.now--;
      }
      return { body: 'ok' };
    });
    agent = await startAgent(toolsAgent(api));
  });
  afterAll(async () => {
    await agent?.close();
    await api?.close();
  });

  it('stops at maxSteps when the model keeps asking for tools, saying so', async () => {
    const ask = { toolCalls: [{ name: 'fast', arguments: {} }] };
    agent.fake.script(ask, ask, ask);
    const res = await post(`${agent.url}/generate`, { prompt: 'loop' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ stop_reason: 'max_steps', steps: 3, finish_reason: 'tool_calls', text: '' });
    // Three model calls; the third one's calls are not run.
    expect(body.tool_calls).toHaveLength(2);
  });

  it('ends a hanging tool at timeoutMs with a timeout result', async () => {
    const started = performance.now();
    const res = await post(`${agent.url}/generate`, { prompt: 'hang' });
    const elapsed = performance.now() - started;
    const body = await res.json();
    expect(body).toMatchObject({
      stop_reason: 'answer',
      text: 'hang: ERROR: the tool did not answer within 400 ms',
      tool_calls: [{ name: 'hang', outcome: 'timeout' }],
    });
    expect(body.tool_calls[0].duration_ms).toBeGreaterThanOrEqual(395);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('cuts a huge result to maxResultBytes and says so to the model, reading no more than that', async () => {
    const body = await (await post(`${agent.url}/generate`, { prompt: 'huge' })).json();
    expect(body.tool_calls).toEqual([
      expect.objectContaining({ name: 'huge', outcome: 'ok', bytes: 1_000, truncated: true }),
    ]);
    const toolMessage = (
      agent.fake.requests.at(-1)?.body as { messages: { content: string }[] } | undefined
    )?.messages.at(-1);
    expect(toolMessage?.content).toBe(
      `${'x'.repeat(1_000)}\n[fleetplane: the tool's output was cut at 1000 bytes]`,
    );
  });

  it('runs at most 16 calls of one step; the model reads why the others did not run', async () => {
    const before = api.requests.length;
    agent.fake.script({ toolCalls: Array.from({ length: 20 }, () => ({ name: 'fast', arguments: {} })) });
    const body = await (await post(`${agent.url}/generate`, { prompt: 'many' })).json();
    expect(api.requests.length - before).toBe(16);
    const outcomes = body.tool_calls.map((c: { outcome: string }) => c.outcome);
    expect(outcomes).toEqual([...Array(16).fill('ok'), ...Array(4).fill('error')]);
    expect(body.text.split('\n').at(-1)).toBe('fast: ERROR: not run: at most 16 tool calls per step');
  });

  it('runs the calls of one step at the same time', async () => {
    const body = await (await post(`${agent.url}/generate`, { prompt: 'slow_a and slow_b' })).json();
    expect(body.tool_calls.map((c: { name: string; outcome: string }) => [c.name, c.outcome])).toEqual([
      ['slow_a', 'ok'],
      ['slow_b', 'ok'],
    ]);
    // The tool's API had both requests in hand at once (each takes 250 ms to answer).
    expect(slow.most).toBe(2);
  });

  it('shortens the run to what a calling agent waits (x-fleetplane-deadline-ms)', async () => {
    const res = await post(
      `${agent.url}/generate`,
      { prompt: 'hang' },
      { 'x-fleetplane-deadline-ms': '150' },
    );
    const body = await res.json();
    expect(body).toMatchObject({ stop_reason: 'deadline', steps: 1, tool_calls: [{ outcome: 'timeout' }] });
    expect(body.tool_calls[0].duration_ms).toBeLessThan(400);
  });
});

describe('the deadline of a run', () => {
  let api: CaptureServer;
  let agent: TestAgent;
  beforeAll(async () => {
    api = await startCaptureServer(async () => {
      await new Promise((r) => setTimeout(r, 150));
      return { body: 'late' };
    });
    agent = await startAgent(
      toolsAgent(api, {
        limits: { ...agentConfig().limits, requestTimeoutMs: 1_000 },
        toolLimits: { maxSteps: 50, timeoutMs: 5_000, maxResultBytes: 1_000 },
      }),
    );
  });
  afterAll(async () => {
    await agent?.close();
    await api?.close();
  });

  it('ends the run at the deadline (requestTimeoutMs) with stop_reason "deadline", streamed as well', async () => {
    for (let i = 0; i < 30; i++) agent.fake.script({ toolCalls: [{ name: 'fast', arguments: {} }] });
    const started = performance.now();
    const res = await post(`${agent.url}/generate`, { prompt: 'x', stream: true });
    const { events } = parseSse(await res.text());
    const elapsed = performance.now() - started;
    const done = JSON.parse(events.at(-1)?.data ?? '{}');
    expect(events.at(-1)?.event).toBe('done');
    expect(done).toMatchObject({ stop_reason: 'deadline', finish_reason: 'tool_calls' });
    expect(done.steps).toBeGreaterThanOrEqual(3);
    expect(events.filter((e) => e.event === 'tool_end').length).toBe(done.steps);
    // About the deadline: the run's clock starts when the request arrives, and a loaded machine's
    // timers drift by tens of milliseconds (974 ms was seen once), so not to the millisecond.
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(2_500);
  });
});
