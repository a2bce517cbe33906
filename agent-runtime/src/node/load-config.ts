/**
 * Reads and validates the mounted agent config file. A bad file is fatal by design: the
 * process exits with a message naming the field, so the pod shows CrashLoopBackOff with a
 * reason instead of serving a half-configured agent.
 */
import { readFile } from 'node:fs/promises';
import { type RuntimeConfig, runtimeConfigSchema } from '../contract.ts';
import { fieldErrors } from '../http/read-json.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export async function loadConfig(path: string): Promise<RuntimeConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read agent config ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`agent config ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = runtimeConfigSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    const problems = parsed.error.issues
      .flatMap((i) => fieldErrors(i))
      .map((e) => `${e.path}: ${e.message}`)
      .join('; ');
    throw new ConfigError(`agent config ${path} is invalid: ${problems}`);
  }
  return parsed.data;
}
