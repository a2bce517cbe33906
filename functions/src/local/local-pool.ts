/**
 * The local target's pool: one process (the runtime's pool entry, agent-pool.mjs) serving every
 * pooled agent of the local server, however many there are. It is sent the pooled configs over
 * its IPC channel, the whole set whenever it (re)starts and then each change, and it reports back
 * what it serves, which status reads as a cluster's pool pods' Leases.
 *
 * A crashed or killed pool process is restarted with back-off (AgentProcess), gets the whole set
 * again, and every agent returns. The process starts with the first pooled agent and stops when
 * the last one goes.
 *
 * It must never send a config the process has already loaded at the same version, and never
 * report what an earlier process served as what the current one serves.
 */
import {
  isPoolReportMessage,
  POOL_NAME,
  POOL_NODE_FLAGS,
  POOL_PATHS,
  type PoolConfigsMessage,
  type PooledConfig,
  type PoolReport,
} from '#agent-runtime/pool-contract';
import { AgentProcess } from './agent-process.ts';

export interface LocalPoolOptions {
  /** The pool bundle (agent-pool.mjs) to run. */
  bundlePath: () => Promise<string>;
  /** Its environment: the local server's model settings (the platform's provider). */
  env: Record<string, string>;
}

/** The pod name status shows for the local pool process. */
export const LOCAL_POOL_POD = `${POOL_NAME}-local`;

export class LocalPool {
  private readonly options: LocalPoolOptions;
  private process: AgentProcess | undefined;
  private starting: Promise<void> | undefined;
  private closed = false;
  /** What should be served, by agent name. */
  private wanted = new Map<string, PooledConfig>();
  /** What the running process has been sent (name -> version); cleared when it goes. */
  private sent = new Map<string, string>();
  /** The running process's last report; undefined until it reports. */
  report: PoolReport | undefined;

  constructor(options: LocalPoolOptions) {
    this.options = options;
  }

  /** The process (one pod's worth), while there is one. */
  get replica(): AgentProcess | undefined {
    return this.process;
  }

  /** The port of the pool while it is ready; undefined otherwise. */
  get port(): number | undefined {
    return this.process?.ready ? this.process.port : undefined;
  }

  /** Whether the running pool holds this agent (served or failed: it answers for it either way). */
  holds(name: string): boolean {
    return this.report !== undefined && (name in this.report.serving || name in this.report.failed);
  }

  /** Converges to serving exactly `configs` (level-triggered: the whole set each time). */
  async set(configs: readonly PooledConfig[]): Promise<void> {
    if (this.closed) return;
    this.wanted = new Map(configs.map((config) => [config.name, config]));
    if (this.wanted.size === 0) {
      const process = this.process;
      this.process = undefined;
      this.report = undefined;
      this.sent.clear();
      await process?.stop();
      return;
    }
    if (!this.process) {
      this.starting ??= this.start().finally(() => {
        this.starting = undefined;
      });
      return this.starting;
    }
    if (this.process.port === undefined) return; // the whole set goes when it listens
    const upsert = [...this.wanted.values()].filter(
      (config) => this.sent.get(config.name) !== config.version,
    );
    const remove = [...this.sent.keys()].filter((name) => !this.wanted.has(name));
    if (upsert.length === 0 && remove.length === 0) return;
    this.send({ type: 'pool-configs', reset: false, upsert, remove });
  }

  private send(message: PoolConfigsMessage) {
    if (!this.process?.send(message)) return;
    for (const config of message.upsert) this.sent.set(config.name, config.version);
    for (const name of message.remove) this.sent.delete(name);
    if (message.reset)
      for (const name of [...this.sent.keys()]) if (!this.wanted.has(name)) this.sent.delete(name);
  }

  private async start() {
    const bundlePath = await this.options.bundlePath();
    if (this.closed || this.process || this.wanted.size === 0) return;
    const process: AgentProcess = new AgentProcess({
      agent: POOL_NAME,
      podName: LOCAL_POOL_POD,
      revision: 'pool',
      configPath: '',
      bundlePath,
      execArgv: POOL_NODE_FLAGS,
      env: { ...this.options.env, FLEETPLANE_POOL_SOURCE: 'ipc' },
      readinessPath: POOL_PATHS.ready,
      onListening: () => {
        if (this.process !== process) return;
        this.sent.clear();
        this.send({ type: 'pool-configs', reset: true, upsert: [...this.wanted.values()], remove: [] });
      },
      onMessage: (message) => {
        if (this.process === process && isPoolReportMessage(message)) this.report = message.report;
      },
      onGone: () => {
        if (this.process !== process) return;
        this.report = undefined;
        this.sent.clear();
      },
    });
    this.process = process;
    process.start();
  }

  /** Stops the pool process for good (server shutdown). */
  async stop(): Promise<void> {
    this.closed = true;
    await this.starting;
    const process = this.process;
    this.process = undefined;
    await process?.stop();
  }
}
