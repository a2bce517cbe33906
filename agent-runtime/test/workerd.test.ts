/**
 * The same app under workerd (Miniflare from npm): proves the core needs only web-standard
 * APIs. It calls the fake model on loopback through the bundled openai SDK.
 */
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../test/support/fake-llm.ts';
import { bundleWorker } from '../build-worker.ts';
import { agentConfig } from './helpers.ts';

describe('agent app on workerd', () => {
  let fake: FakeLlm;
  let mf: Miniflare;
  beforeAll(async () => {
    fake = await startFakeLlm({ apiKey: 'sk-worker' });
    // Miniflare 5 takes a new option shape; the converter accepts the classic one.
    mf = new Miniflare(
      convertV4MiniflareOptions({
        modules: true,
        script: await bundleWorker(),
        compatibilityDate: '2025-09-01',
        bindings: {
          AGENT_CONFIG: JSON.stringify(agentConfig({ logging: 'warn' })),
          OPENAI_BASE_URL: fake.baseURL,
          OPENAI_API_KEY: 'sk-worker',
        },
      }),
    );
    await mf.ready;
  }, 60_000);
  afterAll(async () => {
    await mf?.dispose();
    await fake?.close();
  });

  it('answers /health and POST /generate against the fake model', async () => {
    const health = await mf.dispatchFetch('http://agent.local/my-assistant/health');
    expect(await health.json()).toEqual({ status: 'ok' });
    const res = await mf.dispatchFetch('http://agent.local/my-assistant/generate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'hello from workerd' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ text: 'hello from workerd', usage: { completion_tokens: 3 } });
    expect(fake.requests.at(-1)?.headers.authorization).toBe('Bearer sk-worker');
  });

  it('serves MCP tools/call and A2A message/send there too (the SDKs need only web-standard APIs)', async () => {
    const mcp = await mf.dispatchFetch('http://agent.local/my-assistant/mcp', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'generate', arguments: { prompt: 'mcp on workerd' } },
      }),
    });
    expect(await mcp.json()).toMatchObject({
      id: 1,
      result: { content: [{ type: 'text', text: 'mcp on workerd' }] },
    });
    const a2a = await mf.dispatchFetch('http://agent.local/my-assistant/a2a', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'message/send',
        params: {
          message: {
            kind: 'message',
            messageId: 'm',
            role: 'user',
            parts: [{ kind: 'text', text: 'a2a on workerd' }],
          },
        },
      }),
    });
    expect(await a2a.json()).toMatchObject({
      id: 2,
      result: { parts: [{ kind: 'text', text: 'a2a on workerd' }] },
    });
  });

  it('streams SSE tokens there too', async () => {
    const res = await mf.dispatchFetch('http://agent.local/my-assistant/generate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a b c', stream: true }),
    });
    const text = await res.text();
    expect(text).toContain('event: token');
    expect(text).toContain('event: done');
  });
});
