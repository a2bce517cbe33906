/**
 * An agent used through MCP and A2A against calling its /generate directly, in one run: the
 * bundled runtime (as the image runs it) in front of the fake model (instant, so only the
 * runtime's own work shows), each in a process of its own; the requests sent from here.
 *
 * Per run and path, the p50 of sequential keep-alive requests: POST /generate (the peer), MCP
 * `tools/call generate` as a JSON-RPC POST to /mcp (the same HTTP client, so the difference is
 * what the MCP server adds; the goal: under 2 ms at p50), the same call through the
 * official MCP SDK client (what an MCP client sees, its own work included), and A2A
 * `SendMessage` to /a2a. Every answer is checked, so a fast error cannot pass for a fast answer.
 * Must never leave a child process behind.
 */
import type { ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { bundleRuntime } from '../../../agent-runtime/build.ts';
import { startFakeModel, startRuntime } from '../lib/agent-processes.ts';
import { probe } from '../lib/http-probe.ts';
import type { BenchContext, Figure, Section, SectionResult } from '../lib/section.ts';
import { median } from '../lib/stats.ts';

const PROMPT = 'hello world';
const GOAL_ADDED_MS = 2;

interface Target {
  name: string;
  path: string;
  body: unknown;
  headers?: Record<string, string>;
  /** Where the answer's text is in the JSON the target answers. */
  textAt: (string | number)[];
}

const TARGETS: Target[] = [
  { name: 'POST /generate', path: 'generate', body: { prompt: PROMPT }, textAt: ['text'] },
  {
    name: 'MCP tools/call generate',
    path: 'mcp',
    body: {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'generate', arguments: { prompt: PROMPT } },
    },
    headers: { accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    textAt: ['result', 'content', 0, 'text'],
  },
  {
    name: 'A2A SendMessage',
    path: 'a2a',
    body: {
      jsonrpc: '2.0',
      id: 1,
      method: 'SendMessage',
      params: { message: { messageId: 'bench', role: 'ROLE_USER', parts: [{ text: PROMPT }] } },
    },
    headers: { 'a2a-version': '1.0' },
    textAt: ['result', 'message', 'parts', 0, 'text'],
  },
];

const checkText = (target: Target) => (body: string) => {
  let text: unknown = JSON.parse(body);
  for (const key of target.textAt) text = (text as Record<string | number, unknown> | undefined)?.[key];
  if (text !== PROMPT) throw new Error(`${target.name} answered ${body.slice(0, 200)}`);
};

/** p50 of `n` sequential calls of `generate` through the official SDK client, after 50 to warm up. */
async function sdkProbe(agentUrl: string, n: number): Promise<number> {
  const client = new Client({ name: 'fleetplane-bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${agentUrl}/mcp`)));
  const times: number[] = [];
  try {
    for (let i = 0; i < n + 50; i++) {
      const started = performance.now();
      const result = await client.callTool({ name: 'generate', arguments: { prompt: PROMPT } });
      const elapsed = performance.now() - started;
      const content = result.content as { type: string; text?: string }[];
      if (result.isError || content[0]?.text !== PROMPT)
        throw new Error(`the SDK client got ${JSON.stringify(result)}`);
      if (i >= 50) times.push(elapsed);
    }
  } finally {
    await client.close();
  }
  return median(times);
}

export const agentProtocols: Section = {
  id: 'protocols',
  title: 'Agent as MCP server and A2A agent',
  needsEnvironment: false,
  async run(ctx: BenchContext): Promise<SectionResult> {
    const n = ctx.quick ? 300 : 1000;
    const { path: bundle } = await bundleRuntime();
    const children: ChildProcess[] = [];
    const p50 = new Map<string, number[]>([
      ...TARGETS.map((t) => [t.name, []] as [string, number[]]),
      ['sdk', []],
    ]);
    const added: number[] = [];
    try {
      const fake = await startFakeModel(0, children);
      const agentUrl = await startRuntime(bundle, fake, children);
      for (let run = 0; run < ctx.runs; run++) {
        const round = new Map<string, number>();
        for (const target of TARGETS) {
          const { p50: ms } = await probe(`${agentUrl}/${target.path}`, JSON.stringify(target.body), n, {
            headers: target.headers ?? {},
            check: checkText(target),
          });
          round.set(target.name, ms);
          p50.get(target.name)?.push(ms);
        }
        p50.get('sdk')?.push(await sdkProbe(agentUrl, n));
        added.push((round.get('MCP tools/call generate') ?? 0) - (round.get('POST /generate') ?? 0));
        ctx.log(`protocols: run ${run + 1}/${ctx.runs} done`);
      }
    } finally {
      for (const child of children) child.kill('SIGKILL');
    }
    const direct = { name: 'POST /generate p50', samples: p50.get('POST /generate') ?? [] };
    const figures: Figure[] = [
      { name: 'POST /generate p50', unit: 'ms', samples: direct.samples },
      {
        name: 'MCP tools/call generate p50',
        unit: 'ms',
        samples: p50.get('MCP tools/call generate') ?? [],
        peer: direct,
      },
      {
        name: 'MCP tools/call generate: added p50 over /generate, same run',
        unit: 'ms',
        samples: added,
        goal: { text: `under ${GOAL_ADDED_MS} ms`, met: median(added) < GOAL_ADDED_MS },
      },
      {
        name: 'MCP tools/call generate via the official SDK client p50',
        unit: 'ms',
        samples: p50.get('sdk') ?? [],
        peer: direct,
      },
      { name: 'A2A SendMessage p50', unit: 'ms', samples: p50.get('A2A SendMessage') ?? [], peer: direct },
    ];
    return {
      figures,
      notes: [
        `The bundled runtime in front of the fake model (instant answers), each in its own process; per run and path, the p50 of ${n} sequential keep-alive requests after 50 to warm up, every answer checked. The added figure is, per run, the MCP p50 minus the /generate p50 of the same run.`,
        "The MCP server is stateless: every request builds its server and transport (the official SDK, web-standard Streamable HTTP) and answers JSON. The SDK client row includes the client's own work (its validation of each answer) and Node's fetch instead of node:http.",
      ],
    };
  },
};
