/**
 * What an API token may do: its role and the agent names it covers (a glob). The rules of
 * who may do which verb to which name live here and nowhere else; api/auth.ts parses the
 * scopes out of FLEETPLANE_API_TOKEN_HASHES and asks these rules on every request.
 *
 * - admin: every verb on every name, and the fleet-wide ones (gc);
 * - deployer: deploy, delete, rollback, and every read, of the names its glob matches;
 * - viewer: the reads only (list, status, config, revisions, logs), of the names it matches.
 *
 * Pure. WARNING: a refusal's message names the token's scope (its role and glob, never the
 * token or its hash) and what the verb needs, so a caller learns what to ask an operator for.
 */

export const ROLES = ['admin', 'deployer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface TokenScope {
  role: Role;
  /** A glob over agent names: `*` matches any run of characters (`team-a-*`, `*`). */
  names: string;
}

/** What an old-style entry (a bare hash), the open local server and a DigitalOcean invocation hold. */
export const ADMIN_SCOPE: TokenScope = { role: 'admin', names: '*' };

/** Every verb of the API that acts on agents, by what it needs. */
const VERB_LEVELS = {
  list: 'read',
  get: 'read',
  config: 'read',
  revisions: 'read',
  logs: 'read',
  deploy: 'write',
  delete: 'write',
  rollback: 'write',
  gc: 'fleet',
} as const;
export type Verb = keyof typeof VERB_LEVELS;
type Level = (typeof VERB_LEVELS)[Verb];

const LEVELS_OF: Record<Role, readonly Level[]> = {
  admin: ['read', 'write', 'fleet'],
  deployer: ['read', 'write'],
  viewer: ['read'],
};

/** Characters a glob may hold: those of agent names, and `*`. */
export const NAME_GLOB = /^[a-z0-9*-]{1,64}$/;

/** How a scope reads in messages, records and `GET /whoami`: `deployer:team-a-*`. */
export const scopeLabel = (scope: TokenScope): string => `${scope.role}:${scope.names}`;

/** Compiled globs: a list filters every name of the fleet, so each glob compiles once. */
const compiled = new Map<string, RegExp>();

export function globMatches(glob: string, name: string): boolean {
  let pattern = compiled.get(glob);
  if (!pattern) {
    const source = glob
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    pattern = new RegExp(`^${source}$`);
    // Globs come from the settings only (a handful), never from requests: the map stays small.
    compiled.set(glob, pattern);
  }
  return pattern.test(name);
}

/** Whether the scope reaches this agent name at all (whatever the verb). */
export const covers = (scope: TokenScope, name: string): boolean =>
  scope.role === 'admin' || globMatches(scope.names, name);

const WHAT_ROLES_DO: Record<Role, (names: string) => string> = {
  admin: () => 'every verb on every agent',
  deployer: (names) => `deploy, delete, roll back and read agents named ${names}`,
  viewer: (names) => `read-only: list, status, config, revisions and logs of agents named ${names}`,
};

/** `deployer:team-a-* (deploy, delete, roll back and read agents named team-a-*)`. */
export const describeScope = (scope: TokenScope): string =>
  `${scopeLabel(scope)} (${WHAT_ROLES_DO[scope.role](scope.names)})`;

const NEEDS: Record<Level, string> = {
  read: 'any token whose glob matches the name',
  write: 'a deployer token whose glob matches the name, or an admin token',
  fleet: 'an admin token, since it acts on the whole fleet',
};

/**
 * Why the scope may not do `verb` to the agents named (undefined: it may). `names` is empty for
 * fleet-wide verbs. Every out-of-scope name is listed, so a batch is refused whole, once.
 */
export function refusalOf(scope: TokenScope, verb: Verb, names: readonly string[] = []): string | undefined {
  const level = VERB_LEVELS[verb];
  const scopeText = `this token's scope is ${describeScope(scope)}`;
  if (!LEVELS_OF[scope.role].includes(level))
    return `${scopeText}, so it may not ${verb}: that needs ${NEEDS[level]}`;
  const outside = names.filter((name) => !covers(scope, name));
  if (outside.length === 0) return undefined;
  const listed = outside.map((name) => JSON.stringify(name)).join(', ');
  return outside.length === names.length && names.length === 1
    ? `${scopeText}, so it may not ${verb} ${listed}: that needs ${NEEDS[level]}`
    : `${scopeText}, so it may not ${verb} ${listed} (outside its glob); nothing was done, since a request is refused whole`;
}
