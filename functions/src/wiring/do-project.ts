/**
 * The project `doctl serverless deploy` deploys, written by `npm run build` into
 * dist/digitalocean/ beside the bundled functions: project.yml as committed, with two changes.
 *
 * - A variable that is unset or empty (in the environment and in .env) is left out of each
 *   function's environment. DigitalOcean's deployer refuses a project with any `${VAR}` it cannot
 *   resolve, and it counts "" as unresolved ("The following substitutions could not be
 *   resolved"), so the committed project.yml, which names every optional setting, would deploy
 *   only with every one of them set. Left out, a setting takes its default, as "" would.
 * - With FLEETPLANE_SWEEP_TRIGGER=off the sweep's scheduled trigger is left out: triggers are a
 *   private preview, and without access the deployer fails on it. The sweep then runs only when
 *   invoked (`doctl serverless functions invoke fleetplane/sweep`).
 *
 * Values stay `${VAR}` templates (the deployer fills them in): no secret is written here.
 */
import { parse, stringify } from 'yaml';
import type { Env } from './env.ts';

export const SWEEP_TRIGGER_SETTING = 'FLEETPLANE_SWEEP_TRIGGER';

interface ProjectFunction {
  name: string;
  environment?: Record<string, string>;
  triggers?: unknown[];
  [key: string]: unknown;
}
interface Project {
  packages: { name: string; functions: ProjectFunction[]; [key: string]: unknown }[];
  [key: string]: unknown;
}

/**
 * Why a value cannot be templated into project.yml, or undefined. project.yml quotes every value
 * ("${VAR}"), and the deployer pastes the text in as it is: a `"` ends the string early and a `\`
 * starts an escape. A docker config must go in as base64 for that reason.
 */
export function templatingProblem(value: string): string | undefined {
  if (value.includes('"')) return 'holds a double quote (give JSON as base64)';
  if (value.includes('\\')) return 'holds a backslash';
  return undefined;
}

export interface DeployableProject {
  /** The project.yml to deploy. */
  text: string;
  /** Variables left out because they are unset or empty, once each, sorted. */
  leftOut: string[];
  /** Whether the sweep's trigger is in it. */
  trigger: boolean;
}

const TEMPLATE = /^\$\{([A-Z0-9_]+)\}$/;

/** Whether FLEETPLANE_SWEEP_TRIGGER asks for the trigger: on (the default) or off. */
export function wantsSweepTrigger(env: Env): boolean {
  const value = (env[SWEEP_TRIGGER_SETTING] ?? '').trim().toLowerCase();
  if (value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`${SWEEP_TRIGGER_SETTING} must be "on" or "off" (got "${env[SWEEP_TRIGGER_SETTING]}")`);
}

export function deployableProject(template: string, env: Env): DeployableProject {
  const project = parse(template) as Project;
  const trigger = wantsSweepTrigger(env);
  const leftOut = new Set<string>();
  for (const pkg of project.packages)
    for (const fn of pkg.functions) {
      for (const [name, value] of Object.entries(fn.environment ?? {})) {
        const variable = TEMPLATE.exec(value)?.[1];
        if (!variable) continue;
        const set = env[variable];
        if (!set) {
          delete fn.environment?.[name];
          leftOut.add(variable);
          continue;
        }
        const problem = templatingProblem(set);
        if (problem) throw new Error(`${variable} ${problem}: project.yml cannot carry it as it is`);
      }
      if (!trigger) delete fn.triggers;
    }
  const header =
    '# Written by `npm run build` from project.yml and the settings (.env and the environment).\n' +
    '# Deploy it with `doctl serverless deploy dist/digitalocean --env .env`; edit project.yml, not this.\n';
  // Double quotes keep every value a string once the deployer has filled it in (`:` or `#` in it).
  return {
    text:
      header +
      stringify(project, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 }),
    leftOut: [...leftOut].sort(),
    trigger,
  };
}
