/**
 * The pool's contract with the control plane, as contract.ts is the dedicated agent's: how
 * the pool finds pooled agents (labels on their ConfigMaps), how it reports what it serves
 * (annotations on Lease shards, one set per pool pod), and the messages of the local target's
 * IPC source. The control plane imports this module (`#agent-runtime/pool-contract`).
 *
 * Pure: plain data, no I/O, no SDK. A report is read back by the control plane as untrusted
 * input: every decoder here tolerates anything and keeps only well-formed entries.
 */

/** Name of the pool's Deployment, Service, route, HPA, PDB, NetworkPolicy and ServiceAccount. */
export const POOL_NAME = 'fleetplane-pool';
/** Every pool object carries `POOL_LABEL=POOL_NAME` (and no agent label: it belongs to no agent). */
export const POOL_LABEL = 'fleetplane.io/pool';

/** The agent a ConfigMap belongs to; the same key as the control plane's AGENT_LABEL. */
export const POOL_AGENT_LABEL = 'fleetplane.io/agent';
/** The tier label: `pooled` on the ConfigMap of every pooled agent. */
export const TIER_LABEL = 'fleetplane.io/tier';
export const POOLED = 'pooled';
/** The generation of the agent's config, on its ConfigMap (the control plane's GENERATION_ANNOTATION). */
export const POOL_GENERATION_ANNOTATION = 'fleetplane.io/generation';
/** The key of a pooled ConfigMap's data holding the runtime config (as for a dedicated agent). */
export const POOLED_CONFIG_KEY = 'agent.json';
/** What the pool watches: the ConfigMaps fleetplane labelled as pooled. */
export const POOLED_CONFIG_SELECTOR = `app.kubernetes.io/managed-by=fleetplane,${TIER_LABEL}=${POOLED}`;

/**
 * Node flags the pool runs with (the pool Deployment's command, the local target's process).
 * WHY: with Node's default young generation, a pool under load across 1,000 agents peaked at
 * about 315 MiB of RSS, mostly short-lived garbage; with 2 MiB semi-spaces, at about 230 MiB
 * (measured by `npm run bench`, section pool-memory), for some more frequent minor collections.
 */
export const POOL_NODE_FLAGS = ['--max-semi-space-size=2'] as const;

/** Paths of the pool itself; no agent name starts with `_`, so none can shadow them. */
export const POOL_PATHS = {
  health: '/_pool/health',
  ready: '/_pool/ready',
  metrics: '/_pool/metrics',
} as const;

/** Reports: Leases labelled `REPORT_LABEL=POOL_NAME`, and by the pod that wrote them. */
export const REPORT_LABEL = 'fleetplane.io/pool-report';
export const REPORT_POD_LABEL = 'fleetplane.io/pool-pod';
/** JSON `{"<agent>": [generation, "<version>"]}`: what this pod serves. */
export const SERVING_ANNOTATION = 'fleetplane.io/serving';
/** JSON `{"<agent>": [generation, "<version>", "<why>"]}`: what this pod could not load. */
export const FAILED_ANNOTATION = 'fleetplane.io/failed';
/**
 * Shards per pod. An object's annotations may hold 256 KiB in all; an entry is about 40 bytes
 * (a failed one at most MAX_LOAD_ERROR_CHARS more), so 16 shards hold 10,000 agents with room
 * to spare even if every one failed (about 625 per shard, under 160 KiB).
 */
export const DEFAULT_REPORT_SHARDS = 16;
export const MAX_REPORT_SHARDS = 256;
/** Longest load error a report carries (the pool's log has it whole). */
export const MAX_LOAD_ERROR_CHARS = 200;

/** What a pod has loaded for one agent: its config's generation and the object's version. */
export interface Loaded {
  generation: number;
  /** The ConfigMap's resourceVersion (the local target's own counter): what exactly was loaded. */
  version: string;
}

export interface LoadFailure extends Loaded {
  error: string;
}

export interface PoolReport {
  serving: Record<string, Loaded>;
  failed: Record<string, LoadFailure>;
}

export const emptyReport = (): PoolReport => ({ serving: {}, failed: {} });

const AGENT_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const isAgentName = (name: unknown): name is string =>
  typeof name === 'string' && name.length <= 63 && AGENT_NAME.test(name);

/** FNV-1a of the name: stable across processes and languages, so any reader finds the shard. */
export function shardOf(name: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** The report split into `shards` parts by agent name; empty parts included. */
export function splitReport(report: PoolReport, shards: number): PoolReport[] {
  const parts = Array.from({ length: shards }, emptyReport);
  for (const [name, loaded] of Object.entries(report.serving))
    (parts[shardOf(name, shards)] as PoolReport).serving[name] = loaded;
  for (const [name, failure] of Object.entries(report.failed))
    (parts[shardOf(name, shards)] as PoolReport).failed[name] = failure;
  return parts;
}

/** Name of one report Lease of a pool pod: `<pod>.report-07`. */
export const reportLeaseName = (pod: string, shard: number) =>
  `${pod}.report-${String(shard).padStart(2, '0')}`;

/** The annotations of one report shard, in a stable order (equal reports, equal text). */
export function reportAnnotations(part: PoolReport): Record<string, string> {
  const serving: Record<string, [number, string]> = {};
  for (const name of Object.keys(part.serving).sort()) {
    const { generation, version } = part.serving[name] as Loaded;
    serving[name] = [generation, version];
  }
  const failed: Record<string, [number, string, string]> = {};
  for (const name of Object.keys(part.failed).sort()) {
    const { generation, version, error } = part.failed[name] as LoadFailure;
    failed[name] = [generation, version, error.slice(0, MAX_LOAD_ERROR_CHARS)];
  }
  return { [SERVING_ANNOTATION]: JSON.stringify(serving), [FAILED_ANNOTATION]: JSON.stringify(failed) };
}

function entries(text: string | undefined): [string, unknown[]][] {
  if (!text) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [];
  return Object.entries(parsed).filter(
    (entry): entry is [string, unknown[]] => isAgentName(entry[0]) && Array.isArray(entry[1]),
  );
}

const isGeneration = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** A report shard read back from its annotations; malformed entries are dropped. */
export function reportFromAnnotations(annotations: Record<string, string> | undefined): PoolReport {
  const report = emptyReport();
  for (const [name, [generation, version]] of entries(annotations?.[SERVING_ANNOTATION]))
    if (isGeneration(generation) && typeof version === 'string')
      report.serving[name] = { generation, version };
  for (const [name, [generation, version, error]] of entries(annotations?.[FAILED_ANNOTATION]))
    if (isGeneration(generation) && typeof version === 'string')
      report.failed[name] = {
        generation,
        version,
        error: typeof error === 'string' ? error.slice(0, MAX_LOAD_ERROR_CHARS) : 'unknown error',
      };
  return report;
}

/** Merges shards (or whole reports) into one. */
export function mergeReports(parts: readonly PoolReport[]): PoolReport {
  const merged = emptyReport();
  for (const part of parts) {
    Object.assign(merged.serving, part.serving);
    Object.assign(merged.failed, part.failed);
  }
  return merged;
}

/** One pooled agent's config as a source hands it to the pool. */
export interface PooledConfig {
  name: string;
  generation: number;
  version: string;
  /** The runtime config file's text (contract.ts), exactly as stored. */
  configJson: string;
}

/**
 * The local target's source: the supervisor sends what the pool should serve. `reset` says the
 * message holds the whole set (the pool drops what it does not name); otherwise it is a change.
 */
export interface PoolConfigsMessage {
  type: 'pool-configs';
  reset: boolean;
  upsert: PooledConfig[];
  remove: string[];
}

/** The pool's report to its local supervisor, sent whenever it changes. */
export interface PoolReportMessage {
  type: 'pool-report';
  report: PoolReport;
}

export const isPoolConfigsMessage = (message: unknown): message is PoolConfigsMessage =>
  typeof message === 'object' &&
  message !== null &&
  (message as PoolConfigsMessage).type === 'pool-configs' &&
  Array.isArray((message as PoolConfigsMessage).upsert) &&
  Array.isArray((message as PoolConfigsMessage).remove);

export const isPoolReportMessage = (message: unknown): message is PoolReportMessage =>
  typeof message === 'object' &&
  message !== null &&
  (message as PoolReportMessage).type === 'pool-report' &&
  typeof (message as PoolReportMessage).report === 'object';
