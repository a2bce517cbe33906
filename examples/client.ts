/**
 * A small client of the fleetplane API, in the spirit of the seed's example_deploy.py:
 *   npm run client -- deploy examples/deploy_multiple_agents.json   # deploys, then waits
 *   npm run client -- status [name]
 *   npm run client -- delete <name>
 * FLEETPLANE_URL (default http://127.0.0.1:8080) and FLEETPLANE_TOKEN say where and as whom.
 * Progress is printed as each agent's phase changes; it stops waiting at --timeout seconds.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import ky, { HTTPError, type KyInstance } from 'ky';

type Deployment = {
  name: string;
  phase: string;
  url: string;
  replicas: { desired: number; ready: number };
  conditions: { type: string; status: string; reason: string; message: string }[];
};

const SETTLED = new Set(['Running', 'Degraded', 'Failed', 'BuildFailed']);

export function client(baseUrl: string, token: string | undefined, fetchImpl?: typeof fetch): KyInstance {
  return ky.create({
    prefix: baseUrl,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    retry: { limit: 3, methods: ['get'], statusCodes: [502, 503, 504] },
    timeout: 30_000,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}

/** The problem+json detail of a failed call, or the error's message. */
async function explain(error: unknown): Promise<string> {
  if (error instanceof HTTPError) {
    // ky 2 has already read the body into `data`: parsed for JSON, text for other types.
    const data: unknown = error.data;
    let problem: { detail?: string; errors?: { path: string; message: string }[] } = {};
    try {
      problem = typeof data === 'string' ? JSON.parse(data) : ((data ?? {}) as typeof problem);
    } catch {
      problem = { detail: String(data) };
    }
    const fields = problem.errors?.map((e) => `\n  ${e.path}: ${e.message}`).join('') ?? '';
    return `${error.response.status} ${problem.detail ?? error.message}${fields}`;
  }
  return (error as Error).message;
}

/** Polls until every named agent has settled, printing each phase change. */
export async function waitFor(
  api: KyInstance,
  names: string[],
  timeoutSeconds: number,
  print: (line: string) => void,
  pollMs = 2_000,
) {
  const started = Date.now();
  const seen = new Map<string, string>();
  for (;;) {
    const { deployments } = await api.get('deployments').json<{ deployments: Deployment[] }>();
    const mine = names.map((name) => deployments.find((d) => d.name === name));
    for (const [index, deployment] of mine.entries()) {
      const phase = deployment?.phase ?? 'Missing';
      if (seen.get(names[index] as string) !== phase) {
        const replicas = deployment
          ? ` ${deployment.replicas.ready}/${deployment.replicas.desired} ready`
          : '';
        print(
          `[${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${names[index]}: ${phase}${replicas}`,
        );
        seen.set(names[index] as string, phase);
      }
    }
    if (mine.every((d) => d && SETTLED.has(d.phase))) return mine as Deployment[];
    if (Date.now() - started > timeoutSeconds * 1000)
      throw new Error(
        `gave up after ${timeoutSeconds}s: ${[...seen].map(([n, p]) => `${n}=${p}`).join(', ')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export async function run(
  argv: string[],
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
  fetchImpl?: typeof fetch,
): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { timeout: { type: 'string', default: '300' }, 'no-wait': { type: 'boolean' } },
  });
  const [command, argument] = positionals;
  const api = client(env.FLEETPLANE_URL || 'http://127.0.0.1:8080', env.FLEETPLANE_TOKEN, fetchImpl);
  try {
    if (command === 'deploy' && argument) {
      const body = JSON.parse(await readFile(argument, 'utf8'));
      const response = await api.post('deploy', { json: body, throwHttpErrors: false });
      const answer = (await response.json()) as {
        results?: { name: string; status: number; outcome?: string; error?: { detail: string } }[];
        name?: string;
        outcome?: string;
        detail?: string;
        errors?: { path: string; message: string }[];
      };
      if (response.status >= 400 && !answer.results) {
        print(
          `deploy failed: ${response.status} ${answer.detail ?? ''}${answer.errors?.map((e) => `\n  ${e.path}: ${e.message}`).join('') ?? ''}`,
        );
        return 1;
      }
      const results = answer.results ?? [
        {
          name: answer.name as string,
          status: response.status,
          ...(answer.outcome ? { outcome: answer.outcome } : {}),
        },
      ];
      for (const result of results)
        print(
          `${result.name}: ${result.error ? `failed (${result.status}): ${result.error.detail}` : result.outcome}`,
        );
      const ok = results.filter((result) => !result.error).map((result) => result.name);
      if (values['no-wait'] || ok.length === 0) return ok.length === results.length ? 0 : 1;
      const settled = await waitFor(api, ok, Number(values.timeout), print);
      for (const deployment of settled) print(`${deployment.name}: ${deployment.phase} at ${deployment.url}`);
      return settled.every((d) => d.phase === 'Running') && ok.length === results.length ? 0 : 1;
    }
    if (command === 'status') {
      const deployments = argument
        ? [await api.get(`deployments/${argument}`).json<Deployment>()]
        : (await api.get('deployments').json<{ deployments: Deployment[] }>()).deployments;
      for (const d of deployments)
        print(
          `${d.name.padEnd(24)} ${d.phase.padEnd(10)} ${d.replicas.ready}/${d.replicas.desired} ready  ${d.url}`,
        );
      return 0;
    }
    if (command === 'delete' && argument) {
      const result = await api
        .delete(`deployments/${argument}`)
        .json<{ deleted: string[]; pending: boolean }>();
      print(
        `${argument}: deleted ${result.deleted.length} objects${result.pending ? ' (the rest follows with the next sweep)' : ''}`,
      );
      return 0;
    }
    print(
      'usage: npm run client -- deploy <file.json> [--no-wait] [--timeout 300] | status [name] | delete <name>',
    );
    return 2;
  } catch (error) {
    print(`error: ${await explain(error)}`);
    return 1;
  }
}

if (import.meta.main)
  process.exitCode = await run(process.argv.slice(2), process.env, (line) => console.log(line));
