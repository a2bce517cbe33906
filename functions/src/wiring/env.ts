/**
 * The process environment as configuration: one type, and one rule for reading it. A
 * variable set to the empty string counts as unset (an unset `.env` value templates into
 * project.yml as ""), so a default or a clear error applies instead of an empty name.
 */
export type Env = Record<string, string | undefined>;

/** The value of `name`, or undefined when it is unset or empty. */
export function envValue(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Thrown when the configuration cannot work; the message names the variable and the fix. */
export { SettingsError } from '../core/errors.ts';
