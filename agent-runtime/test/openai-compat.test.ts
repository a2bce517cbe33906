import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type TestAgent } from './helpers.ts';

describe('OpenAI-compatible surface, driven by the official openai SDK', () => {
  let agent: TestAgent;
  let client: OpenAI;
  beforeAll(async () => {
    agent = await startAgent();
    client = new OpenAI({ apiKey: 'not-needed', baseURL: `${agent.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => agent.close());

  it('answers chat completions with the agent instruction prepended', async () => {
    const completion = await client.chat.completions.create({
      model: 'anything',
      messages: [{ role: 'user', content: 'ping pong' }],
      top_p: 0.5,
    });
    expect(completion.choices[0]?.message.content).toBe('ping pong');
    expect(completion.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 2 });
    expect(agent.fake.requests.at(-1)?.body).toMatchObject({
      model: 'gpt-4o',
      top_p: 0.5,
      temperature: 0.7,
      max_tokens: 256,
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'ping pong' },
      ],
    });
  });

  it('streams chunks that the SDK reassembles, ending with [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'stream me please' }],
      stream: true,
    });
    let text = '';
    let sawUsage = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) sawUsage = true;
    }
    expect(text).toBe('stream me please');
    expect(sawUsage).toBe(false);
  });

  it('passes the usage chunk on when the client asks for it', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'count me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const usage = [];
    for await (const chunk of stream) if (chunk.usage) usage.push(chunk.usage);
    expect(usage).toEqual([{ prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 }]);
  });

  it('ends the raw stream with data: [DONE]', async () => {
    const res = await fetch(`${agent.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }], stream: true }),
    });
    expect((await res.text()).trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('lists the agent model', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['gpt-4o']);
  });

  it('surfaces problems as APIError with status and message', async () => {
    const err = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(422);
    expect((err as APIError).message).toContain('messages: must have at least 1 item (got 0)');
  });

  it('maps upstream exhaustion to 503 the SDK sees', async () => {
    agent.fake.script({ status: 429 }, { status: 429 }, { status: 429, headers: { 'retry-after': '0' } });
    const err = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect((err as APIError).status).toBe(503);
  });
});
