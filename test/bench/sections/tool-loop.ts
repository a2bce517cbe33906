/**
 * The tool loop's own overhead per step: the bundled agent runtime (its own process, as a pod
 * runs it) answering with k tool steps, against a plain client doing the same k steps itself
 * in the same run (the openai SDK for the model, fetch for the tool). Both talk to the same
 * stand-in model (instant) and the same tool (a fixed latency), so what differs per step is
 * the loop: sorting the model's calls, running them, capping and marking the result, events,
 * metrics and the log line.
 *
 * Per step = (time with k steps − time with none) / k, for the agent and for the client; the
 * overhead is their difference, so the agent's HTTP front (measured by bench:runtime) cancels
 * out. Requests alternate agent and client, so both see the same machine. Loopback only.
 * Must never leave a process behind.
 */
import type { ChildProcess } from 'node:child_process';
import OpenAI from 'openai';
import { bundleRuntime } from '../../../agent-runtime/build.ts';
import type { RuntimeConfig } from '../../../agent-runtime/src/contract.ts';
import { type CaptureServer, startCaptureServer } from '../../support/capture-server.ts';
import { startFakeLlm } from '../../support/fake-llm.ts';
import { benchAgentConfig, startRuntime } from '../lib/agent-processes.ts';
import type { Section } from '../lib/section.ts';
import { median } from '../lib/stats.ts';

const STEPS = 4;
const TOOL_LATENCY_MS = 5;
const GOAL_MS = 1;

/** The benchmarks' agent with one HTTP tool of a fixed latency, and room for STEPS calls of it. */
function agentConfig(toolOrigin: string): RuntimeConfig {
  const base = benchAgentConfig();
  return {
    ...base,
    name: 'bench-tools',
    basePath: '/bench-tools',
    endpoints: ['generate'],
    limits: { ...base.limits, maxRetries: 0 },
    tools: [
      {
        type: 'http',
        name: 'probe',
        description: 'A tool with a fixed latency',
        method: 'GET',
        url: `${toolOrigin}/probe?n={n}`,
        parameters: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
      },
    ],
    toolLimits: { maxSteps: STEPS + 1, timeoutMs: 10_000, maxResultBytes: 32_768, maxTools: 32 },
  };
}

export const toolLoop: Section = {
  id: 'tools',
  title: 'Tool loop',
  needsEnvironment: false,
  async run(ctx) {
    const iterations = ctx.quick ? 40 : 100;
    const model = await startFakeLlm({ record: false });
    const tool: CaptureServer = await startCaptureServer(async () => {
      await new Promise((resolve) => setTimeout(resolve, TOOL_LATENCY_MS));
      return { headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
    });
    tool.requests.length = 0;
    const children: ChildProcess[] = [];
    try {
      // Its logs go to /dev/null: the runtime still formats and writes every line (one per tool call).
      const agentUrl = await startRuntime(
        (await bundleRuntime()).path,
        model.baseURL,
        children,
        agentConfig(tool.origin),
      );
      const client = new OpenAI({ apiKey: 'sk-bench', baseURL: model.baseURL, maxRetries: 0 });
      const definition = agentConfig(tool.origin).tools?.[0] as {
        description: string;
        parameters: Record<string, unknown>;
      };
      const tools = [
        {
          type: 'function' as const,
          function: { name: 'probe', description: definition.description, parameters: definition.parameters },
        },
      ];
      const steps = (k: number) => {
        for (let i = 0; i < k; i++) model.script({ toolCalls: [{ name: 'probe', arguments: { n: i } }] });
      };

      /** The agent answering with k tool steps. */
      const viaAgent = async (k: number) => {
        steps(k);
        const started = performance.now();
        const res = await fetch(`${agentUrl}/generate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: 'go' }),
        });
        const body = (await res.json()) as { steps?: number };
        const ms = performance.now() - started;
        if (body.steps !== k + 1) throw new Error(`the agent took ${body.steps} steps, not ${k + 1}`);
        return ms;
      };
      /** A plain client doing the same: the model, then the tool, k times, then the model. */
      const direct = async (k: number) => {
        steps(k);
        const started = performance.now();
        const messages: OpenAI.ChatCompletionMessageParam[] = [
          { role: 'system', content: 'You are a helpful assistant.' },
          { role: 'user', content: 'go' },
        ];
        for (;;) {
          const reply = await client.chat.completions.create({
            model: 'gpt-4o',
            messages,
            tools,
            max_tokens: 4096,
          });
          const calls = reply.choices[0]?.message.tool_calls ?? [];
          if (calls.length === 0) break;
          messages.push(reply.choices[0]?.message as OpenAI.ChatCompletionMessageParam);
          for (const call of calls) {
            if (call.type !== 'function') continue;
            const n = JSON.parse(call.function.arguments).n;
            const answer = await (await fetch(`${tool.origin}/probe?n=${encodeURIComponent(n)}`)).text();
            messages.push({ role: 'tool', tool_call_id: call.id, content: answer });
          }
        }
        return performance.now() - started;
      };
      const toolAlone = async () => {
        const started = performance.now();
        await (await fetch(`${tool.origin}/probe?n=0`)).text();
        return performance.now() - started;
      };

      // Warm both paths (JIT, connections), not counted.
      for (let i = 0; i < 20; i++) {
        await viaAgent(STEPS);
        await direct(STEPS);
        await viaAgent(0);
        await direct(0);
      }
      const perStepAgent: number[] = [];
      const perStepDirect: number[] = [];
      const overhead: number[] = [];
      const toolLatency: number[] = [];
      for (let run = 0; run < ctx.runs; run++) {
        const samples = {
          agentK: [] as number[],
          agent0: [] as number[],
          directK: [] as number[],
          direct0: [] as number[],
          tool: [] as number[],
        };
        for (let i = 0; i < iterations; i++) {
          samples.agentK.push(await viaAgent(STEPS));
          samples.directK.push(await direct(STEPS));
          samples.agent0.push(await viaAgent(0));
          samples.direct0.push(await direct(0));
          samples.tool.push(await toolAlone());
        }
        const agentStep = (median(samples.agentK) - median(samples.agent0)) / STEPS;
        const directStep = (median(samples.directK) - median(samples.direct0)) / STEPS;
        perStepAgent.push(agentStep);
        perStepDirect.push(directStep);
        overhead.push(agentStep - directStep);
        toolLatency.push(median(samples.tool));
        ctx.log(
          `tool loop run ${run + 1}: per step ${agentStep.toFixed(2)} ms through the agent, ${directStep.toFixed(2)} ms for a plain client; tool ${median(samples.tool).toFixed(2)} ms`,
        );
      }
      const met = median(overhead) < GOAL_MS;
      return {
        figures: [
          {
            name: `one tool step (model call + ${TOOL_LATENCY_MS} ms tool), through the agent`,
            unit: 'ms',
            samples: perStepAgent,
            peer: { name: 'a plain client loop (openai SDK + fetch)', samples: perStepDirect },
          },
          {
            name: "the tool loop's own overhead per step",
            unit: 'ms',
            samples: overhead,
            peer: { name: "the tool's own latency", samples: toolLatency },
            goal: { text: `under ${GOAL_MS} ms beyond the tool's latency`, met },
          },
        ],
        notes: [
          `Each run: ${iterations} requests of each kind, alternating: the bundled runtime answering with ${STEPS} tool steps and with none, and a plain client doing the same against the same stand-in model (instant) and tool (${TOOL_LATENCY_MS} ms). Per step = (median with ${STEPS} steps − median with none) / ${STEPS}; overhead = per step through the agent − per step for the plain client, so the agent's HTTP front cancels out.`,
          ...(met
            ? []
            : [
                'The goal was missed in this run: on a shared 2-core machine a single step is a few hundred microseconds of CPU, and other load shows up directly in the difference of medians.',
              ]),
        ],
      };
    } finally {
      for (const child of children) child.kill('SIGKILL');
      await tool.close();
      await model.close();
    }
  },
};
