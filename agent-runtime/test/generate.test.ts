import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentConfig, parseSse, post, startAgent, type TestAgent } from './helpers.ts';

describe('agent runtime over HTTP, in front of the fake model', () => {
  let agent: TestAgent;
  beforeAll(async () => {
    agent = await startAgent();
  });
  afterAll(() => agent.close());

  it('describes itself at the base path, with and without a trailing slash', async () => {
    for (const url of [agent.url, `${agent.url}/`]) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toMatchObject({
        name: 'my-assistant',
        template: 'assistant',
        model: 'openai gpt-4o',
        version: '0.1.0',
      });
      expect(body.endpoints.map((e: { path: string }) => e.path)).toEqual([
        '/my-assistant/generate',
        '/my-assistant/summarize',
        '/my-assistant/translate/fr',
        '/my-assistant/v1/chat/completions',
        '/my-assistant/v1/models',
        '/my-assistant/mcp',
        '/my-assistant/.well-known/agent-card.json',
        '/my-assistant/a2a',
      ]);
      expect(body.endpoints.at(-3).description).toBe(
        'MCP server (Streamable HTTP, stateless); tools: generate, summarize, translate_fr',
      );
    }
  });

  it("lists each custom endpoint's slots, the inputs it requires", async () => {
    const body = await (await fetch(agent.url)).json();
    expect(body.endpoints).toEqual([
      { method: 'POST', path: '/my-assistant/generate', description: 'Generate text from a prompt' },
      {
        method: 'POST',
        path: '/my-assistant/summarize',
        description: 'Summarize a text',
        slots: ['style', 'text'],
      },
      { method: 'GET', path: '/my-assistant/translate/fr', description: 'To French', slots: ['text'] },
      {
        method: 'POST',
        path: '/my-assistant/v1/chat/completions',
        description: 'OpenAI-compatible chat completions',
      },
      { method: 'GET', path: '/my-assistant/v1/models', description: 'OpenAI-compatible model list' },
      {
        method: 'POST',
        path: '/my-assistant/mcp',
        description: 'MCP server (Streamable HTTP, stateless); tools: generate, summarize, translate_fr',
      },
      { method: 'GET', path: '/my-assistant/.well-known/agent-card.json', description: 'A2A agent card' },
      {
        method: 'POST',
        path: '/my-assistant/a2a',
        description:
          'A2A JSON-RPC: SendMessage, SendStreamingMessage (A2A 0.3: message/send, message/stream)',
      },
    ]);
  });

  it('answers a known path asked with another method 405, with Allow; an unknown path stays 404', async () => {
    const cases: [string, string, string][] = [
      ['DELETE', '/generate', 'POST'],
      ['GET', '/summarize', 'POST'],
      ['POST', '/translate/fr', 'GET, HEAD'],
      ['POST', '', 'GET, HEAD'],
      ['PUT', '/health', 'GET, HEAD'],
      ['GET', '/v1/chat/completions', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await fetch(`${agent.url}${path}`, { method });
      expect({ method, path, status: res.status, allow: res.headers.get('allow') }).toEqual({
        method,
        path,
        status: 405,
        allow,
      });
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect((await res.json()).detail).toBe(
        `/my-assistant${path} does not answer ${method}; it answers ${allow}`,
      );
    }
    const unknown = await fetch(`${agent.url}/nowhere`, { method: 'DELETE' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('allow')).toBeNull();
  });

  it('answers liveness and readiness', async () => {
    expect(await (await fetch(`${agent.url}/health`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${agent.url}/ready`)).status).toBe(200);
  });

  it('generates text with usage, sending the instruction as the system message', async () => {
    const res = await post(`${agent.url}/generate`, {
      prompt: 'hello there',
      temperature: 0.1,
      max_tokens: 9,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      text: 'hello there',
      finish_reason: 'stop',
      model: 'gpt-4o',
      usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 },
    });
    const sent = agent.fake.requests.at(-1);
    expect(sent?.headers.authorization).toBe('Bearer sk-test');
    expect(sent?.body).toMatchObject({
      model: 'gpt-4o',
      temperature: 0.1,
      max_tokens: 9,
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'hello there' },
      ],
    });
  });

  it('puts earlier messages before the prompt and uses the agent defaults', async () => {
    await post(`${agent.url}/generate`, {
      prompt: 'and now?',
      messages: [{ role: 'assistant', content: 'hi' }],
    });
    expect(agent.fake.requests.at(-1)?.body).toMatchObject({
      temperature: 0.7,
      max_tokens: 256,
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'assistant', content: 'hi' },
        { role: 'user', content: 'and now?' },
      ],
    });
  });

  it('streams tokens as SSE events and ends with done and usage', async () => {
    const res = await post(`${agent.url}/generate`, { prompt: 'one two three', stream: true });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { events } = parseSse(await res.text());
    expect(events.map((e) => e.event)).toEqual(['token', 'token', 'token', 'done']);
    expect(
      events
        .slice(0, 3)
        .map((e) => JSON.parse(e.data).text)
        .join(''),
    ).toBe('one two three');
    expect(JSON.parse(events[3]!.data)).toEqual({
      finish_reason: 'stop',
      usage: { prompt_tokens: 8, completion_tokens: 3, total_tokens: 11 },
    });
  });

  it('sends keep-alive comments while the model is slow', async () => {
    agent.fake.script({ chunkDelayMs: 80 });
    const res = await post(`${agent.url}/generate`, { prompt: 'a b c', stream: true });
    const { events, comments } = parseSse(await res.text());
    expect(events.at(-1)?.event).toBe('done');
    expect(comments).toBeGreaterThan(0);
  });

  it('aborts the upstream call when the client disconnects mid-stream', async () => {
    agent.fake.script({ chunkDelayMs: 100, chunks: Array.from({ length: 50 }, (_, i) => `w${i} `) });
    const res = await post(`${agent.url}/generate`, { prompt: 'long', stream: true });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    const upstream = agent.fake.requests.at(-1)!;
    await expect.poll(() => upstream.aborted, { timeout: 2_000 }).toBe(true);
  });

  it('fills a custom POST endpoint template and applies its temperature', async () => {
    const res = await post(`${agent.url}/summarize`, { style: 'terse', text: 'the cat sat {{style}}' });
    expect(res.status).toBe(200);
    expect((await res.json()).text).toBe('Summarize in terse style: the cat sat {{style}}');
    expect(agent.fake.requests.at(-1)?.body).toMatchObject({ temperature: 0.2 });
  });

  it('fills a custom GET endpoint from the query', async () => {
    const res = await fetch(`${agent.url}/translate/fr?text=${encodeURIComponent('good morning')}`);
    expect((await res.json()).text).toBe('Translate: good morning');
  });

  it('refuses a custom endpoint call with a missing slot, naming it', async () => {
    const res = await post(`${agent.url}/summarize`, { text: 'x' }, { 'x-request-id': 'bad-1' });
    expect(res.status).toBe(422);
    expect(res.headers.get('x-request-id')).toBe('bad-1');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = await res.json();
    expect(problem).toMatchObject({
      status: 422,
      title: 'Invalid input',
      detail: 'style: is required (expected string)',
    });
    expect(problem.errors).toEqual([
      { path: 'style', rule: 'required', message: 'is required (expected string)' },
    ]);
  });

  it('names path, rule and value for bad generate input', async () => {
    const res = await post(`${agent.url}/generate`, {
      prompt: 'x',
      temperature: 5,
      maxTokens: 3,
      messages: [
        { role: 'user', content: 'a' },
        { role: 'robot', content: 'b' },
      ],
    });
    expect(res.status).toBe(422);
    const problem = await res.json();
    expect(problem.errors).toEqual([
      {
        path: 'messages[1].role',
        rule: 'enum',
        message: 'must be one of "system", "user", "assistant" (got "robot")',
      },
      { path: 'temperature', rule: 'max', message: 'must be at most 2 (got number 5)' },
      {
        path: 'maxTokens',
        rule: 'unknown',
        message: 'is not a known field here (unknown fields are rejected, not ignored; check the spelling)',
      },
    ]);
    expect(problem.detail).toBe(
      'messages[1].role: must be one of "system", "user", "assistant" (got "robot"); ' +
        'temperature: must be at most 2 (got number 5); ' +
        'maxTokens: is not a known field here (unknown fields are rejected, not ignored; check the spelling)',
    );
  });

  it('refuses prompts over maxPromptChars without echoing them', async () => {
    const res = await post(`${agent.url}/generate`, { prompt: 'y'.repeat(2_001) });
    expect(res.status).toBe(422);
    const problem = await res.json();
    expect(problem.errors).toEqual([
      { path: 'prompt', rule: 'max', message: 'must total at most 2000 characters (got 2001 characters)' },
    ]);
    expect(JSON.stringify(problem)).not.toContain('yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy');
  });

  it('answers 400 for malformed JSON and 413 for bodies over the limit', async () => {
    const bad = await post(`${agent.url}/generate`, '{"prompt":');
    expect(bad.status).toBe(400);
    expect((await bad.json()).detail).toMatch(/^request body is not valid JSON/);
    const big = await post(`${agent.url}/generate`, { prompt: 'z'.repeat(20_000) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ status: 413, detail: 'request body exceeds 16384 bytes' });
  });

  it('limits chunked bodies without Content-Length too', async () => {
    const body = new ReadableStream({
      start(c) {
        for (let i = 0; i < 5; i++) c.enqueue(new TextEncoder().encode('a'.repeat(5_000)));
        c.close();
      },
    });
    const res = await fetch(`${agent.url}/generate`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('honours a sane X-Request-Id and returns one always', async () => {
    const res = await fetch(`${agent.url}/health`, { headers: { 'x-request-id': 'req-42' } });
    expect(res.headers.get('x-request-id')).toBe('req-42');
    const other = await fetch(`${agent.url}/health`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown paths with a 404 problem', async () => {
    const res = await fetch(`${agent.url}/nope`, { headers: { 'x-request-id': 'lost-1' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('lost-1');
    expect(await res.json()).toMatchObject({ status: 404, detail: 'no route for GET /my-assistant/nope' });
  });

  it('logs one JSON line per request without prompts', async () => {
    await post(`${agent.url}/generate`, { prompt: 'secret-prompt-text' }, { 'x-request-id': 'log-me' });
    const line = agent.logs.map((l) => JSON.parse(l)).find((l) => l.requestId === 'log-me');
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request',
      method: 'POST',
      status: 200,
      promptTokens: 6,
    });
    expect(agent.logs.join('\n')).not.toContain('secret-prompt-text');
    expect(agent.logs.join('\n')).not.toContain('sk-test');
  });
});

describe('an agent at the root path with only chat enabled', () => {
  it('serves at / and has no /generate', async () => {
    const agent = await startAgent(agentConfig({ basePath: '', endpoints: ['chat'], customEndpoints: [] }));
    try {
      expect((await fetch(`${agent.url}/`)).status).toBe(200);
      expect((await post(`${agent.url}/generate`, { prompt: 'x' })).status).toBe(404);
      expect((await fetch(`${agent.url}/v1/models`)).status).toBe(200);
    } finally {
      await agent.close();
    }
  });
});
