/**
 * Registry credentials from a Docker config (`{"auths": {"<host>": {"auth": "<base64 user:pass>"}}}`),
 * the JSON `doctl registry docker-config --read-write` prints and Kaniko reads from
 * /kaniko/.docker/config.json. The control plane reads the same file, as JSON or base64, from
 * FLEETPLANE_REGISTRY_DOCKER_CONFIG, so builds push and the control plane looks up with one
 * credential.
 *
 * Must never put a credential (or the text it came from) into an error message or a log.
 */
import { SettingsError } from '../core/errors.ts';

export interface RegistryCredentials {
  username: string;
  password: string;
}

interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
}

export type DockerConfig = Map<string, RegistryCredentials>;

/** `https://index.docker.io/v1/`, `http://host:5000`, `host` all name the host they contain. */
const hostOf = (key: string) =>
  key
    .replace(/^[a-z]+:\/\//i, '')
    .split('/')[0]
    ?.toLowerCase() ?? '';

function entryCredentials(entry: AuthEntry): RegistryCredentials | undefined {
  if (typeof entry.username === 'string' && typeof entry.password === 'string')
    return { username: entry.username, password: entry.password };
  if (typeof entry.auth !== 'string') return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : undefined;
}

/**
 * Parses a Docker config given as JSON or as base64 of the JSON (a one-line value for `.env`).
 * `source` names where it came from, for errors; the text itself is never repeated.
 */
export function parseDockerConfig(text: string, source: string): DockerConfig {
  const trimmed = text.trim();
  const json = trimmed.startsWith('{') ? trimmed : Buffer.from(trimmed, 'base64').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new SettingsError(
      `${source} must be a Docker config, as JSON or base64 ({"auths": {"<registry host>": {"auth": "..."}}}, e.g. from doctl registry docker-config --read-write); it is neither`,
    );
  }
  const auths = (parsed as { auths?: unknown } | null)?.auths;
  if (!auths || typeof auths !== 'object')
    throw new SettingsError(
      `${source} must hold an "auths" object, as doctl registry docker-config prints it`,
    );
  const config: DockerConfig = new Map();
  for (const [key, entry] of Object.entries(auths as Record<string, AuthEntry>)) {
    const credentials = entry && typeof entry === 'object' ? entryCredentials(entry) : undefined;
    if (!credentials)
      throw new SettingsError(
        `${source}: the entry for ${hostOf(key)} has neither "auth" (base64 of user:password) nor "username" and "password"`,
      );
    config.set(hostOf(key), credentials);
  }
  return config;
}

/** The credentials for a registry host (with its port, as in the image reference), if any. */
export function credentialsFor(
  config: DockerConfig | undefined,
  host: string,
): RegistryCredentials | undefined {
  return config?.get(host.toLowerCase());
}
