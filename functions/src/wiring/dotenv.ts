/**
 * The settings the functions are deployed with: `.env` beside project.yml, under the process
 * environment, exactly as DigitalOcean's deployer resolves a `${VAR}` in project.yml
 * (`process.env[VAR] || envFile[VAR]`: a variable set to "" in the environment falls through to
 * the file). `npm run build` and `fleetplane doctor` read them this way, so both see what
 * `doctl serverless deploy` will template.
 *
 * Node's own parser (util.parseEnv) reads the file, with dotenv's syntax, as the deployer does.
 * Never logs or returns anything but the merged values to its caller.
 */
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { Env } from './env.ts';

export interface DeploySettings {
  env: Env;
  /** The file that was read, or undefined when there was none. */
  file: string | undefined;
}

export function deploySettings(processEnv: Env, envFile: string): DeploySettings {
  let fromFile: Env = {};
  let file: string | undefined;
  try {
    fromFile = parseEnv(readFileSync(envFile, 'utf8')) as Env;
    file = envFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const env: Env = { ...fromFile };
  for (const [name, value] of Object.entries(processEnv)) if (value) env[name] = value;
  return { env, file };
}
