/** The fake model server other suites (and the control plane's) depend on. */
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeLlm, splitWords, startFakeLlm } from '../../test/support/fake-llm.ts';

describe('fake OpenAI-compatible server', () => {
  let fake: FakeLlm;
  afterEach(() => fake.close());
  const chat = (body: object, headers: Record<string, string> = {}) =>
    fetch(`${fake.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const messages = [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'hello there' },
  ];

  it('echoes the last user message with word-count usage, and records the request', async () => {
    fake = await startFakeLlm();
    expect(fake.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const body = await (await chat({ model: 'm', messages })).json();
    expect(body.choices[0].message).toEqual({ role: 'assistant', content: 'hello there' });
    expect(body.usage).toEqual({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 });
    expect(fake.requests).toMatchObject([
      { method: 'POST', path: '/v1/chat/completions', body: { model: 'm' } },
    ]);
  });

  it('plays scripted steps in order, then echoes again', async () => {
    fake = await startFakeLlm();
    fake.script(
      { status: 429, headers: { 'retry-after': '2' } },
      { reply: 'scripted', finishReason: 'length' },
    );
    const limited = await chat({ messages });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect((await limited.json()).error.message).toBe('scripted status 429');
    expect((await (await chat({ messages })).json()).choices[0]).toMatchObject({
      message: { content: 'scripted' },
      finish_reason: 'length',
    });
    expect((await (await chat({ messages })).json()).choices[0].message.content).toBe('hello there');
  });

  it('streams chunks, usage on request, and [DONE]', async () => {
    fake = await startFakeLlm();
    const text = await (
      await chat({ messages, stream: true, stream_options: { include_usage: true } })
    ).text();
    const data = text
      .split('\n\n')
      .filter(Boolean)
      .map((b) => b.slice('data: '.length));
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('hello there');
    expect(chunks.at(-1).usage).toEqual({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 });
  });

  it('hangs until the client gives up, and marks the request aborted', async () => {
    fake = await startFakeLlm();
    const controller = new AbortController();
    fake.script({ hang: true });
    const pending = fetch(`${fake.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ messages }),
      signal: controller.signal,
    }).catch((e: Error) => e.name);
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toBe('AbortError');
    await expect.poll(() => fake.requests.at(-1)?.aborted).toBe(true);
  });

  it('requires the API key when given one, and lists models', async () => {
    fake = await startFakeLlm({ apiKey: 'sk-1', models: ['a', 'b'] });
    expect((await chat({ messages })).status).toBe(401);
    expect((await chat({ messages }, { authorization: 'Bearer sk-1' })).status).toBe(200);
    const models = await (
      await fetch(`${fake.baseURL}/models`, { headers: { authorization: 'Bearer sk-1' } })
    ).json();
    expect(models.data.map((m: { id: string }) => m.id)).toEqual(['a', 'b']);
  });

  it('splits replies into word pieces that join back', () => {
    expect(splitWords(' one  two three ')).toEqual([' one', '  two', ' three', ' ']);
    expect(splitWords('')).toEqual([]);
  });
});
