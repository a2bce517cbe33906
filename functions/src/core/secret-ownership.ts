/**
 * Who may change where an existing agent's Secrets and model calls go. Ownership of a name
 * alone would let any token that reaches it set `provider.baseUrl` to a collector of its own
 * with `provider.apiKey` from the agent's Secret, and receive that Secret on every call. So
 * changing `provider.baseUrl`, `provider.apiKey` or any other Secret reference of an agent
 * that exists needs an admin token, or the very scope that created the agent (the record
 * keeps it). A rollback is such a write too.
 *
 * Pure. WARNING: a new field that sends a Secret somewhere (a tool's header, say) must show
 * up in `secretRefsOf` (agent-secrets.ts), and a new field that says *where* it goes must be
 * listed in `destinationsOf` below, or this rule will not see it change.
 */
import { secretRefsOf } from './agent-secrets.ts';
import type { AgentSpec } from './agent-spec.ts';
import { normalizeBaseUrl } from './base-url.ts';
import { formatPath } from './field-errors.ts';
import { describeScope, scopeLabel, type TokenScope } from './token-scope.ts';

/** The fields of a spec that decide where its Secrets go, by the name a message shows. */
function destinationsOf(spec: AgentSpec): Map<string, string> {
  const baseUrl = spec.provider?.baseUrl;
  return new Map([
    ['provider.baseUrl', baseUrl === undefined ? '(the platform’s)' : normalizeBaseUrl(baseUrl)],
  ]);
}

/** Each Secret reference of a spec by the field that uses it: env items by their name, not index. */
function referencesOf(spec: AgentSpec): Map<string, string> {
  return new Map(
    secretRefsOf(spec).map(({ path, name, key }) => {
      const [head, index] = path;
      const field =
        head === 'env' && typeof index === 'number'
          ? `env[${spec.env[index]?.name}].secretRef`
          : formatPath(path.slice(0, -1));
      return [field, `${name}/${key}`];
    }),
  );
}

/**
 * The fields whose Secret (or destination) differs from `before`: added or changed, in the
 * order a reader looks for them. A reference that is only removed sends nothing anywhere.
 */
export function secretFieldsChanged(before: AgentSpec, after: AgentSpec): string[] {
  const changed: string[] = [];
  for (const fieldsOf of [destinationsOf, referencesOf]) {
    const old = fieldsOf(before);
    for (const [field, value] of fieldsOf(after)) if (old.get(field) !== value) changed.push(field);
  }
  return changed;
}

/**
 * Why `writer` may not turn the agent's spec from `before` into `after` (undefined: it may).
 * `createdBy` is the scope that created the agent; records older than scoped tokens have none,
 * and then only an admin may change where their Secrets go.
 */
export function ownershipRefusal(input: {
  name: string;
  createdBy: string | undefined;
  writer: TokenScope;
  before: AgentSpec;
  after: AgentSpec;
}): string | undefined {
  const { name, createdBy, writer } = input;
  if (writer.role === 'admin' || (createdBy !== undefined && createdBy === scopeLabel(writer)))
    return undefined;
  const changed = secretFieldsChanged(input.before, input.after);
  if (changed.length === 0) return undefined;
  const owner =
    createdBy === undefined
      ? 'since it was created before tokens had scopes, only an admin token may'
      : `only an admin token or the scope that created it (${createdBy}) may`;
  return `changing where agent "${name}" sends its Secrets or model calls (${changed.join(', ')}): ${owner}; this token's scope is ${describeScope(writer)}`;
}
