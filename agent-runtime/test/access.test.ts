import { createHash } from 'node:crypto';
import OpenAI, { AuthenticationError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeConfig } from '../src/contract.ts';
import { agentConfig, post, startAgent, type TestAgent } from './helpers.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('per-agent API keys', () => {
  let agent: TestAgent;
  afterEach(() => agent.close());

  it('requires a bearer key on every route but health and readiness', async () => {
    agent = await startAgent(agentConfig({ requireApiKey: true }), {
      apiKeyHashes: [sha256('alpha'), sha256('beta')],
    });
    const missing = await post(`${agent.url}/generate`, { prompt: 'x' });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="agent"');
    expect((await missing.json()).detail).toMatch(/requires an API key/);
    expect(
      (await post(`${agent.url}/generate`, { prompt: 'x' }, { authorization: 'Bearer gamma' })).status,
    ).toBe(401);
    expect(
      (await post(`${agent.url}/generate`, { prompt: 'x' }, { authorization: 'Bearer beta' })).status,
    ).toBe(200);
    expect((await fetch(`${agent.url}/metrics`)).status).toBe(401);
    expect((await fetch(agent.url)).status).toBe(401);
    expect((await fetch(`${agent.url}/health`)).status).toBe(200);
    expect((await fetch(`${agent.url}/ready/`)).status).toBe(200);
  });

  it('works with the openai SDK apiKey option', async () => {
    agent = await startAgent(agentConfig({ requireApiKey: true }), { apiKeyHashes: [sha256('alpha')] });
    const good = new OpenAI({ apiKey: 'alpha', baseURL: `${agent.url}/v1`, maxRetries: 0 });
    const bad = new OpenAI({ apiKey: 'wrong', baseURL: `${agent.url}/v1`, maxRetries: 0 });
    const completion = await good.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'ok' }],
    });
    expect(completion.choices[0]?.message.content).toBe('ok');
    await expect(bad.models.list()).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('fails closed when the key is required but no hashes are configured', async () => {
    agent = await startAgent(agentConfig({ requireApiKey: true }));
    expect(
      (await post(`${agent.url}/generate`, { prompt: 'x' }, { authorization: 'Bearer any' })).status,
    ).toBe(401);
    expect(agent.logs.some((l) => l.includes('no key hashes were given'))).toBe(true);
  });
});

describe('rate limits and keys, in the right order', () => {
  let agent: TestAgent;
  afterEach(() => agent.close());

  const limits = (l: Partial<RuntimeConfig['limits']>) => ({ ...agentConfig().limits, ...l });
  const generate = (headers: Record<string, string> = {}) =>
    post(`${agent.url}/generate`, { prompt: 'x' }, headers);
  const statuses = async (n: number, headers: Record<string, string>) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await generate(headers)).status);
    return out;
  };

  it('answers 429 with Retry-After once an address spent its minute, per address', async () => {
    agent = await startAgent(
      agentConfig({ limits: limits({ rateLimitPerMinute: 3 }) }),
      {},
      { trustedProxies: '127.0.0.1' },
    );
    const from = (ip: string) => generate({ 'x-forwarded-for': ip });
    for (let i = 0; i < 3; i++) expect((await from('10.0.0.1')).status).toBe(200);
    const limited = await from('10.0.0.1');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('20');
    expect(await limited.json()).toMatchObject({
      type: 'https://fleetplane.io/problems/rate-limited',
      status: 429,
      limit: 3,
    });
    expect((await from('10.0.0.2')).status).toBe(200);
    expect((await fetch(`${agent.url}/health`, { headers: { 'x-forwarded-for': '10.0.0.1' } })).status).toBe(
      200,
    );
  });

  it('limits wrong-key guesses by address, even with the request rate limit off', async () => {
    agent = await startAgent(
      agentConfig({
        requireApiKey: true,
        limits: limits({ rateLimitPerMinute: 0, authFailuresPerMinute: 3 }),
      }),
      { apiKeyHashes: [sha256('alpha')] },
      { trustedProxies: '127.0.0.1' },
    );
    const guesser = { 'x-forwarded-for': '198.51.100.7' };
    expect(await statuses(3, { ...guesser, authorization: 'Bearer guess' })).toEqual([401, 401, 401]);
    const limited = await generate({ ...guesser, authorization: 'Bearer guess' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('20');
    expect((await limited.json()).detail).toBe(
      'too many requests without an accepted API key from this address (3 per minute); retry in 20s',
    );
    // Missing keys count as failures too.
    expect((await generate(guesser)).status).toBe(429);
    // Another address with the right key is not affected, and good keys spend no failures.
    const other = { 'x-forwarded-for': '198.51.100.8', authorization: 'Bearer alpha' };
    expect(await statuses(5, other)).toEqual([200, 200, 200, 200, 200]);
    expect(agent.fake.requests).toHaveLength(5);
  });

  // The attack on the old order (limit, then key): behind a load balancer or NAT every client
  // has one address, so ten wrong keys from anyone made every valid key get 429.
  it('never answers a valid key 429 for the wrong keys others sent from the same address', async () => {
    agent = await startAgent(
      agentConfig({
        requireApiKey: true,
        limits: limits({ rateLimitPerMinute: 0, authFailuresPerMinute: 10 }),
      }),
      { apiKeyHashes: [sha256('alpha'), sha256('beta')] },
      { trustedProxies: '127.0.0.1' },
    );
    const balancer = { 'x-forwarded-for': '10.244.0.9' };
    const wrong = await statuses(25, { ...balancer, authorization: 'Bearer wrong' });
    expect(wrong.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(wrong.slice(10)).toEqual(Array(15).fill(429));
    // The key holders behind the same address still get in, every time...
    expect(await statuses(3, { ...balancer, authorization: 'Bearer alpha' })).toEqual([200, 200, 200]);
    expect(await statuses(2, { ...balancer, authorization: 'Bearer beta' })).toEqual([200, 200]);
    // ...while wrong and missing keys from that address are still limited.
    expect((await generate({ ...balancer, authorization: 'Bearer wrong' })).status).toBe(429);
    expect((await generate(balancer)).status).toBe(429);
    expect(agent.fake.requests).toHaveLength(5);
  });

  it('limits good keys by key, so clients behind one address do not share a bucket', async () => {
    agent = await startAgent(
      agentConfig({ requireApiKey: true, limits: limits({ rateLimitPerMinute: 2 }) }),
      { apiKeyHashes: [sha256('alpha'), sha256('beta')] },
    );
    expect(await statuses(3, { authorization: 'Bearer alpha' })).toEqual([200, 200, 429]);
    expect(await statuses(3, { authorization: 'Bearer beta' })).toEqual([200, 200, 429]);
    // Failed attempts from the same address spend the failure budget, not the keys' buckets.
    expect(await statuses(2, { authorization: 'Bearer wrong' })).toEqual([401, 401]);
  });

  it('does not give a spoofed X-Forwarded-For a fresh bucket unless the peer is a trusted proxy', async () => {
    const config = agentConfig({ limits: limits({ rateLimitPerMinute: 2 }) });
    agent = await startAgent(config);
    const spoofed = await Promise.all(
      ['1.1.1.1', '2.2.2.2', '3.3.3.3'].map((ip) =>
        generate({ 'x-forwarded-for': ip }).then((r) => r.status),
      ),
    );
    expect(spoofed.sort()).toEqual([200, 200, 429]);
    await agent.close();

    // Behind a trusted proxy (here: the test itself, on loopback) the hop it adds counts...
    agent = await startAgent(config, {}, { trustedProxies: '127.0.0.0/8' });
    for (const ip of ['1.1.1.1', '2.2.2.2', '3.3.3.3'])
      expect((await generate({ 'x-forwarded-for': ip })).status).toBe(200);
    // ...but what the client wrote to the left of that hop does not.
    const behind = (made: string) => generate({ 'x-forwarded-for': `${made}, 203.0.113.9` });
    expect([
      (await behind('4.4.4.4')).status,
      (await behind('5.5.5.5')).status,
      (await behind('6.6.6.6')).status,
    ]).toEqual([200, 200, 429]);
  });
});

describe('metrics', () => {
  let agent: TestAgent;
  afterEach(() => agent.close());

  it('counts requests, latency, upstream errors and tokens in Prometheus text', async () => {
    agent = await startAgent(agentConfig(), {
      retryHooks: { now: Date.now, random: () => 0, sleep: async () => {} },
    });
    await post(`${agent.url}/generate`, { prompt: 'one two three' });
    agent.fake.script({ status: 500 });
    await post(`${agent.url}/generate`, { prompt: 'four' });
    await post(`${agent.url}/generate`, { prompt: 5 });
    await fetch(`${agent.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ messages: [{ role: 'user', content: 'five six' }], stream: true }),
    }).then((r) => r.text());
    const res = await fetch(`${agent.url}/metrics`);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    const value = (series: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${series} `))
          ?.split(' ')[1],
      );
    expect(value('fleetplane_agent_requests_total{route="/generate",method="POST",status="200"}')).toBe(2);
    expect(value('fleetplane_agent_requests_total{route="/generate",method="POST",status="422"}')).toBe(1);
    expect(
      value('fleetplane_agent_requests_total{route="/v1/chat/completions",method="POST",status="200"}'),
    ).toBe(1);
    expect(value('fleetplane_agent_request_duration_seconds_count{route="/generate"}')).toBe(3);
    expect(value('fleetplane_agent_request_duration_seconds_bucket{route="/generate",le="+Inf"}')).toBe(3);
    expect(value('fleetplane_agent_upstream_errors_total{kind="server"}')).toBe(1);
    expect(value('fleetplane_agent_upstream_retries_total')).toBe(1);
    // Prompt words: 5 of instruction + 3 + 5 + 1 + 5 + 2; completion: 3 + 1 + 2.
    expect(value('fleetplane_agent_prompt_tokens_total')).toBe(21);
    expect(value('fleetplane_agent_completion_tokens_total')).toBe(6);
    expect(text).toContain('# TYPE fleetplane_agent_request_duration_seconds histogram');
  });
});

describe("cross-origin calls (the platform's console)", () => {
  let agent: TestAgent;
  afterEach(() => agent.close());
  const consoleOrigin = 'https://console.example.com';

  it('answers the listed origin only, and a preflight without a key does not count as a failed key', async () => {
    agent = await startAgent(agentConfig({ requireApiKey: true }), {
      apiKeyHashes: [sha256('alpha')],
      corsOrigins: [consoleOrigin],
    });
    const preflight = (origin: string) =>
      fetch(`${agent.url}/generate`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const allowed = await preflight(consoleOrigin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(consoleOrigin);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    // Eleven preflights are no failed keys: the key still works afterwards.
    for (let i = 0; i < 11; i++) await preflight(consoleOrigin);
    const answer = await post(
      `${agent.url}/generate`,
      { prompt: 'x' },
      { authorization: 'Bearer alpha', origin: consoleOrigin },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe(consoleOrigin);
    expect(answer.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
  });

  it('sends no CORS headers at all when no origin is listed', async () => {
    agent = await startAgent(agentConfig({}), {});
    const answer = await post(`${agent.url}/generate`, { prompt: 'x' }, { origin: consoleOrigin });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });
});
