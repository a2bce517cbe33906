/**
 * The Secrets of local agents (`npm start` without a cluster): one JSON file per Secret in a
 * directory of their own, `<store>/local/secrets/<secret-name>.json` (by default
 * `.fleetplane/local/secrets/support-bot.db.json`), holding an object of string values, as a
 * Kubernetes Secret's `stringData` would:
 *
 *     {"url": "postgres://user:pw@localhost:5432/app"}
 *
 * A reference to a Secret or key that is not there is an error the agent's status shows
 * (CreateContainerConfigError, as a kubelet reports it), never an empty value.
 *
 * WARNING: nothing here reads the server's own environment. A config names a Secret; letting
 * that name a variable of the server's (AWS_SECRET_ACCESS_KEY, say) would hand the server's
 * credentials to whoever may deploy.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A Secret's value, or why there is none (in words for the pod's status). */
export type SecretValue = { value: string } | { problem: string };

export type SecretReader = (name: string, key: string) => SecretValue;

/** Kubernetes Secret names (DNS subdomains): no '/', no '..', so a name is one file of the directory. */
const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const secretFileOf = (dir: string, name: string) => join(dir, `${name}.json`);

export function localSecrets(dir: string): SecretReader {
  return (name, key) => {
    if (!SECRET_NAME.test(name))
      return { problem: `secret name ${JSON.stringify(name)} is not a Kubernetes Secret name` };
    const file = secretFileOf(dir, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        return { problem: `secret "${name}" cannot be read from ${file}: ${(error as Error).message}` };
      return {
        problem: `secret "${name}" not found: write its keys to ${file}, e.g. {${JSON.stringify(key)}: "..."}`,
      };
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      return { problem: `secret "${name}" (${file}) must be a JSON object of string values` };
    const value = Object.hasOwn(data, key) ? (data as Record<string, unknown>)[key] : undefined;
    if (typeof value !== 'string')
      return { problem: `couldn't find key ${key} in secret "${name}" (${file}): it needs a string value` };
    return { value };
  };
}
