/**
 * Caps on what one call may cost (limits.maxTokensCap, limits.maxChoices) on every route
 * that reaches the model, and the per-agent switch of the OpenAI-compatible API.
 */
import OpenAI, { APIError, NotFoundError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentApp } from '../src/index.ts';
import { createOpenAiModel } from '../src/llm/openai-model.ts';
import { agentConfig, post, startAgent, type TestAgent } from './helpers.ts';

const capped = agentConfig({
  maxTokens: undefined,
  limits: { ...agentConfig().limits, maxTokensCap: 100, maxChoices: 2 },
  customEndpoints: [
    ...agentConfig().customEndpoints,
    {
      path: 'short',
      method: 'POST',
      description: '',
      prompt: 'Briefly: {{text}}',
      slots: ['text'],
      maxTokens: 40,
    },
  ],
});

describe('token and choice caps', () => {
  let agent: TestAgent;
  let client: OpenAI;
  beforeAll(async () => {
    agent = await startAgent(capped);
    client = new OpenAI({ apiKey: 'none', baseURL: `${agent.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => agent.close());
  const sent = () => agent.fake.requests.at(-1)?.body as Record<string, unknown>;

  it('refuses /generate max_tokens above the cap, naming path, rule and value', async () => {
    const before = agent.fake.requests.length;
    for (const stream of [false, true]) {
      const res = await post(`${agent.url}/generate`, { prompt: 'x', max_tokens: 101, stream });
      expect(res.status).toBe(422);
      expect((await res.json()).errors).toEqual([
        { path: 'max_tokens', rule: 'max', message: 'must be at most 100 (got number 101)' },
      ]);
    }
    expect(agent.fake.requests).toHaveLength(before);
    expect((await post(`${agent.url}/generate`, { prompt: 'x', max_tokens: 100 })).status).toBe(200);
    expect(sent().max_tokens).toBe(100);
  });

  it('sends the cap when neither the call nor the agent names max_tokens', async () => {
    await post(`${agent.url}/generate`, { prompt: 'x' });
    expect(sent().max_tokens).toBe(100);
    await fetch(`${agent.url}/translate/fr?text=bonjour`);
    expect(sent().max_tokens).toBe(100);
    await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(sent().max_tokens).toBe(100);
  });

  it("sends a custom endpoint's own max_tokens, and lets no caller raise it", async () => {
    expect((await post(`${agent.url}/short`, { text: 'a b' })).status).toBe(200);
    expect(sent().max_tokens).toBe(40);
    const res = await post(`${agent.url}/short`, { text: 'a b', max_tokens: 5000 });
    expect(res.status).toBe(422);
    expect((await res.json()).errors).toEqual([
      expect.objectContaining({ path: 'max_tokens', rule: 'unknown' }),
    ]);
  });

  it('refuses a custom endpoint whose configured max_tokens exceeds the cap', () => {
    const config = {
      ...capped,
      customEndpoints: [
        { path: 'long', method: 'POST' as const, description: '', prompt: 'p', slots: [], maxTokens: 101 },
      ],
    };
    expect(() =>
      createAgentApp(config, { model: createOpenAiModel({ apiKey: 'k', baseURL: 'http://127.0.0.1:9' }) }),
    ).toThrow(/must be at most limits\.maxTokensCap \(100\) \(got 101\)/);
  });

  it('refuses chat n, max_tokens and max_completion_tokens above the caps (openai SDK)', async () => {
    const before = agent.fake.requests.length;
    const messages = [{ role: 'user' as const, content: 'x' }];
    const refused = async (extra: Record<string, unknown>, stream = false) => {
      const err = await client.chat.completions
        .create({ model: 'm', messages, ...extra, stream } as never)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(APIError);
      expect((err as APIError).status).toBe(422);
      return (err as APIError).message;
    };
    expect(await refused({ n: 3 })).toContain('n: must be at most 2 (got number 3)');
    expect(await refused({ n: 3 }, true)).toContain('n: must be at most 2 (got number 3)');
    expect(await refused({ max_tokens: 101 })).toContain('max_tokens: must be at most 100 (got number 101)');
    expect(await refused({ max_completion_tokens: 1_000_000 }, true)).toContain(
      'max_completion_tokens: must be at most 100 (got number 1000000)',
    );
    expect(agent.fake.requests).toHaveLength(before);

    await client.chat.completions.create({ model: 'm', messages, n: 2, max_completion_tokens: 100 });
    expect(sent()).toMatchObject({ n: 2, max_completion_tokens: 100 });
    expect(sent().max_tokens).toBeUndefined();
  });

  it('answers the raw 422 in problem+json with the platform field-error shape', async () => {
    const res = await post(`${agent.url}/v1/chat/completions`, {
      messages: [{ role: 'user', content: 'x' }],
      n: 9,
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = await res.json();
    expect(body.errors).toEqual([{ path: 'n', rule: 'max', message: 'must be at most 2 (got number 9)' }]);
    expect(body.error).toMatchObject({ message: 'n: must be at most 2 (got number 9)', code: 422 });
  });
});

describe('OpenAI-compatible API switched off', () => {
  let agent: TestAgent;
  beforeAll(async () => {
    agent = await startAgent(agentConfig({ endpoints: ['generate'] }));
  });
  afterAll(() => agent.close());

  it('answers 404 on /v1/*, saying it is off, and still serves /generate', async () => {
    const client = new OpenAI({ apiKey: 'none', baseURL: `${agent.url}/v1`, maxRetries: 0 });
    const err = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as APIError).message).toContain('the OpenAI-compatible API is switched off for this agent');
    await expect(client.models.list()).rejects.toBeInstanceOf(NotFoundError);
    expect((await fetch(`${agent.url}/v1/anything/else`)).status).toBe(404);
    expect(agent.fake.requests).toHaveLength(0);

    expect((await post(`${agent.url}/generate`, { prompt: 'x' })).status).toBe(200);
    const about = await (await fetch(agent.url)).json();
    expect(about.endpoints.map((e: { path: string }) => e.path)).not.toContain(
      '/my-assistant/v1/chat/completions',
    );
  });
});
