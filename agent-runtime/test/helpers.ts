/**
 * Test harness: a real agent (createAgentApp + the openai SDK adapter + node:http) in
 * front of the fake OpenAI-compatible server, both on loopback ports. The client address
 * is derived as the Node entry derives it (socket peer; X-Forwarded-For only from
 * `trustedProxies`).
 */

import { type FakeLlm, startFakeLlm } from '../../test/support/fake-llm.ts';
import type { AgentDeps } from '../src/deps.ts';
import { createAgentApp, type RuntimeConfig } from '../src/index.ts';
import { createOpenAiModel } from '../src/llm/openai-model.ts';
import { nodeClientAddress, TrustedProxies } from '../src/node/client-address.ts';
import { createLifecycle, serveAgent } from '../src/node/serve.ts';

export function agentConfig(overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  return {
    apiVersion: 'fleetplane.io/v1',
    name: 'my-assistant',
    template: 'assistant',
    basePath: '/my-assistant',
    model: { provider: 'openai', id: 'gpt-4o' },
    instruction: 'You are a helpful assistant.',
    temperature: 0.7,
    maxTokens: 256,
    endpoints: ['generate', 'chat'],
    customEndpoints: [
      {
        path: 'summarize',
        method: 'POST',
        description: 'Summarize a text',
        prompt: 'Summarize in {{style}} style: {{text}}',
        slots: ['style', 'text'],
        temperature: 0.2,
      },
      {
        path: 'translate/fr',
        method: 'GET',
        description: 'To French',
        prompt: 'Translate: {{text}}',
        slots: ['text'],
      },
    ],
    logging: 'info',
    limits: {
      maxBodyBytes: 16_384,
      maxPromptChars: 2_000,
      requestTimeoutMs: 3_000,
      maxRetries: 2,
      rateLimitPerMinute: 0,
    },
    requireApiKey: false,
    ...overrides,
  };
}

export interface TestAgent {
  url: string;
  fake: FakeLlm;
  logs: string[];
  shutdown(): Promise<void>;
  close(): Promise<void>;
}

export async function startAgent(
  config: RuntimeConfig = agentConfig(),
  deps: Partial<AgentDeps> = {},
  opts: { graceMs?: number; fake?: FakeLlm; trustedProxies?: string } = {},
): Promise<TestAgent> {
  const fake = opts.fake ?? (await startFakeLlm({ apiKey: 'sk-test' }));
  const logs: string[] = [];
  const lifecycle = createLifecycle();
  const app = createAgentApp(config, {
    model: createOpenAiModel({ apiKey: 'sk-test', baseURL: fake.baseURL }),
    log: (line) => logs.push(line),
    lifecycle,
    keepAliveMs: 50,
    clientAddress: nodeClientAddress(new TrustedProxies(opts.trustedProxies)),
    ...deps,
  });
  const server = await serveAgent(app.fetch, {
    port: 0,
    host: '127.0.0.1',
    graceMs: opts.graceMs ?? 2_000,
    lifecycle,
  });
  return {
    url: `http://127.0.0.1:${server.port}${config.basePath}`,
    fake,
    logs,
    shutdown: () => server.shutdown(),
    close: async () => {
      await server.shutdown();
      await fake.close();
    },
  };
}

export const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** Parses an SSE body into events ({event, data}); comments are counted separately. */
export function parseSse(text: string): { events: { event: string; data: string }[]; comments: number } {
  const events: { event: string; data: string }[] = [];
  let comments = 0;
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments++;
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return { events, comments };
}
