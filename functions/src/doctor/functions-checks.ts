/**
 * Doctor's functions section: every variable each function cannot run without is set (the
 * list project.yml is kept in step with, wiring/function-env.ts), every set value survives
 * project.yml's templating, the sweep's scheduled trigger exists (or the user learns how to
 * sweep without it), and, when FLEETPLANE_URL names the deployed control plane, it answers.
 */
import { templatingProblem, wantsSweepTrigger } from '../wiring/do-project.ts';
import { type Env, envValue } from '../wiring/env.ts';
import { FUNCTIONS, REQUIRED_ENV, SETTINGS_READ, settingsOf } from '../wiring/function-env.ts';
import { type CheckResult, checksOf, messageOf } from './check.ts';

export interface DeployedTrigger {
  name: string;
  /** `fleetplane/sweep`, as doctl lists it. */
  function: string;
  enabled: boolean;
  cron?: string;
  lastRunAt?: string;
}

export interface FunctionsCheckInput {
  env: Env;
  /** The namespace's triggers (doctl serverless triggers list); throws when they cannot be listed. */
  triggers?: () => Promise<DeployedTrigger[]>;
  /** GET <FLEETPLANE_URL>/health of the deployed control plane. */
  health?: (url: string) => Promise<{ status: number; body: unknown }>;
}

const { ok, warn, fail } = checksOf('functions');
const SWEEP_BY_HAND =
  'run doctl serverless functions invoke fleetplane/sweep from a scheduler every minute (cron: * * * * *); status reads finish deploys without it';

function variables(env: Env): CheckResult[] {
  const unset = REQUIRED_ENV.filter((name) => !envValue(env, name));
  const problems = unset.map((name) => {
    const users = FUNCTIONS.filter((fn) => settingsOf(fn).includes(name));
    return `${name} is unset (${users.join(', ')} need it)`;
  });
  for (const name of SETTINGS_READ) {
    const value = envValue(env, name);
    const problem = value === undefined ? undefined : templatingProblem(value);
    if (problem) problems.push(`${name} ${problem}`);
  }
  if (problems.length)
    return [
      fail(
        'env',
        problems.join('; '),
        "fill them in .env (.env.example says what each is); a docker config goes in as base64: doctl registry docker-config --read-write | base64 | tr -d '\\n'",
      ),
    ];
  const counts = FUNCTIONS.map(
    (fn) => `${fn} ${settingsOf(fn).filter((name) => envValue(env, name)).length}`,
  );
  return [
    ok(
      'env',
      `every function has what it cannot run without; variables set per function: ${counts.join(', ')}`,
    ),
  ];
}

async function trigger(input: FunctionsCheckInput): Promise<CheckResult> {
  let wanted: boolean;
  try {
    wanted = wantsSweepTrigger(input.env);
  } catch (error) {
    return fail('trigger', messageOf(error), 'set FLEETPLANE_SWEEP_TRIGGER=on or off');
  }
  if (!wanted)
    return warn(
      'trigger',
      'FLEETPLANE_SWEEP_TRIGGER=off: nothing runs the sweep on a schedule',
      SWEEP_BY_HAND,
    );
  if (!input.triggers)
    return warn(
      'trigger',
      'the deployed triggers could not be listed here',
      `doctl serverless triggers list; without one, ${SWEEP_BY_HAND}`,
    );
  let deployed: DeployedTrigger[];
  try {
    deployed = await input.triggers();
  } catch (error) {
    return warn(
      'trigger',
      `the deployed triggers could not be listed (${messageOf(error)})`,
      `doctl serverless triggers list shows them; without the private preview, set FLEETPLANE_SWEEP_TRIGGER=off, npm run build, deploy again, and ${SWEEP_BY_HAND}`,
    );
  }
  const sweep = deployed.find(
    (t) => t.function.replace(/^\/?[^/]+\/(?=fleetplane\/)/, '') === 'fleetplane/sweep',
  );
  if (!sweep)
    return fail(
      'trigger',
      'the project asks for the sweep to run every minute, but no trigger invokes fleetplane/sweep',
      `deploy again (npm run build && doctl serverless deploy dist/digitalocean --env .env); without the private preview, set FLEETPLANE_SWEEP_TRIGGER=off and ${SWEEP_BY_HAND}`,
    );
  if (!sweep.enabled)
    return fail(
      'trigger',
      `the trigger ${sweep.name} of fleetplane/sweep is disabled`,
      `doctl serverless triggers enable ${sweep.name}`,
    );
  return ok(
    'trigger',
    `the trigger ${sweep.name} runs fleetplane/sweep (${sweep.cron ?? 'on its schedule'})${sweep.lastRunAt ? `, last at ${sweep.lastRunAt}` : ''}`,
  );
}

async function health(input: FunctionsCheckInput): Promise<CheckResult> {
  const url = envValue(input.env, 'FLEETPLANE_URL');
  if (!url || !input.health)
    return warn(
      'health',
      'FLEETPLANE_URL is unset, so the deployed functions were not asked',
      "export FLEETPLANE_URL=$(doctl serverless functions get fleetplane/deploy --url | sed 's#/deploy$##')",
    );
  try {
    const answer = await input.health(url);
    const checks = (answer.body as { checks?: Record<string, { ok?: boolean }> })?.checks ?? {};
    const down = Object.entries(checks)
      .filter(([, check]) => !check.ok)
      .map(([name]) => name);
    return answer.status === 200
      ? ok(
          'health',
          `${url}/health answers 200: ${Object.keys(checks).join(' and ') || 'the control plane'} ok`,
        )
      : fail(
          'health',
          `${url}/health answers ${answer.status}${down.length ? ` (${down.join(', ')} not ok)` : ''}`,
          'the sections above say what is wrong; doctl serverless activations logs --function fleetplane/health shows its log',
        );
  } catch (error) {
    return fail(
      'health',
      `${url}/health cannot be reached (${messageOf(error)})`,
      'check FLEETPLANE_URL, and that the functions are deployed (doctl serverless functions list)',
    );
  }
}

export async function functionsChecks(input: FunctionsCheckInput): Promise<CheckResult[]> {
  return [...variables(input.env), await trigger(input), await health(input)];
}
