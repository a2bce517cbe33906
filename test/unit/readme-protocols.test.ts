/**
 * The README's section on using agents from MCP clients and other agents, run as written
 * against a real agent (the runtime on node:http in front of the fake model): its TypeScript
 * snippets, its client configs (`.mcp.json`, VS Code's `mcp.json`, with the key the client would
 * substitute) through the official MCP client, and its `curl`. Only the address changes, from
 * the README's 127.0.0.1:8080 to the test agent's port. A snippet that stops working fails here.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { agentConfig, startAgent, type TestAgent } from '../../agent-runtime/test/helpers.ts';

const root = new URL('../../', import.meta.url).pathname;
const README_BASE = 'http://127.0.0.1:8080';
const KEY = 'readme-key';

/** The fenced blocks of one README section, in order, with their language. */
async function sectionBlocks(heading: string): Promise<{ lang: string; code: string }[]> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  expect(start, `README section "${heading}"`).toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({
    lang: m[1] ?? '',
    code: m[2] ?? '',
  }));
}

let open: TestAgent;
let keyed: TestAgent;
let blocks: { lang: string; code: string }[];
const baseOf = (agent: TestAgent) => new URL(agent.url).origin;

beforeAll(async () => {
  open = await startAgent();
  keyed = await startAgent(agentConfig({ requireApiKey: true }), {
    apiKeyHashes: [createHash('sha256').update(KEY).digest('hex')],
  });
  blocks = await sectionBlocks('Agents from MCP clients and other agents');
});
afterAll(async () => {
  await open?.close();
  await keyed?.close();
});

async function connectAs(server: { url: string; headers?: Record<string, string> }) {
  const client = new Client({ name: 'readme-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(server.url), {
      requestInit: { headers: server.headers ?? {} },
    }),
  );
  const tools = (await client.listTools()).tools.map((tool) => tool.name);
  await client.close();
  return tools;
}

describe("the README's MCP and A2A snippets", () => {
  it('has the snippets this test runs', () => {
    expect(blocks.map((b) => b.lang)).toEqual(['sh', 'json', 'json', 'ts', 'ts', 'sh']);
  });

  it('runs its TypeScript snippets as written (MCP client, then A2A client)', async () => {
    const logged: unknown[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args) => void logged.push(args));
    // Inside the checkout, so the snippets' imports resolve to its node_modules.
    const dir = join(root, '.cache', `readme-snippets-${process.pid}`);
    try {
      await mkdir(dir, { recursive: true });
      for (const [i, block] of blocks.filter((b) => b.lang === 'ts').entries()) {
        const file = join(dir, `snippet-${i}.ts`);
        await writeFile(file, block.code.replaceAll(README_BASE, baseOf(open)));
        await import(file);
      }
    } finally {
      log.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
    const printed = JSON.stringify(logged);
    expect(printed).toContain('["generate","summarize","translate_fr"]');
    expect(printed).toContain('{"type":"text","text":"Hello!"}');
    expect(printed).toContain('{"$case":"text","value":"Hello!"}');
  });

  it('gives client configs that connect, with the key where the agent requires one', async () => {
    const [claudeCode, vsCode] = blocks.filter((b) => b.lang === 'json').map((b) => b.code);
    const substitute = (text: string) =>
      text
        .replaceAll(README_BASE, baseOf(keyed))
        .replace(/\$\{MY_ASSISTANT_API_KEY\}/g, KEY)
        .replace(/\$\{input:agent-key\}/g, KEY);
    const fromClaudeCode = JSON.parse(substitute(claudeCode ?? '')).mcpServers['my-assistant'];
    expect(fromClaudeCode.type).toBe('http');
    expect(await connectAs(fromClaudeCode)).toContain('generate');
    const fromVsCode = JSON.parse(substitute(vsCode ?? '')).servers['my-assistant'];
    expect(await connectAs(fromVsCode)).toContain('generate');
    // The same configs without the key are refused: the key is what lets them in.
    await expect(connectAs({ url: fromClaudeCode.url })).rejects.toThrow(/401/);
  });

  it('answers its A2A 0.3 curl', async () => {
    const curl = blocks.filter((b) => b.lang === 'sh').at(-1)?.code ?? '';
    expect(curl).toContain('message/send');
    const { stdout } = await promisify(execFile)('sh', ['-c', curl.replaceAll(README_BASE, baseOf(open))]);
    expect(JSON.parse(stdout)).toMatchObject({
      jsonrpc: '2.0',
      id: 1,
      result: { kind: 'message', role: 'agent', parts: [{ kind: 'text', text: 'Hello!' }] },
    });
  });
});
