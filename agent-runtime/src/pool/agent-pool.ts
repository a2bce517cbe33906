/**
 * The agents one pool process serves: each pooled config as a source delivered it, checked
 * against the runtime's contract when it arrives, and the agent's app, built on its first
 * request with the very createAgentApp a dedicated agent runs. What it holds is what it reports.
 *
 * - Idempotent: the same config text again (a relist, a label change) only updates the
 *   generation and version reported; the app, its rate limits and metrics are kept.
 * - A config that fails to load affects only its agent: it is reported failed, with the reason,
 *   and the agent answers 503 until a good config arrives. The app of an older good config is
 *   not kept: serving an outdated agent while reporting a failure would be two truths.
 * - In-flight requests of a replaced app finish on the app they started on.
 *
 * Web-standard only (no node:*): a source (Kubernetes watch, IPC) feeds it, a front serves it.
 */
import { type ResolvedRuntimeConfig, runtimeConfigSchema } from '../contract.ts';
import { fieldErrors } from '../http/read-json.ts';
import type { Logger } from '../observability/logger.ts';
import {
  isAgentName,
  type Loaded,
  type LoadFailure,
  MAX_LOAD_ERROR_CHARS,
  type PooledConfig,
  type PoolReport,
} from './contract.ts';

export type AgentFetch = (request: Request, env?: unknown) => Response | Promise<Response>;

export interface AgentPoolOptions {
  /** Builds one agent's app (createAgentApp with the pool's shared model, log sink and lifecycle). */
  build: (config: ResolvedRuntimeConfig) => AgentFetch;
  log: Logger;
}

interface Entry extends Loaded {
  configJson: string;
  config?: ResolvedRuntimeConfig;
  error?: string;
  app?: AgentFetch;
}

export type Lookup =
  | { kind: 'ready'; fetch: AgentFetch; config: ResolvedRuntimeConfig }
  | { kind: 'failed'; error: string }
  | { kind: 'unknown' };

/** Why a config cannot be served as `name`'s, or undefined with the parsed config. */
function check(source: PooledConfig): { config?: ResolvedRuntimeConfig; error?: string } {
  let json: unknown;
  try {
    json = JSON.parse(source.configJson);
  } catch (error) {
    return { error: `the config is not valid JSON: ${(error as Error).message}` };
  }
  const parsed = runtimeConfigSchema.safeParse(json, { reportInput: true });
  if (!parsed.success)
    return {
      error: `the config is invalid: ${parsed.error.issues
        .flatMap((issue) => fieldErrors(issue))
        .map((e) => `${e.path}: ${e.message}`)
        .join('; ')}`,
    };
  const config = parsed.data;
  // WARNING: the name comes from the ConfigMap's label; a config naming another agent (or path)
  // would otherwise serve under a path that is not its own.
  if (config.name !== source.name || config.basePath !== `/${source.name}`)
    return {
      error: `the config is for agent "${config.name}" at "${config.basePath}", not for "${source.name}" at "/${source.name}"`,
    };
  return { config };
}

export class AgentPool {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();
  private readonly options: AgentPoolOptions;

  constructor(options: AgentPoolOptions) {
    this.options = options;
  }

  get size(): number {
    return this.entries.size;
  }

  /** How many agents have their app built (served at least one request since their config came). */
  get built(): number {
    let count = 0;
    for (const entry of this.entries.values()) if (entry.app) count++;
    return count;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Called after every change of what the pool serves (for the reporter). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed() {
    for (const listener of this.listeners) listener();
  }

  /** Loads (or reloads) one agent's config. */
  upsert(source: PooledConfig): void {
    if (!isAgentName(source.name)) {
      this.options.log.warn('pooled config ignored: not an agent name', { name: String(source.name) });
      return;
    }
    const current = this.entries.get(source.name);
    if (current && current.configJson === source.configJson) {
      if (current.generation === source.generation && current.version === source.version) return;
      current.generation = source.generation;
      current.version = source.version;
      this.changed();
      return;
    }
    const { config, error } = check(source);
    const entry: Entry = {
      generation: source.generation,
      version: source.version,
      configJson: source.configJson,
      ...(config ? { config } : {}),
      ...(error ? { error } : {}),
    };
    this.entries.set(source.name, entry);
    if (error)
      this.options.log.error('pooled agent config rejected', {
        agent: source.name,
        generation: source.generation,
        detail: error,
      });
    else
      this.options.log.info(current ? 'pooled agent reloaded' : 'pooled agent loaded', {
        agent: source.name,
        generation: source.generation,
      });
    this.changed();
  }

  remove(name: string): void {
    if (!this.entries.delete(name)) return;
    this.options.log.info('pooled agent removed', { agent: name });
    this.changed();
  }

  /** Keeps exactly the agents named (a full listing): the others are removed. */
  retain(names: ReadonlySet<string>): void {
    for (const name of [...this.entries.keys()]) if (!names.has(name)) this.remove(name);
  }

  /** The agent's app (built now if this is its first request), its failure, or nothing. */
  lookup(name: string): Lookup {
    const entry = this.entries.get(name);
    if (!entry) return { kind: 'unknown' };
    if (!entry.config) return { kind: 'failed', error: entry.error ?? 'the config could not be loaded' };
    if (!entry.app) {
      try {
        entry.app = this.options.build(entry.config);
      } catch (error) {
        // The contract was checked on load; a throw here is a runtime bug, kept to this agent.
        entry.error = `the agent could not start: ${(error as Error).message}`;
        delete entry.config;
        this.options.log.error('pooled agent failed to start', { agent: name, detail: entry.error });
        this.changed();
        return { kind: 'failed', error: entry.error };
      }
    }
    return { kind: 'ready', fetch: entry.app, config: entry.config };
  }

  report(): PoolReport {
    const report: PoolReport = { serving: {}, failed: {} };
    for (const [name, entry] of this.entries) {
      const loaded: Loaded = { generation: entry.generation, version: entry.version };
      if (entry.config) report.serving[name] = loaded;
      else
        report.failed[name] = {
          ...loaded,
          error: (entry.error ?? 'unknown error').slice(0, MAX_LOAD_ERROR_CHARS),
        } satisfies LoadFailure;
    }
    return report;
  }
}
