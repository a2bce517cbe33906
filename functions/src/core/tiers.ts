/**
 * The two tiers an agent runs on, and what a pooled agent may not have.
 *
 *   dedicated  its own Deployment, Service, route, HPA, PDB, NetworkPolicy and ConfigMap (the default)
 *   pooled     one object, its ConfigMap; the namespace's pool serves it beside the others
 *
 * A pooled agent shares the pool's pods: their resources, their scaling, their one environment,
 * and their identity, which reads no Secret but the platform's provider key (set in the pod's
 * env). So whatever a config would need its own pod for is refused, naming the field and saying
 * to use `dedicated`.
 *
 * Pure.
 */

export const TIERS = ['dedicated', 'pooled'] as const;
export type Tier = (typeof TIERS)[number];
export const DEFAULT_TIER: Tier = 'dedicated';

/** The tier of a spec or config (stored specs from before tiers are dedicated). */
export const tierOf = (agent: { tier?: Tier | undefined }): Tier => agent.tier ?? DEFAULT_TIER;

/** What a config writes that a pooled agent cannot have, and why. */
const POOLED_FORBIDS = [
  { field: 'resources', why: "pooled agents run in the pool's pods, with the pool's resources" },
  { field: 'scaling', why: 'the pool scales for all of its agents together' },
  { field: 'env', why: 'pooled agents share one process and its environment' },
  {
    field: 'provider',
    why: "pooled agents use the platform's model provider: the pool reads no Secret but the platform's key, and has one base URL",
  },
  {
    field: 'tools',
    why: "a tool is egress, and an agent's egress is its own NetworkPolicy: the pool's one policy cannot open each pooled agent's tools alone",
  },
  { field: 'toolLimits', why: 'pooled agents have no tools' },
] as const;

export interface TierIssue {
  path: (string | number)[];
  message: string;
  input: unknown;
}

const useDedicated = 'remove it, or set "tier": "dedicated"';

const show = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/** Every field of a pooled config that only a dedicated agent may set; none for a dedicated one. */
export function pooledIssues(config: {
  tier?: Tier | undefined;
  resources?: unknown;
  scaling?: unknown;
  env?: unknown;
  provider?: unknown;
  tools?: unknown;
  toolLimits?: unknown;
  auth?: { apiKeyHashes?: unknown } | undefined;
}): TierIssue[] {
  if (tierOf(config) !== 'pooled') return [];
  const issues: TierIssue[] = [];
  for (const { field, why } of POOLED_FORBIDS) {
    const value = config[field];
    if (value !== undefined)
      issues.push({
        path: [field],
        message: `must not be set for a pooled agent: ${why}; ${useDedicated} (got ${show(value)})`,
        input: value,
      });
  }
  if (config.auth?.apiKeyHashes !== undefined)
    issues.push({
      path: ['auth', 'apiKeyHashes'],
      message: `must not name a Secret for a pooled agent: the pool reads no Secret of an agent; give the keys' SHA-256 hashes in auth.apiKeySha256, or set "tier": "dedicated" (got ${show(config.auth.apiKeyHashes)})`,
      input: config.auth.apiKeyHashes,
    });
  return issues;
}
