/**
 * The benchmarks that stand alone (function cold start, the agent runtime), run as they are
 * (`npm run bench:coldstart`, `npm run bench:runtime`) in child processes; their output goes
 * into RESULTS.md verbatim and their goal lines into the summary. Loopback only, no test
 * environment: they run before it starts, on a quieter machine.
 * Must never pass them the environment's kubeconfig or store: cold start's first calls would
 * then deploy a real agent.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../env/state.ts';
import { OWN_CHECK } from '../lib/report.ts';
import type { BenchContext, Section, SectionResult } from '../lib/section.ts';

async function runScript(
  ctx: BenchContext,
  script: string,
  extraEnv: Record<string, string>,
): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  delete env.KUBECONFIG;
  delete env.FLEETPLANE_STORE;
  const child = spawn(process.execPath, [join(REPO_ROOT, script)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const take = (chunk: Buffer) => {
    output += chunk.toString();
    process.stderr.write(chunk);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${script} exited ${code}`);
  ctx.log(`${script} done`);
  // Paths of this checkout (cold start names its store directory) stay out of RESULTS.md.
  return output.replaceAll(REPO_ROOT, '<repo>/').trimEnd();
}

function child(
  id: string,
  title: string,
  script: string,
  env: (ctx: BenchContext) => Record<string, string>,
  note: string,
): Section {
  return {
    id,
    title,
    needsEnvironment: false,
    async run(ctx): Promise<SectionResult> {
      const extra = env(ctx);
      const output = await runScript(ctx, script, extra);
      // Goal lines, each with the heading ("== ... ==") it was printed under, if any.
      let heading = '';
      const goals: string[] = [];
      for (const line of output.split('\n')) {
        if (line.startsWith('== ')) heading = line.replaceAll('=', '').trim();
        else if (line.startsWith('goal')) goals.push(heading ? `${heading}: ${line}` : line);
      }
      return {
        figures: [],
        notes: [
          `\`node ${script}\` with ${Object.entries(extra)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}. ${note}`,
          ...goals.map((line) => `${OWN_CHECK}${line}`),
        ],
        output,
      };
    },
  };
}

export const functionColdStart = child(
  'coldstart',
  'Function cold start',
  'test/bench/coldstart.ts',
  (ctx) => ({ BENCH_RUNS: String(ctx.quick ? 5 : 15) }),
  'Each figure is a percentile over that many fresh Node processes; the first calls go to a closed loopback port and a directory store.',
);

export const agentRuntime = child(
  'runtime',
  'Agent runtime',
  'test/bench/runtime.ts',
  (ctx) => ({ BENCH_DURATION_S: String(ctx.quick ? 1 : 3) }),
  'autocannon against the bundled runtime in front of the fake model server, and against that server directly, in the same run.',
);
