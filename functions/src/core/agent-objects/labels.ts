/**
 * Names and labels every object of an agent carries, so that one label selector finds all
 * of them (status, delete, orphan sweep) and humans recognise them.
 *
 * Pure.
 */
import { POOL_AGENT_LABEL, POOLED, TIER_LABEL } from '#agent-runtime/pool-contract';

export { POOLED, TIER_LABEL };

/** The same key the pool reads (its contract): one definition. */
export const AGENT_LABEL = POOL_AGENT_LABEL;
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'fleetplane';
/**
 * The store an object belongs to (its fleet id, kept in the store's fleet.json). Listing and
 * orphan deletion select by it, so a control plane never touches another store's agents.
 */
export const FLEET_LABEL = 'fleetplane.io/fleet';
export const GENERATION_ANNOTATION = 'fleetplane.io/generation';
/** The incarnation of the agent name the object was applied for. */
export const INCARNATION_ANNOTATION = 'fleetplane.io/incarnation';
export const SPEC_HASH_ANNOTATION = 'fleetplane.io/spec-hash';
export const CONFIG_CHECKSUM_ANNOTATION = 'fleetplane.io/config-checksum';
export const FIELD_MANAGER = 'fleetplane';
/** Where an agent runs: "digitalocean" (the cluster) or "local" (a process of the local server). */
export const TARGET_LABEL = 'fleetplane.io/target';

/**
 * On a Deployment as the local server reports it (never on a rendered object): its replicas
 * are processes of the local server, not pods, so status speaks of processes.
 */
export const LOCAL_PROCESSES_ANNOTATION = 'fleetplane.io/local-processes';

/** Selects every object fleetplane manages, across agents and fleets. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY},${AGENT_LABEL}`;

export function agentSelector(name: string): string {
  return `${MANAGED_BY_LABEL}=${MANAGED_BY},${AGENT_LABEL}=${name}`;
}

/** Labels on every object of the agent (pod template included). */
export function agentLabels(
  name: string,
  template: string,
  target = 'digitalocean',
  fleet?: string,
): Record<string, string> {
  return {
    ...(fleet ? { [FLEET_LABEL]: fleet } : {}),
    [TARGET_LABEL]: target,
    'app.kubernetes.io/name': 'fleetplane-agent',
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/component': 'agent',
    'app.kubernetes.io/part-of': 'fleetplane',
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [AGENT_LABEL]: name,
    'fleetplane.io/template': template
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, 63),
  };
}

/** The immutable selector of the agent's Deployment, PDB, NetworkPolicy and Service. */
export function podSelector(name: string): Record<string, string> {
  return { [AGENT_LABEL]: name };
}

export const objectNames = {
  configMap: (name: string) => `${name}-config`,
  /** A pooled agent's one object; a name of its own, so both tiers' configs coexist while it moves. */
  pooledConfig: (name: string) => `${name}-pooled`,
  workload: (name: string) => name,
} as const;
