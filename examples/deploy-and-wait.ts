/**
 * Deploys every agent of a file and waits until each runs, printing progress as it changes:
 * the library's counterpart of the seed's `example_deploy.py deploy examples/deploy_multiple_agents.json`
 * (the `fleetplane deploy <file> --wait` command does the same, with a live display).
 *
 *   node examples/deploy-and-wait.ts examples/deploy_multiple_agents.json
 *
 * FLEETPLANE_URL (default http://127.0.0.1:8080) and FLEETPLANE_TOKEN say where and as whom.
 */
import { readFile } from 'node:fs/promises';
import {
  type AgentConfig,
  createClient,
  type DeployBatch,
  summaryOf,
  waitForAgents,
} from '../functions/src/client/index.ts';

const file = process.argv[2] ?? 'examples/deploy_multiple_agents.json';
const fleet = createClient({
  url: process.env.FLEETPLANE_URL || 'http://127.0.0.1:8080',
  token: process.env.FLEETPLANE_TOKEN,
});

const body: AgentConfig | DeployBatch = JSON.parse(await readFile(file, 'utf8'));
const answer = await fleet.deploy(body);
const results = 'results' in answer ? answer.results : [answer];
for (const result of results)
  console.log(`${result.name}: ${result.error ? `not deployed: ${result.error.detail}` : result.outcome}`);

const names = results.filter((result) => !result.error).map((result) => result.name);
const printed = new Map<string, string>();
const done = await waitForAgents(fleet, names, {
  timeoutMs: 5 * 60_000,
  onProgress: ({ agents }) => {
    for (const agent of agents) {
      const line = summaryOf(agent);
      if (printed.get(agent.name) !== line) console.log(`  ${agent.name}: ${line}`);
      printed.set(agent.name, line);
    }
  },
});

for (const agent of done.agents)
  console.log(`${agent.name}: ${agent.outcome === 'ready' ? agent.url : summaryOf(agent)}`);
if (done.timedOut) console.log(`gave up after ${Math.round(done.elapsedMs / 1000)} s`);
process.exitCode = done.ok && names.length === results.length ? 0 : 1;
