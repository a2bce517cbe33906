/**
 * /v1/chat/completions of an agent with tools, through the official TypeScript and Python
 * `openai` SDKs: the agent runs its own tools and answers like any model (the SDKs see a
 * normal completion or stream); a client's own tools come back to the client as tool_calls
 * (the OpenAI protocol's loop); a client tool named like one of the agent's is a 422.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test/support/capture-server.ts';
import { agentConfig, post, startAgent, type TestAgent } from './helpers.ts';

const run = promisify(execFile);
const PYTHON_SCRIPT = new URL('../../test/python/openai_tools.py', import.meta.url).pathname;

const clock = {
  type: 'function' as const,
  function: {
    name: 'local_clock',
    description: "The time on the client's machine",
    parameters: { type: 'object', properties: { zone: { type: 'string' } } },
  },
};

describe('/v1/chat/completions of an agent with tools', () => {
  let api: CaptureServer;
  let agent: TestAgent;
  let client: OpenAI;
  beforeAll(async () => {
    api = await startCaptureServer((request) => ({
      body: `sunny in ${decodeURIComponent(request.url.slice(1))}`,
    }));
    agent = await startAgent(
      agentConfig({
        tools: [
          {
            type: 'http',
            name: 'weather',
            description: 'Weather',
            method: 'GET',
            url: `${api.origin}/{city}`,
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        ],
      }),
    );
    client = new OpenAI({ apiKey: 'unused', baseURL: `${agent.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await agent?.close();
    await api?.close();
  });

  it('runs the agent’s tools and answers as a normal completion (TypeScript SDK)', async () => {
    const completion = await client.chat.completions.create({
      model: 'any',
      messages: [{ role: 'user', content: 'weather city=Paris' }],
    });
    const choice = completion.choices[0];
    expect(choice?.message.content).toBe('weather: sunny in Paris');
    expect(choice?.message.tool_calls).toBeUndefined();
    expect(choice?.finish_reason).toBe('stop');
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    expect((completion as unknown as { fleetplane: object }).fleetplane).toMatchObject({
      stop_reason: 'answer',
      steps: 2,
      tool_calls: [{ name: 'weather', outcome: 'ok' }],
    });
  });

  it('streams the answer the SDK reassembles; tool calls show only as SSE comments', async () => {
    const stream = await client.chat.completions.create({
      model: 'any',
      messages: [{ role: 'user', content: 'weather city=Rome' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      expect(chunk.choices[0]?.delta.tool_calls).toBeUndefined();
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('weather: sunny in Rome');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
    const raw = await (
      await post(`${agent.url}/v1/chat/completions`, {
        messages: [{ role: 'user', content: 'weather city=Oslo' }],
        stream: true,
      })
    ).text();
    expect(raw).toMatch(/^: tool_start \{"id":"[^"]+","name":"weather","step":1\}$/m);
    expect(raw).toMatch(/^: tool_end \{.*"outcome":"ok".*\}$/m);
    expect(raw.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('hands a client’s own tool back to the client, which runs it and gets the final answer', async () => {
    const before = api.requests.length;
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'local_clock zone=UTC and weather city=Nice' },
    ];
    const first = await client.chat.completions.create({ model: 'any', messages, tools: [clock] });
    const message = first.choices[0]?.message;
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    // Only the client's call comes back; the agent's own call of that reply was dropped, not run.
    expect(message?.tool_calls?.map((call) => call.type === 'function' && call.function.name)).toEqual([
      'local_clock',
    ]);
    expect(api.requests.length).toBe(before);
    const call = message?.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(JSON.parse(call.function.arguments)).toEqual({ zone: 'UTC' });
    messages.push(message as OpenAI.ChatCompletionMessageParam, {
      role: 'tool',
      tool_call_id: call.id,
      content: '12:00',
    });
    const second = await client.chat.completions.create({ model: 'any', messages, tools: [clock] });
    expect(second.choices[0]?.message.content).toBe('local_clock: 12:00');
  });

  it('streams a client tool call the SDK reassembles', async () => {
    const stream = await client.chat.completions.create({
      model: 'any',
      messages: [{ role: 'user', content: 'local_clock zone=CET' }],
      tools: [clock],
      stream: true,
    });
    const calls: Record<number, { name: string; arguments: string }> = {};
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        calls[delta.index] ??= { name: '', arguments: '' };
        const entry = calls[delta.index] as { name: string; arguments: string };
        entry.name += delta.function?.name ?? '';
        entry.arguments += delta.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('tool_calls');
    expect(Object.values(calls)).toEqual([{ name: 'local_clock', arguments: '{"zone":"CET"}' }]);
  });

  it('refuses a client tool named like one of the agent’s own with a 422', async () => {
    const clash = { ...clock, function: { ...clock.function, name: 'weather' } };
    const error = await client.chat.completions
      .create({ model: 'any', messages: [{ role: 'user', content: 'hi' }], tools: [clash] })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(422);
    expect((error as APIError).message).toMatch(
      /tools\[0\]\.function\.name: must differ from the agent's own tools/,
    );
  });

  it('works the same through the Python openai SDK', async () => {
    const python = await run('python3', [PYTHON_SCRIPT], {
      env: { ...process.env, OPENAI_BASE_URL: `${agent.url}/v1` },
      timeout: 60_000,
    }).catch((error: Error & { stderr?: string }) => {
      throw new Error(
        `the Python script failed (install its SDK with: pip install -r test/python/requirements.txt): ${error.stderr ?? error.message}`,
      );
    });
    expect(JSON.parse(python.stdout)).toEqual({
      plain: {
        content: 'weather: sunny in Lima',
        finish_reason: 'stop',
        tool_calls: null,
        stop_reason: 'answer',
      },
      stream: { content: 'weather: sunny in Quito', finish_reason: 'stop' },
      client_tool: {
        first_finish_reason: 'tool_calls',
        called: 'local_clock',
        arguments: { zone: 'UTC' },
        final: 'local_clock: 12:00 in UTC',
      },
    });
  });
});
