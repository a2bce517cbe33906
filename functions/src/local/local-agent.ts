/**
 * The lifecycle of one local agent: its replicas (one process each), the config file they
 * read, and the round robin over the ready ones. Every change goes through one queue, one
 * step at a time, and each step converges to what is desired *when its turn comes*
 * (level-triggered, like a controller): two applies racing, an apply racing a delete, or a
 * shutdown in the middle of a start can never leave a process nobody tracks.
 *
 * It must never spawn after `shutdown()`, and never touch another agent's directory.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.ts';
import { AgentProcess } from './agent-process.ts';

/** What should run: the runtime config, its env, and how many replicas. */
export interface DesiredAgent {
  configJson: string;
  env: Record<string, string>;
  replicas: number;
  /** Why its env cannot be made (a Secret that is not there): replicas wait, as a kubelet's would. */
  configError?: string;
}

export interface LocalAgentOptions {
  name: string;
  /** The agent's own directory (`<data>/agents/<name>`), removed when the agent is deleted. */
  dir: string;
  bundlePath: () => Promise<string>;
  /** Called when a deleted agent has stopped and nothing else is queued (to forget it). */
  onRetired: () => void;
  /** The server's log, for replicas that exit on their own. */
  log?: Logger;
}

/** What a set of replicas runs: equal revisions mean a replica is up to date. */
export function revisionOf(desired: Pick<DesiredAgent, 'configJson' | 'env' | 'configError'>): string {
  return createHash('sha256')
    .update(JSON.stringify([desired.configJson, desired.env, desired.configError ?? null]))
    .digest('hex')
    .slice(0, 10);
}

export class LocalAgent {
  private readonly options: LocalAgentOptions;
  private replicas: AgentProcess[] = [];
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private closed = false;
  private retired = false;
  private serial = 0;
  private turn = 0;

  constructor(options: LocalAgentOptions) {
    this.options = options;
  }

  /** The replicas as they are now (status reads these). */
  get processes(): readonly AgentProcess[] {
    return this.replicas;
  }

  /** The port of the next ready replica, round robin; undefined when none is ready. */
  nextPort(): number | undefined {
    const ready = this.replicas.filter((replica) => replica.ready && replica.port);
    if (ready.length === 0) return undefined;
    this.turn = (this.turn + 1) % ready.length;
    return ready[this.turn]?.port;
  }

  /**
   * Queues one step that converges the replicas to `desired()`, read when the step runs;
   * undefined means the agent is deleted: its replicas stop and its directory goes.
   */
  sync(desired: () => DesiredAgent | undefined): Promise<void> {
    return this.enqueue(async () => {
      if (this.closed) return;
      const want = desired();
      if (want) await this.converge(want);
      else await this.retire();
    });
  }

  /** Stops every replica for good (server shutdown); later syncs do nothing. Keeps the directory. */
  shutdown(): Promise<void> {
    this.closed = true;
    // Stop what runs now at once, rather than after the queued steps; the queued step then
    // stops whatever a step already running started.
    const now = Promise.all(this.replicas.map((replica) => replica.stop()));
    return Promise.all([now, this.enqueue(() => this.stopAll())]).then(() => {});
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queued++;
    const run = this.queue.then(step).finally(() => {
      this.queued--;
      if (this.queued === 0 && this.retired && this.replicas.length === 0) this.options.onRetired();
    });
    this.queue = run.catch(() => {});
    return run;
  }

  private async converge(want: DesiredAgent) {
    this.retired = false;
    const revision = revisionOf(want);
    const configPath = join(this.options.dir, 'agent.json');
    const outdated = this.replicas.filter((replica) => replica.options.revision !== revision);
    if (outdated.length > 0 || this.replicas.length === 0) {
      // Recreate, not rolling: replicas share one config file, so the old ones go first.
      await this.stop(outdated);
      await mkdir(this.options.dir, { recursive: true });
      await writeFile(configPath, want.configJson);
    }
    const bundlePath = await this.options.bundlePath();
    // Awaits above: re-check, so a shutdown that came meanwhile starts nothing.
    if (this.closed) return;
    while (this.replicas.length < want.replicas) {
      const replica = new AgentProcess({
        agent: this.options.name,
        podName: `${this.options.name}-local-${++this.serial}`,
        revision,
        configPath,
        bundlePath,
        env: want.env,
        ...(want.configError ? { configError: want.configError } : {}),
        ...(this.options.log ? { log: this.options.log } : {}),
      });
      this.replicas.push(replica);
      replica.start();
    }
    await this.stop(this.replicas.slice(want.replicas));
  }

  private async retire() {
    await this.stopAll();
    await rm(this.options.dir, { recursive: true, force: true });
    this.retired = true;
  }

  private stopAll(): Promise<void> {
    return this.stop([...this.replicas]);
  }

  private async stop(replicas: AgentProcess[]) {
    this.replicas = this.replicas.filter((replica) => !replicas.includes(replica));
    await Promise.all(replicas.map((replica) => replica.stop()));
  }
}
