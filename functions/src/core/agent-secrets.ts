/**
 * Which Secrets an agent may reference (`env[].secretRef`, `auth.apiKeyHashes`,
 * `provider.apiKey`, its tools' header `secretRef`s and `apiKey`s): only its own, and an agent's own Secrets are named
 * `<agent-name>.<anything>` ("support-bot.keys", "support-bot.db").
 *
 * Why a dot and not `<agent-name>-*`: agent names are DNS labels, which contain '-' but never
 * '.', so the owner of a Secret is exactly the part of its name before the first dot. With a
 * '-' rule, agent "support" would own "support-bot-keys", and an agent named "fleetplane"
 * would own "fleetplane-provider", the platform's model key. The rule needs nothing but the
 * two names, so validation checks it without reading the cluster.
 *
 * Pure. WARNING: a Secret whose name has a dot belongs to the agent its first label names.
 * Keep the agents namespace for agents (Helm's release Secrets, `sh.helm.release.v1.*`, would
 * belong to an agent named "sh"); the platform's own Secrets are refused by name as well
 * (agent-policy.ts), whatever they are called.
 */

/** Whether `agent` may reference the Secret `secretName`. */
export function ownsSecret(agent: string, secretName: string): boolean {
  return secretName.startsWith(`${agent}.`) && secretName.length > agent.length + 1;
}

/** How the rule reads in messages and docs. */
export const OWN_SECRET_RULE = 'an agent may reference only its own Secrets, named "<agent-name>.<anything>"';

/** The message for a Secret the agent does not own. */
export function notOwnedMessage(agent: string, secretName: string): string {
  return `must name one of this agent's own Secrets: ${OWN_SECRET_RULE}, e.g. "${agent}.keys" (got ${JSON.stringify(secretName)})`;
}

interface SecretRef {
  name: string;
  key: string;
}

/** One Secret reference of a config: the field that names it, and which key of which Secret. */
export interface SecretUse {
  path: (string | number)[];
  name: string;
  key: string;
}

/** Where a tool names Secrets: its headers' `secretRef`s, an agent tool's `apiKey`. */
interface ToolSecretRefs {
  headers?: Record<string, string | { secretRef: SecretRef }> | undefined;
  apiKey?: SecretRef | undefined;
}

/** Every Secret a config or spec names, with the path of the field that names it. */
export function secretRefsOf(agent: {
  env?: readonly { secretRef?: SecretRef | undefined }[] | undefined;
  apiKeyHashes?: SecretRef | undefined;
  provider?: { apiKey?: SecretRef | undefined } | undefined;
  tools?: readonly ToolSecretRefs[] | undefined;
}): SecretUse[] {
  const refs: SecretUse[] = [];
  const use = (path: (string | number)[], ref: SecretRef) =>
    refs.push({ path, name: ref.name, key: ref.key });
  agent.env?.forEach((item, index) => {
    if (item.secretRef) use(['env', index, 'secretRef', 'name'], item.secretRef);
  });
  if (agent.apiKeyHashes) use(['auth', 'apiKeyHashes', 'name'], agent.apiKeyHashes);
  if (agent.provider?.apiKey) use(['provider', 'apiKey', 'name'], agent.provider.apiKey);
  agent.tools?.forEach((tool, index) => {
    for (const [header, value] of Object.entries(tool.headers ?? {}))
      if (typeof value === 'object')
        use(['tools', index, 'headers', header, 'secretRef', 'name'], value.secretRef);
    if (tool.apiKey) use(['tools', index, 'apiKey', 'name'], tool.apiKey);
  });
  return refs;
}
