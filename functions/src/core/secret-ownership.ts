/**
 * Who may change where an existing agent's Secrets and model calls go. Ownership of a name
 * alone would let any token that reaches it set `provider.baseUrl` to a collector of its own
 * with `provider.apiKey` from the agent's Secret, and receive that Secret on every call. So
 * changing `provider.baseUrl`, `provider.apiKey` or any other Secret reference of an agent
 * that exists needs an admin token, or the very scope that created the agent (the record
 * keeps it). A rollback is such a write too.
 *
 * The owner survives a delete: the tombstone keeps it, since a delete does not delete the
 * agent's Secrets, and a scope that may delete the name could otherwise delete it and deploy it
 * again at once with the Secrets pointed where it likes. A re-creation by another scope keeps the
 * old owner, and may reference no Secret; an admin's re-creation makes the admin the owner.
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
    // A tool's credentials go wherever the tool points: its URL, or the agent it calls.
    ...(spec.tools ?? []).map(
      (tool, index) =>
        [
          `tools[${index}]`,
          tool.type === 'agent' ? `agent ${tool.agent}` : `${tool.type} ${tool.url}`,
        ] as const,
    ),
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

const ownerText = (createdBy: string | undefined) =>
  createdBy === undefined
    ? 'only an admin token may (the agent was created before tokens had scopes)'
    : `only an admin token or the scope that created it (${createdBy}) may`;

/** Whether the writer owns what `createdBy` (of a record or a tombstone) says is owned. */
const owns = (writer: TokenScope, createdBy: string | undefined) =>
  writer.role === 'admin' || (createdBy !== undefined && createdBy === scopeLabel(writer));

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
  if (owns(writer, createdBy)) return undefined;
  const changed = secretFieldsChanged(input.before, input.after);
  if (changed.length === 0) return undefined;
  return `changing where agent "${name}" sends its Secrets or model calls (${changed.join(', ')}): ${ownerText(createdBy)}; this token's scope is ${describeScope(writer)}`;
}

/**
 * A name deployed again after a delete: who owns the new incarnation (`createdBy`), or why the
 * writer may not deploy this spec there. `deletedOwner` is what the tombstone kept.
 */
export function recreation(input: {
  name: string;
  deletedOwner: string | undefined;
  writer: TokenScope;
  spec: AgentSpec;
}): { createdBy: string | undefined } | { refused: string } {
  const { name, deletedOwner, writer, spec } = input;
  if (owns(writer, deletedOwner)) return { createdBy: scopeLabel(writer) };
  const references = [...referencesOf(spec).keys()];
  if (references.length === 0) return { createdBy: deletedOwner };
  return {
    refused: `deploying "${name}" again with Secret references (${references.join(', ')}): its Secrets (${name}.*) outlive the agent deleted under that name, and ${ownerText(deletedOwner)}; this token's scope is ${describeScope(writer)}`,
  };
}
