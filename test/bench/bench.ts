/**
 * `npm run bench`: every benchmark in one command, peers measured in the same run, written to
 * test/bench/RESULTS.md with the date and the machine. Starts the test environment if none is
 * running (building it on a fresh machine) and stops it afterwards; one already running is used
 * and left running. Removes what it deployed.
 *
 *   npm run bench                      all sections, 5 runs per figure (about 10 minutes on 2 cores)
 *   npm run bench -- --quick           3 runs per figure, shorter child benchmarks (about 8 minutes)
 *   npm run bench -- --only=sweep,status   some sections; prints, does not write RESULTS.md
 *
 * Sections are modules in sections/, run in the order of SECTIONS; adding one (in-cluster builds)
 * is one more entry. Must never leave a process, agent, node or store prefix of its own behind.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { down, up } from '../env/environment.ts';
import { REPO_ROOT, stateDir } from '../env/state.ts';
import type { TestEnv } from '../env/types.ts';
import { LargeFleet } from './lib/large-fleet.ts';
import { loadAverage, machineDescription } from './lib/machine.ts';
import { markdownReport, OWN_CHECK, type Ran, rowsOf, textTable } from './lib/report.ts';
import type { BenchContext, Section } from './lib/section.ts';
import { agentProtocols } from './sections/agent-protocols.ts';
import { agentRuntime, functionColdStart } from './sections/child-benchmarks.ts';
import { deployFanOut } from './sections/deploy-fan-out.ts';
import { deployToRunning } from './sections/deploy-to-running.ts';
import { poolMemory } from './sections/pool-memory.ts';
import { pooledAtScale } from './sections/pooled-at-scale.ts';
import { statusAtScale } from './sections/status-at-scale.ts';
import { sweepAtScale } from './sections/sweep-at-scale.ts';
import { toolLoop } from './sections/tool-loop.ts';

/** In the order RESULTS.md shows them; those that need no environment run first, before it starts. */
const SECTIONS: Section[] = [
  deployToRunning,
  deployFanOut,
  statusAtScale,
  sweepAtScale,
  pooledAtScale,
  poolMemory,
  functionColdStart,
  agentRuntime,
  toolLoop,
  agentProtocols,
];
const RESULTS = join(REPO_ROOT, 'test', 'bench', 'RESULTS.md');
const run = promisify(execFile);

function parseArgs(argv: string[]) {
  const quick = argv.includes('--quick');
  const only = argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const unknown = argv.filter((a) => a !== '--quick' && !a.startsWith('--only='));
  const ids = SECTIONS.map((s) => s.id);
  const badOnly = only?.filter((id) => !ids.includes(id)) ?? [];
  if (unknown.length || badOnly.length) {
    console.error(`usage: npm run bench -- [--quick] [--only=${ids.join(',')}]`);
    process.exit(2);
  }
  return { quick, only };
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** The reaper of the test environment stops it if this process dies without its `finally`. */
function startReaper(): void {
  spawn(process.execPath, [join(REPO_ROOT, 'test', 'env', 'reaper.ts'), String(process.pid), stateDir()], {
    detached: true,
    stdio: 'ignore',
  }).unref();
}

async function main(): Promise<number> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const runs = quick ? 3 : 5;
  const selected = SECTIONS.filter((s) => !only || only.includes(s.id));
  const startedAt = new Date();
  const t0 = performance.now();
  const loadAtStart = loadAverage();
  const kubectlHome = join(REPO_ROOT, '.cache', 'bench', 'kubectl-home');
  await mkdir(kubectlHome, { recursive: true });

  let env: TestEnv | undefined;
  const fleet = new LargeFleet();
  const ctx: BenchContext = {
    get env(): TestEnv {
      if (!env) throw new Error('this section needs the test environment');
      return env;
    },
    runs,
    quick,
    log,
    fleet,
    kubectl: async (args, input) => {
      const current = ctx.env;
      const child = run(current.kubectl, [`--kubeconfig=${current.kubeconfigPath}`, ...args], {
        env: { PATH: '/usr/bin:/bin', HOME: kubectlHome },
        timeout: 300_000,
        maxBuffer: 256 * 1024 * 1024,
      });
      if (input !== undefined) child.child.stdin?.end(input);
      return (await child).stdout;
    },
  };

  const ran: Ran[] = [];
  const runSection = async (section: Section) => {
    log(`== ${section.title} ==`);
    const began = performance.now();
    try {
      ran.push({ id: section.id, title: section.title, result: await section.run(ctx) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`${section.title} failed: ${error instanceof Error ? error.stack : message}`);
      ran.push({ id: section.id, title: section.title, error: message });
    }
    log(`${section.title}: ${((performance.now() - began) / 1000).toFixed(0)} s`);
  };

  let environment = 'none (no section needed it)';
  for (const section of selected.filter((s) => !s.needsEnvironment)) await runSection(section);
  const needing = selected.filter((s) => s.needsEnvironment);
  if (needing.length) {
    const started = await up();
    env = started.testEnv;
    if (!started.reused) startReaper();
    environment = started.reused
      ? 'an environment already running (left running)'
      : `started for this run in ${started.seconds.start.toFixed(1)} s (build ${started.seconds.build.toFixed(0)} s), stopped afterwards`;
    fleet.attach(ctx);
    try {
      for (const section of needing) await runSection(section);
    } finally {
      log('removing what the benchmarks deployed');
      await fleet.remove().catch((error) => log(`cleanup failed: ${error}`));
      if (!started.reused) await down();
    }
  }

  ran.sort((a, b) => SECTIONS.findIndex((s) => s.id === a.id) - SECTIONS.findIndex((s) => s.id === b.id));
  const seconds = (performance.now() - t0) / 1000;
  const rows = ran.flatMap((section) => (section.result?.figures ?? []).map((f) => rowsOf(section.title, f)));
  const failed = ran.filter((s) => s.error);
  const header = [
    `- date: ${startedAt.toISOString()}`,
    ...machineDescription().map(
      (line, i) => `- ${i === 0 ? 'machine' : i === 1 ? 'CPUs' : 'runtime'}: ${line}`,
    ),
    `- load average (1, 5, 15 min): ${loadAtStart} at start, ${loadAverage()} at end`,
    `- runs per figure: ${runs}${quick ? ' (--quick)' : ''}, unless a row says otherwise`,
    `- test environment: ${environment}`,
    `- total run time: ${(seconds / 60).toFixed(1)} minutes`,
  ];
  console.log(`\n${header.join('\n')}\n\n${textTable(rows)}\n`);
  for (const section of ran) {
    for (const note of section.result?.notes.filter((n) => n.startsWith(OWN_CHECK)) ?? [])
      console.log(`${section.title}: ${note}`);
  }
  for (const section of failed) console.log(`FAILED ${section.title}: ${section.error}`);
  if (only) {
    log('--only: RESULTS.md not written');
  } else {
    await writeFile(
      RESULTS,
      markdownReport({
        header,
        rows,
        sections: ran,
        footer: [],
      }),
    );
    log(`wrote ${RESULTS}`);
  }
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
