import { afterEach, describe, expect, it } from 'vitest';
import { agentConfig, parseSse, post, startAgent, type TestAgent } from './helpers.ts';

const fastRetries = {
  retryHooks: {
    now: Date.now,
    random: () => 0.5,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms / 20)),
  },
};

describe('upstream failures: retries within the budget, then a clear problem', () => {
  let agent: TestAgent;
  afterEach(() => agent.close());

  it('retries a 429 and a 500, then succeeds', async () => {
    agent = await startAgent(agentConfig(), fastRetries);
    agent.fake.script({ status: 429 }, { status: 500 });
    const res = await post(`${agent.url}/generate`, { prompt: 'third time lucky' });
    expect(res.status).toBe(200);
    expect((await res.json()).text).toBe('third time lucky');
    expect(agent.fake.requests).toHaveLength(3);
  });

  it('maps exhausted 5xx to 502 problem+json with the attempt count', async () => {
    agent = await startAgent(agentConfig(), fastRetries);
    agent.fake.script({ status: 500 }, { status: 502 }, { status: 503 });
    const res = await post(`${agent.url}/generate`, { prompt: 'x' });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = await res.json();
    expect(problem).toMatchObject({
      type: 'https://fleetplane.io/problems/upstream-error',
      title: 'Model provider error',
      status: 502,
      attempts: 3,
      upstreamStatus: 503,
    });
    expect(problem.detail).toMatch(/model provider answered 503: .* \(after 3 attempts\)$/);
  });

  it('maps exhausted 429 to 503 with Retry-After from the provider', async () => {
    agent = await startAgent(
      agentConfig({ limits: { ...agentConfig().limits, maxRetries: 0 } }),
      fastRetries,
    );
    agent.fake.script({ status: 429, headers: { 'retry-after': '7' } });
    const res = await post(`${agent.url}/generate`, { prompt: 'x' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
    expect((await res.json()).type).toBe('https://fleetplane.io/problems/upstream-rate-limited');
  });

  it('does not retry when the provider Retry-After exceeds the budget', async () => {
    agent = await startAgent(agentConfig(), fastRetries);
    agent.fake.script({ status: 429, headers: { 'retry-after': '60' } });
    const res = await post(`${agent.url}/generate`, { prompt: 'x' });
    expect(res.status).toBe(503);
    expect(agent.fake.requests).toHaveLength(1);
  });

  it('gives a hung provider a share of the budget per attempt, then answers 504', async () => {
    const limits = { ...agentConfig().limits, requestTimeoutMs: 1_500, maxRetries: 2 };
    agent = await startAgent(agentConfig({ limits }), fastRetries);
    agent.fake.script({ hang: true }, { hang: true }, { hang: true });
    const started = Date.now();
    const res = await post(`${agent.url}/generate`, { prompt: 'x' });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ title: 'Model provider timeout', attempts: 3 });
    expect(agent.fake.requests).toHaveLength(3);
    expect(elapsed).toBeGreaterThanOrEqual(1_400);
    expect(elapsed).toBeLessThan(2_500);
    await expect.poll(() => agent.fake.requests.every((r) => r.aborted)).toBe(true);
  });

  it('recovers when only the first attempt hangs', async () => {
    const limits = { ...agentConfig().limits, requestTimeoutMs: 900, maxRetries: 2 };
    agent = await startAgent(agentConfig({ limits }), fastRetries);
    agent.fake.script({ hang: true });
    const res = await post(`${agent.url}/generate`, { prompt: 'after the hang' });
    expect(res.status).toBe(200);
    expect((await res.json()).text).toBe('after the hang');
  });

  it('never retries a provider rejection (4xx) and says so', async () => {
    agent = await startAgent(agentConfig(), fastRetries);
    agent.fake.script({ status: 400, message: 'context length exceeded' });
    const res = await post(`${agent.url}/generate`, { prompt: 'x' });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({
      type: 'https://fleetplane.io/problems/upstream-rejected',
      detail: 'model provider answered 400: context length exceeded',
      upstreamStatus: 400,
    });
    expect(agent.fake.requests).toHaveLength(1);
  });

  it('maps an unreachable provider to 502', async () => {
    agent = await startAgent(agentConfig({ limits: { ...agentConfig().limits, maxRetries: 1 } }), {
      ...fastRetries,
    });
    const deadUrl = agent.fake.baseURL;
    await agent.fake.close();
    const { createOpenAiModel } = await import('../src/llm/openai-model.ts');
    await agent.shutdown();
    agent = await startAgent(agentConfig({ limits: { ...agentConfig().limits, maxRetries: 1 } }), {
      ...fastRetries,
      model: createOpenAiModel({ apiKey: 'k', baseURL: deadUrl }),
    });
    const res = await post(`${agent.url}/generate`, { prompt: 'x' });
    expect(res.status).toBe(502);
    expect((await res.json()).detail).toMatch(/^model provider unreachable/);
  });

  it('retries a stream until it opens; failures before the first token get a real status', async () => {
    agent = await startAgent(agentConfig(), fastRetries);
    agent.fake.script({ status: 500 });
    const ok = await post(`${agent.url}/generate`, { prompt: 'a b', stream: true });
    expect(ok.status).toBe(200);
    expect(parseSse(await ok.text()).events.at(-1)?.event).toBe('done');
    agent.fake.script({ status: 500 }, { status: 500 }, { status: 500 });
    const failed = await post(`${agent.url}/generate`, { prompt: 'a b', stream: true });
    expect(failed.status).toBe(502);
  });

  it('ends a stream that stalls after its first token with an error event', async () => {
    const limits = { ...agentConfig().limits, requestTimeoutMs: 300 };
    agent = await startAgent(agentConfig({ limits }), fastRetries);
    agent.fake.script({ chunkDelayMs: 500 });
    const res = await post(`${agent.url}/generate`, { prompt: 'slow words here', stream: true });
    const { events } = parseSse(await res.text());
    const last = events.at(-1);
    expect(last?.event).toBe('error');
    expect(JSON.parse(last!.data)).toMatchObject({ status: 504, detail: expect.stringMatching(/stalled/) });
  });
});
