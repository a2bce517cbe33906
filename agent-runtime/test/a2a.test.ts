/**
 * The agent as an A2A agent, driven by the official A2A JS SDK's clients over HTTP against real
 * agents (createAgentApp on node:http) in front of the fake model: the card (A2A 1.0 and 0.3
 * shapes), an answer from SendMessage and a stream from SendStreamingMessage, a custom
 * endpoint as a skill, rejected and failed tasks, the 0.3 methods (`message/send`,
 * `message/stream`) through the SDK's compat layer, and the API key.
 */
import { createHash } from 'node:crypto';
import { type Message, type Part, Role, type SendMessageRequest, type Task, TaskState } from '@a2a-js/sdk';
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
} from '@a2a-js/sdk/client';
import { LegacyJsonRpcTransport } from '@a2a-js/sdk/compat/v0_3/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentConfig, post, startAgent, type TestAgent } from './helpers.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const textPart = (value: string): Part => ({
  content: { $case: 'text', value },
  metadata: undefined,
  filename: '',
  mediaType: 'text/plain',
});
const dataPart = (value: unknown): Part => ({
  content: { $case: 'data', value },
  metadata: undefined,
  filename: '',
  mediaType: 'application/json',
});

function ask(parts: Part[], metadata?: Record<string, unknown>): SendMessageRequest {
  return {
    tenant: '',
    message: {
      messageId: crypto.randomUUID(),
      contextId: '',
      taskId: '',
      role: Role.ROLE_USER,
      parts,
      metadata,
      extensions: [],
      referenceTaskIds: [],
    },
    configuration: undefined,
    metadata: undefined,
  };
}

const textOf = (parts: Part[] | undefined) =>
  (parts ?? []).map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
const isTask = (result: Message | Task): result is Task => 'status' in result;

/** The A2A 1.0 client a user builds: the card from /.well-known, then JSON-RPC; `key` on every call. */
function clientFactory(key?: string): ClientFactory {
  const fetchImpl: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    if (key) headers.set('authorization', `Bearer ${key}`);
    return fetch(input, { ...init, headers });
  };
  return new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
      transports: [new JsonRpcTransportFactory({ fetchImpl })],
    }),
  );
}

describe('an agent as an A2A agent (A2A 1.0)', () => {
  let agent: TestAgent;
  let client: Client;
  beforeAll(async () => {
    agent = await startAgent();
    client = await clientFactory().createFromUrl(`${agent.url}/`);
  });
  afterAll(() => agent.close());

  it('publishes a card naming its JSON-RPC endpoint, streaming, and its skills', async () => {
    const card = await client.getAgentCard();
    expect(card.name).toBe('my-assistant');
    expect(card.capabilities?.streaming).toBe(true);
    expect(card.supportedInterfaces.map((i) => [i.url, i.protocolBinding, i.protocolVersion])).toEqual([
      [`${agent.url}/a2a`, 'JSONRPC', '1.0'],
      [`${agent.url}/a2a`, 'JSONRPC', '0.3'],
    ]);
    expect(card.skills.map((s) => s.id)).toEqual(['generate', 'summarize', 'translate_fr']);
    expect(card.skills[1]?.description).toContain('as a data part');
    expect(card.securityRequirements ?? []).toEqual([]);
    expect(card.securitySchemes ?? {}).toEqual({});
  });

  it('answers SendMessage with one agent message, from the model, with the instruction', async () => {
    const result = await client.sendMessage(ask([textPart('hello over a2a')]));
    expect(isTask(result)).toBe(false);
    const message = result as Message;
    expect(message.role).toBe(Role.ROLE_AGENT);
    expect(textOf(message.parts)).toBe('hello over a2a');
    expect(message.metadata).toMatchObject({ finish_reason: 'stop', usage: { completion_tokens: 3 } });
    expect(agent.fake.requests.at(-1)?.body).not.toMatchObject({ stream: true });
    expect(agent.fake.requests.at(-1)?.body).toMatchObject({
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'hello over a2a' },
      ],
    });
  });

  it('streams SendStreamingMessage: a working task, the tokens as artifact chunks, then completed', async () => {
    const events = [];
    for await (const event of client.sendMessageStream(ask([textPart('one two three')])))
      events.push(event.payload);
    expect(events[0]?.$case).toBe('task');
    const taskId = events[0]?.$case === 'task' ? events[0].value.id : '';
    expect(events[0]?.$case === 'task' && events[0].value.status?.state).toBe(TaskState.TASK_STATE_WORKING);
    const chunks = events.flatMap((e) => (e?.$case === 'artifactUpdate' ? [e.value] : []));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map((c) => c.append)).toEqual([false, ...chunks.slice(1).map(() => true)]);
    expect(chunks.map((c) => textOf(c.artifact?.parts)).join('')).toBe('one two three');
    const last = events.at(-1);
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(agent.fake.requests.at(-1)?.body).toMatchObject({ stream: true });

    // The replica remembers the task for a while: its answer as one part, no history kept.
    const task = await client.getTask({ tenant: '', id: taskId, historyLength: undefined });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(task.artifacts[0]?.parts).toHaveLength(1);
    expect(textOf(task.artifacts[0]?.parts)).toBe('one two three');
  });

  it('uses a custom endpoint as a skill, its slots from a data part', async () => {
    const result = await client.sendMessage(
      ask([dataPart({ style: 'terse', text: 'a long story' })], { skill: 'summarize' }),
    );
    expect(textOf((result as Message).parts)).toBe('Summarize in terse style: a long story');
    expect(agent.fake.requests.at(-1)?.body).toMatchObject({ temperature: 0.2 });
    const single = await client.sendMessage(ask([textPart('bonjour')], { skill: 'translate_fr' }));
    expect(textOf((single as Message).parts)).toBe('Translate: bonjour');
  });

  it('rejects a task whose input is wrong, naming the field, without calling the model', async () => {
    const before = agent.fake.requests.length;
    const unknown = (await client.sendMessage(ask([textPart('x')], { skill: 'nope' }))) as Task;
    expect(unknown.status?.state).toBe(TaskState.TASK_STATE_REJECTED);
    expect(textOf(unknown.status?.message?.parts)).toBe(
      'metadata.skill: must be one of "generate", "summarize", "translate_fr" (got "nope")',
    );
    const missing = (await client.sendMessage(
      ask([dataPart({ style: 'x' })], { skill: 'summarize' }),
    )) as Task;
    expect(textOf(missing.status?.message?.parts)).toBe('text: is required (expected string)');
    const textForSlots = (await client.sendMessage(ask([textPart('x')], { skill: 'summarize' }))) as Task;
    expect(textOf(textForSlots.status?.message?.parts)).toMatch(
      /skill "summarize" takes no text; send its fields as a data part/,
    );
    expect(agent.fake.requests.length).toBe(before);
  });

  it('fails a task when the model fails, with the request id and without the provider’s words', async () => {
    agent.fake.script({ status: 400, message: 'secret upstream detail' });
    const failed = (await client.sendMessage(ask([textPart('x')]))) as Task;
    expect(failed.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    const why = textOf(failed.status?.message?.parts);
    expect(why).toMatch(/^Model provider rejected the request: .*\(request id [0-9a-f-]{36}\)$/);
    expect(why).not.toContain('secret upstream detail');
  });

  it('cancels a running task on CancelTask, and ends the model call', async () => {
    agent.fake.script({ chunks: ['slow ', 'answer ', 'never ', 'finished'], chunkDelayMs: 300 });
    const stream = client.sendMessageStream(ask([textPart('x')]));
    const first = await stream.next();
    const taskId = first.value?.payload?.$case === 'task' ? first.value.payload.value.id : '';
    const canceled = await client.cancelTask({ tenant: '', id: taskId, metadata: undefined });
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const rest = [];
    for await (const event of stream) rest.push(event.payload);
    const last = rest.at(-1);
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    await expect.poll(() => agent.fake.requests.at(-1)?.aborted).toBe(true);
  });

  it('ends the model call when a streaming client goes away', async () => {
    agent.fake.script({ chunks: ['a ', 'b ', 'c ', 'd'], chunkDelayMs: 300 });
    const gone = new AbortController();
    const stream = client.sendMessageStream(ask([textPart('x')]), { signal: gone.signal });
    await stream.next();
    gone.abort();
    await expect(stream.next()).rejects.toThrow();
    await expect.poll(() => agent.fake.requests.at(-1)?.aborted).toBe(true);
  });

  it('answers a non-JSON body with 415 and an unparsable one with a JSON-RPC error', async () => {
    const plain = await fetch(`${agent.url}/a2a`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(plain.status).toBe(415);
    const broken = await post(`${agent.url}/a2a`, '{"jsonrpc": "2.0",', { 'a2a-version': '1.0' });
    expect(broken.status).toBe(200);
    expect(await broken.json()).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: expect.any(Number) },
    });
  });
});

describe('the same agent to an A2A 0.3 client (message/send, message/stream)', () => {
  let agent: TestAgent;
  beforeAll(async () => {
    agent = await startAgent();
  });
  afterAll(() => agent.close());

  it('serves the 0.3 card to a client that sends no A2A-Version', async () => {
    const res = await fetch(`${agent.url}/.well-known/agent-card.json`);
    expect(res.headers.get('vary')).toBe('A2A-Version');
    const card = await res.json();
    expect(card).toMatchObject({
      protocolVersion: '0.3.0',
      name: 'my-assistant',
      url: `${agent.url}/a2a`,
      preferredTransport: 'JSONRPC',
      capabilities: { streaming: true },
    });
    expect(card.skills.map((s: { id: string }) => s.id)).toEqual(['generate', 'summarize', 'translate_fr']);
  });

  it('answers message/send and message/stream through the SDK’s 0.3 transport', async () => {
    const { url } = await (await fetch(`${agent.url}/.well-known/agent-card.json`)).json();
    const legacy = new LegacyJsonRpcTransport({ endpoint: url });
    const answer = (await legacy.sendMessage(ask([textPart('old client')]))) as Message;
    expect(textOf(answer.parts)).toBe('old client');
    let streamed = '';
    let final: TaskState | undefined;
    for await (const event of legacy.sendMessageStream(ask([textPart('a b c')]))) {
      if (event.payload?.$case === 'artifactUpdate') streamed += textOf(event.payload.value.artifact?.parts);
      if (event.payload?.$case === 'statusUpdate') final = event.payload.value.status?.state;
    }
    expect(streamed).toBe('a b c');
    expect(final).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('answers a raw message/send as the 0.3 wire shape', async () => {
    const res = await post(`${agent.url}/a2a`, {
      jsonrpc: '2.0',
      id: 7,
      method: 'message/send',
      params: {
        message: { kind: 'message', messageId: 'm1', role: 'user', parts: [{ kind: 'text', text: 'raw' }] },
      },
    });
    expect(await res.json()).toMatchObject({
      jsonrpc: '2.0',
      id: 7,
      result: { kind: 'message', role: 'agent', parts: [{ kind: 'text', text: 'raw' }] },
    });
  });
});

describe('an A2A agent with a public URL and an API key', () => {
  let agent: TestAgent;
  afterEach(() => agent.close());

  it('names its public URL in the card, and declares and requires the bearer key', async () => {
    agent = await startAgent(
      agentConfig({ requireApiKey: true, publicUrl: 'https://agents.example.com/my-assistant' }),
      { apiKeyHashes: [sha256('a2a-key')] },
    );
    expect((await fetch(`${agent.url}/.well-known/agent-card.json`)).status).toBe(401);
    expect((await post(`${agent.url}/a2a`, { jsonrpc: '2.0', id: 1, method: 'message/send' })).status).toBe(
      401,
    );
    await expect(clientFactory().createFromUrl(`${agent.url}/`)).rejects.toThrow(/401/);

    const withKey = clientFactory('a2a-key');
    const card = await (await withKey.createFromUrl(`${agent.url}/`)).getAgentCard();
    expect(card.supportedInterfaces[0]?.url).toBe('https://agents.example.com/my-assistant/a2a');
    expect(Object.keys(card.securitySchemes)).toEqual(['bearer']);
    // The card names the public host; reach this test's loopback agent with the same card.
    const local = await withKey.createFromAgentCard({
      ...card,
      supportedInterfaces: card.supportedInterfaces.map((i) => ({ ...i, url: `${agent.url}/a2a` })),
    });
    expect(textOf(((await local.sendMessage(ask([textPart('keyed')]))) as Message).parts)).toBe('keyed');
    const keyless = await clientFactory().createFromAgentCard({
      ...card,
      supportedInterfaces: card.supportedInterfaces.map((i) => ({ ...i, url: `${agent.url}/a2a` })),
    });
    await expect(keyless.sendMessage(ask([textPart('no key')]))).rejects.toThrow(/401/);
  });
});
