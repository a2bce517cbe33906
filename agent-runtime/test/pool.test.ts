/**
 * The pool over HTTP, in front of the fake model: several agents in one process, each with
 * the behaviour of a dedicated agent (the same createAgentApp), loaded and reloaded without a
 * restart; a broken config fails only its agent; an unknown name is a 404.
 */
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSse, post } from './helpers.ts';
import { pooledAgent, pooledConfig, startPool, type TestPool } from './pool-helpers.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const counter = (metrics: string, route: string) =>
  Number(
    new RegExp(
      `fleetplane_agent_requests_total\\{route="${route.replace('/', '\\/')}",method="POST",status="200"\\} (\\d+)`,
    ).exec(metrics)?.[1] ?? 0,
  );

describe('the pool', () => {
  let pool: TestPool;
  beforeAll(async () => {
    pool = await startPool([
      pooledAgent('alpha', { instruction: 'You are alpha.' }),
      pooledAgent('beta', { instruction: 'You are beta.', endpoints: ['generate'] }),
      pooledAgent('gamma', { instruction: 'You are gamma.' }),
    ]);
  });
  afterAll(() => pool.close());

  it('serves each agent under its own base path, with its own instruction', async () => {
    for (const name of ['alpha', 'beta', 'gamma']) {
      const res = await post(`${pool.url}/${name}/generate`, { prompt: `hello ${name}` });
      expect(res.status).toBe(200);
      expect((await res.json()).text).toBe(`hello ${name}`);
      expect(pool.fake.requests.at(-1)?.body).toMatchObject({
        messages: [
          { role: 'system', content: `You are ${name}.` },
          { role: 'user', content: `hello ${name}` },
        ],
      });
    }
    const about = await (await fetch(`${pool.url}/beta/`)).json();
    expect(about.name).toBe('beta');
    expect(about.endpoints.map((e: { path: string }) => e.path)).toEqual([
      '/beta/generate',
      '/beta/summarize',
      '/beta/translate/fr',
      '/beta/mcp',
      '/beta/.well-known/agent-card.json',
      '/beta/a2a',
    ]);
    // A pooled agent is an MCP server and an A2A agent like a dedicated one: the same app.
    const card = await (await fetch(`${pool.url}/beta/.well-known/agent-card.json`)).json();
    expect(card.name).toBe('beta');
    expect(card.skills.map((skill: { id: string }) => skill.id)).toContain('generate');
  });

  it('streams, runs custom endpoints, and speaks the OpenAI API through the official SDK', async () => {
    const streamed = await post(`${pool.url}/alpha/generate`, { prompt: 'one two three', stream: true });
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    const { events } = parseSse(await streamed.text());
    expect(
      events
        .filter((e) => e.event === 'token')
        .map((e) => JSON.parse(e.data).text)
        .join(''),
    ).toBe('one two three');
    expect(events.at(-1)?.event).toBe('done');

    const summary = await post(`${pool.url}/gamma/summarize`, { style: 'short', text: 'a b' });
    expect((await summary.json()).text).toBe('Summarize in short style: a b');

    const client = new OpenAI({ apiKey: 'unused', baseURL: `${pool.url}/gamma/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'x',
      messages: [{ role: 'user', content: 'ping' }],
    });
    expect(completion.choices[0]?.message.content).toBe('ping');
    // beta has the OpenAI-compatible API switched off, as a dedicated agent would.
    expect((await post(`${pool.url}/beta/v1/chat/completions`, { messages: [] })).status).toBe(404);
  });

  it('answers 404 naming an agent it does not serve, and serves its own probes and metrics', async () => {
    const unknown = await post(`${pool.url}/nobody/generate`, { prompt: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    expect((await unknown.json()).detail).toBe('no agent named "nobody" is deployed here');
    expect((await fetch(`${pool.url}/_pool/health`)).status).toBe(200);
    expect(await (await fetch(`${pool.url}/_pool/ready`)).json()).toMatchObject({ status: 'ready' });
    const metrics = await (await fetch(`${pool.url}/_pool/metrics`)).text();
    expect(metrics).toContain('fleetplane_pool_agents{state="serving"} 3');
    expect(metrics).toMatch(/fleetplane_pool_requests_unknown_agent_total [1-9]/);
  });

  it("keeps each agent's keys, rate limits, metrics and log lines its own", async () => {
    const key = 'k-0123456789abcdef';
    pool.load(pooledAgent('keyed', { requireApiKey: true, apiKeyHashes: [sha256(key)] }));
    pool.load(
      pooledAgent('limited', {
        limits: {
          maxBodyBytes: 16_384,
          maxPromptChars: 2_000,
          requestTimeoutMs: 3_000,
          maxRetries: 0,
          rateLimitPerMinute: 2,
        },
      }),
    );
    expect((await post(`${pool.url}/keyed/generate`, { prompt: 'x' })).status).toBe(401);
    expect(
      (await post(`${pool.url}/keyed/generate`, { prompt: 'x' }, { authorization: `Bearer ${key}` })).status,
    ).toBe(200);
    // The same key means nothing to another agent, which needs none.
    expect((await post(`${pool.url}/alpha/generate`, { prompt: 'x' })).status).toBe(200);

    expect((await post(`${pool.url}/limited/generate`, { prompt: 'x' })).status).toBe(200);
    expect((await post(`${pool.url}/limited/generate`, { prompt: 'x' })).status).toBe(200);
    expect((await post(`${pool.url}/limited/generate`, { prompt: 'x' })).status).toBe(429);
    expect((await post(`${pool.url}/alpha/generate`, { prompt: 'x' })).status).toBe(200);

    // Each agent's /metrics counts its own requests only.
    const keyed = await (
      await fetch(`${pool.url}/keyed/metrics`, { headers: { authorization: `Bearer ${key}` } })
    ).text();
    expect(counter(keyed, '/generate')).toBe(1);
    expect(keyed).toContain(
      'fleetplane_agent_requests_total{route="/generate",method="POST",status="401"} 1',
    );
    const lines = pool.logs.map((line) => JSON.parse(line)).filter((line) => line.msg === 'request');
    expect(
      lines.filter((line) => line.agent === 'limited' && line.path === '/limited/generate'),
    ).toHaveLength(3);
    expect(lines.filter((line) => !`${line.path}/`.startsWith(`/${line.agent}/`))).toEqual([]);
  });

  it('fails only the agent whose config cannot load, says why, and serves it once fixed', async () => {
    pool.runtime.pool.upsert({ name: 'broken', generation: 4, version: '40', configJson: '{"name":' });
    pool.load(pooledAgent('invalid', { temperature: 7 }), 2, '20');
    pool.load(pooledAgent('alpha', { instruction: 'You are alpha.' }));
    pool.runtime.pool.upsert({
      ...pooledConfig(pooledAgent('gamma')),
      name: 'impostor',
    });
    const { failed, serving } = pool.runtime.pool.report();
    expect(failed.broken).toMatchObject({ generation: 4, version: '40' });
    expect(failed.broken?.error).toMatch(/not valid JSON/);
    expect(failed.invalid?.error).toMatch(/temperature: must be at most 2/);
    expect(failed.impostor?.error).toBe(
      'the config is for agent "gamma" at "/gamma", not for "impostor" at "/impostor"',
    );
    expect(Object.keys(serving)).toEqual(expect.arrayContaining(['alpha', 'beta', 'gamma']));

    const down = await post(`${pool.url}/broken/generate`, { prompt: 'x' });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect((await post(`${pool.url}/alpha/generate`, { prompt: 'fine' })).status).toBe(200);

    pool.load(pooledAgent('broken'), 5, '50');
    expect(pool.runtime.pool.report().serving.broken).toEqual({ generation: 5, version: '50' });
    expect((await post(`${pool.url}/broken/generate`, { prompt: 'back' })).status).toBe(200);
  });

  it('reloads a changed config without a restart, and keeps the app when only the version moves', async () => {
    pool.load(pooledAgent('edited', { instruction: 'First.' }), 1, '100');
    await post(`${pool.url}/edited/generate`, { prompt: 'x' });
    expect(pool.fake.requests.at(-1)?.body).toMatchObject({ messages: [{ content: 'First.' }, {}] });
    pool.load(pooledAgent('edited', { instruction: 'Second.' }), 2, '101');
    await post(`${pool.url}/edited/generate`, { prompt: 'x' });
    expect(pool.fake.requests.at(-1)?.body).toMatchObject({ messages: [{ content: 'Second.' }, {}] });
    // The same text again under a new version (a label changed): same app, counters continue.
    pool.load(pooledAgent('edited', { instruction: 'Second.' }), 2, '102');
    await post(`${pool.url}/edited/generate`, { prompt: 'x' });
    expect(counter(await (await fetch(`${pool.url}/edited/metrics`)).text(), '/generate')).toBe(2);
    expect(pool.runtime.pool.report().serving.edited).toEqual({ generation: 2, version: '102' });

    pool.runtime.pool.remove('edited');
    expect((await post(`${pool.url}/edited/generate`, { prompt: 'x' })).status).toBe(404);
  });

  it('holds a slot for as long as a stream runs, and frees it when the client goes away', async () => {
    const single = await startPool([pooledAgent('streamer')], {
      fairness: { perAgent: 1, queuePerAgent: 4, total: 8 },
    });
    try {
      single.fake.script({ chunks: ['a ', 'b ', 'c ', 'd'], chunkDelayMs: 150 });
      const stream = await post(`${single.url}/streamer/generate`, { prompt: 'x', stream: true });
      const started = performance.now();
      const second = await post(`${single.url}/streamer/generate`, { prompt: 'y' });
      expect(second.status).toBe(200);
      // It waited for the stream's four chunks (about 600 ms), not just for its headers.
      expect(performance.now() - started).toBeGreaterThan(350);
      expect(await stream.text()).toContain('event: done');

      single.fake.script({ chunks: ['slow ', 'slow ', 'slow'], chunkDelayMs: 2_000 });
      const gone = new AbortController();
      const abandoned = await fetch(`${single.url}/streamer/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'z', stream: true }),
        signal: gone.signal,
      });
      expect(abandoned.status).toBe(200);
      gone.abort();
      const after = performance.now();
      expect((await post(`${single.url}/streamer/generate`, { prompt: 'next' })).status).toBe(200);
      expect(performance.now() - after).toBeLessThan(1_500);
      expect(single.runtime.scheduler.active).toBe(0);
    } finally {
      await single.close();
    }
  });

  it('gives a flooding agent its share and no more: 429s for it, a free slot for the others', async () => {
    const slow = await startPool([pooledAgent('flood'), pooledAgent('quiet')], {
      fairness: { perAgent: 2, queuePerAgent: 2, total: 8 },
    });
    try {
      // The flood's two running requests take 400 ms each; whatever comes later is answered at once.
      slow.fake.script({ delayMs: 400 }, { delayMs: 400 });
      const flood = Array.from({ length: 10 }, () => post(`${slow.url}/flood/generate`, { prompt: 'x' }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = performance.now();
      const quiet = await post(`${slow.url}/quiet/generate`, { prompt: 'y' });
      const quietMs = performance.now() - started;
      expect(quiet.status).toBe(200);
      // Served at once beside the flood's two running requests, not behind its queue (~800 ms).
      expect(quietMs).toBeLessThan(300);
      const statuses = (await Promise.all(flood)).map((res) => res.status).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429, 429, 429]);
    } finally {
      await slow.close();
    }
  });
});
