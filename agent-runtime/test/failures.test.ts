import OpenAI, { APIError } from 'openai';
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
      upstreamStatusClass: '5xx',
      detail:
        "the model provider failed (5xx, after 3 attempts); the agent's log has the provider's answer under this requestId",
    });
    expect(problem.requestId).toEqual(res.headers.get('x-request-id'));
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
      detail:
        "the model provider rejected the request (4xx); the agent's log has the provider's answer under this requestId",
      upstreamStatusClass: '4xx',
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
    const { detail } = await res.json();
    const host = new URL(deadUrl).host;
    expect(
      detail.startsWith(
        `the model provider at ${host} is unreachable (after 2 attempts); check OPENAI_BASE_URL`,
      ),
    ).toBe(true);
    expect(detail).toMatch(/FLEETPLANE_OPENAI_BASE_URL/);
    expect(detail).not.toContain(deadUrl);
  });

  it('with no model configured (no key, no base URL) fails at once, sends nothing, and names what to set', async () => {
    const { createOpenAiModel } = await import('../src/llm/openai-model.ts');
    const sent: string[] = [];
    // Real retries (no fast hooks): a call that were retried would take seconds, not milliseconds.
    agent = await startAgent(agentConfig(), {
      model: createOpenAiModel({
        apiKey: undefined,
        baseURL: undefined,
        fetch: async (input) => {
          sent.push(String(input));
          throw new Error('no call may leave an unconfigured agent');
        },
      }),
    });
    const started = performance.now();
    for (const stream of [false, true]) {
      const res = await post(`${agent.url}/generate`, { prompt: 'x', stream });
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({
        type: 'https://fleetplane.io/problems/upstream-unconfigured',
        title: 'No model configured',
        attempts: 1,
        detail: expect.stringMatching(
          /^no model is configured for this agent: neither OPENAI_API_KEY nor OPENAI_BASE_URL is set where it runs; set OPENAI_BASE_URL .* and OPENAI_API_KEY: for npm start in its environment/,
        ),
      });
    }
    const chat = await post(`${agent.url}/v1/chat/completions`, {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(chat.status).toBe(502);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(sent).toEqual([]);
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

describe('upstream error bodies are logged, never echoed', () => {
  const MARKER = 'internal-service-says-XYZZY-42';
  let agent: TestAgent;
  afterEach(() => agent.close());

  type Call = {
    name: string;
    call: () => Promise<{ status: number; text: string; requestId: string | null }>;
  };
  const raw = (res: Response) =>
    res.text().then((text) => ({ status: res.status, text, requestId: res.headers.get('x-request-id') }));

  it('keeps the body of an upstream 400 and 500 from the caller on every route, streaming or not', async () => {
    agent = await startAgent(
      agentConfig({ limits: { ...agentConfig().limits, maxRetries: 0 } }),
      fastRetries,
    );
    const client = new OpenAI({ apiKey: 'none', baseURL: `${agent.url}/v1`, maxRetries: 0 });
    const viaSdk = async (stream: boolean) => {
      const err = await (async () => {
        const res = await client.chat.completions.create({
          model: 'm',
          messages: [{ role: 'user', content: 'x' }],
          stream,
        });
        if (stream) for await (const _ of res as AsyncIterable<unknown>);
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(APIError);
      const e = err as APIError;
      return {
        status: e.status ?? 0,
        text: `${e.message} ${JSON.stringify(e.error)}`,
        requestId: e.requestID ?? null,
      };
    };
    const calls: Call[] = [
      { name: 'generate', call: () => post(`${agent.url}/generate`, { prompt: 'x' }).then(raw) },
      {
        name: 'generate stream',
        call: () => post(`${agent.url}/generate`, { prompt: 'x', stream: true }).then(raw),
      },
      {
        name: 'custom POST',
        call: () => post(`${agent.url}/summarize`, { style: 's', text: 't' }).then(raw),
      },
      {
        name: 'custom POST stream',
        call: () => post(`${agent.url}/summarize`, { style: 's', text: 't', stream: true }).then(raw),
      },
      { name: 'custom GET', call: () => fetch(`${agent.url}/translate/fr?text=t`).then(raw) },
      {
        name: 'chat raw',
        call: () =>
          post(`${agent.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'x' }] }).then(raw),
      },
      { name: 'chat SDK', call: () => viaSdk(false) },
      { name: 'chat SDK stream', call: () => viaSdk(true) },
    ];
    for (const status of [400, 500]) {
      for (const { name, call } of calls) {
        agent.fake.script({ status, message: `${MARKER} at http://10.0.0.5/admin` });
        const res = await call();
        expect(res.status, name).toBe(502);
        expect(res.text, name).not.toContain(MARKER);
        expect(res.text, name).not.toContain('10.0.0.5');
        expect(res.text, name).toContain(`${status / 100}xx`);
        // The log line for this request carries the upstream status and what it said.
        const logged = agent.logs
          .map((l) => JSON.parse(l))
          .find((l) => l.msg === 'model call failed' && l.requestId === res.requestId);
        expect(logged, name).toMatchObject({
          upstreamStatus: status,
          upstreamDetail: expect.stringContaining(MARKER),
        });
      }
    }
  });

  it('redacts the provider key from what it logs', async () => {
    agent = await startAgent(agentConfig(), fastRetries);
    agent.fake.script({ status: 401, message: 'Incorrect API key provided: sk-test. See Bearer sk-test' });
    const res = await post(`${agent.url}/generate`, { prompt: 'x' });
    expect(res.status).toBe(502);
    const logged = agent.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'model call failed');
    expect(logged).toMatchObject({
      upstreamStatus: 401,
      upstreamDetail: 'Incorrect API key provided: sk-[redacted]. See Bearer [redacted]',
    });
    expect(agent.logs.join('\n')).not.toContain('sk-test');
  });
});
