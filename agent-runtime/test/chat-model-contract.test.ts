/**
 * The ChatModel contract, checked on the official `openai` SDK adapter (what both the Node
 * entry and the workerd entry use) against an OpenAI-compatible server: answers, streams,
 * error classification, aborts, connection reuse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../test/support/fake-llm.ts';
import { type ChatModel, UpstreamError } from '../src/llm/model-port.ts';
import { createOpenAiModel } from '../src/llm/openai-model.ts';

const implementations: [string, (baseURL: string) => ChatModel][] = [
  ['openai SDK adapter', (baseURL) => createOpenAiModel({ apiKey: 'sk-c', baseURL })],
];
const params = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'alpha beta' }] };
const never = () => new AbortController().signal;

describe.each(implementations)('%s', (_name, make) => {
  let fake: FakeLlm;
  let model: ChatModel;
  beforeAll(async () => {
    fake = await startFakeLlm({ apiKey: 'sk-c' });
    model = make(fake.baseURL);
  });
  afterAll(() => fake.close());

  const failure = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => e,
    );

  it('completes, sending the key and the params', async () => {
    const completion = await model.complete({ ...params, temperature: 0.3 }, never());
    expect(completion.choices[0]?.message.content).toBe('alpha beta');
    expect(completion.usage?.completion_tokens).toBe(2);
    expect(fake.requests.at(-1)?.headers.authorization).toBe('Bearer sk-c');
    expect(fake.requests.at(-1)?.body).toMatchObject({ ...params, temperature: 0.3, stream: false });
  });

  it('streams chunks, usage included when asked', async () => {
    const chunks = [];
    for await (const c of await model.stream(
      { ...params, stream_options: { include_usage: true } },
      never(),
    )) {
      chunks.push(c);
    }
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('alpha beta');
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 });
  });

  it('reuses the keep-alive connection after a finished stream', async () => {
    for (let i = 0; i < 2; i++) {
      for await (const _ of await model.stream(params, never()));
      // The connection goes back to the pool once the response has ended, a tick later.
      await new Promise((r) => setTimeout(r, 20));
    }
    const [a, b] = fake.requests.slice(-2);
    expect(a?.remotePort).toBeDefined();
    expect(b?.remotePort).toBe(a?.remotePort);
  });

  it('classifies 429 with Retry-After, 5xx and other 4xx', async () => {
    fake.script(
      { status: 429, message: 'slow down', headers: { 'retry-after': '3' } },
      { status: 503 },
      { status: 404, message: 'no such model' },
    );
    const limited = await failure(model.complete(params, never()));
    expect(limited).toBeInstanceOf(UpstreamError);
    expect(limited).toMatchObject({
      kind: 'rate-limited',
      status: 429,
      retryAfterMs: 3000,
      message: 'model provider answered 429',
      detail: 'slow down',
    });
    expect(await failure(model.complete(params, never()))).toMatchObject({ kind: 'server', status: 503 });
    expect(await failure(model.stream(params, never()))).toMatchObject({
      kind: 'rejected',
      status: 404,
      message: 'model provider answered 404',
      detail: 'no such model',
    });
  });

  it('rejects with the abort reason when the signal fires', async () => {
    fake.script({ hang: true });
    const controller = new AbortController();
    const pending = failure(model.complete(params, controller.signal));
    setTimeout(() => controller.abort(new Error('our reason')), 50);
    expect(await pending).toMatchObject({ message: 'our reason' });
    await expect.poll(() => fake.requests.at(-1)?.aborted).toBe(true);
  });

  it('stops the upstream stream when the consumer stops early', async () => {
    fake.script({ chunkDelayMs: 30, chunks: Array.from({ length: 40 }, (_, i) => `t${i} `) });
    const stream = await model.stream(params, never());
    for await (const _ of stream) break;
    await expect.poll(() => fake.requests.at(-1)?.aborted).toBe(true);
  });

  it('reports an unreachable provider as a connection error', async () => {
    const gone = await startFakeLlm();
    const url = gone.baseURL;
    await gone.close();
    expect(await failure(make(url).complete(params, never()))).toMatchObject({ kind: 'connection' });
  });
});
