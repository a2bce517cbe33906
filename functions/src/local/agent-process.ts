/**
 * One replica of a local agent: a child process running the runtime bundle, as a pod would
 * run its container. The child binds port 0 and reports the port it got over an IPC channel;
 * the channel also ties the child's life to ours (the runtime exits when it closes, even when
 * this process is SIGKILLed). Readiness is probed on the runtime's own `/ready`; a crash is
 * restarted with back-off (CrashLoopBackOff, as a kubelet would) and told in the server's log
 * with its exit code or signal. Keeps its last log lines.
 *
 * It must never pick a port for the child (a port freed here can be taken before the child
 * binds it), and never start a child once `stop()` was called.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Logger } from '../lib/logger.ts';

export interface AgentProcessOptions {
  /** The agent's name: its base path. */
  agent: string;
  /** The name this replica reports as its pod's. */
  podName: string;
  /** What this replica runs (config and env), so status can tell old replicas from new. */
  revision: string;
  configPath: string;
  bundlePath: string;
  /** Environment of the agent: the local server's model settings plus the config's env. */
  env: Record<string, string>;
  /** Why the env cannot be made: the replica never starts and reports it (CreateContainerConfigError). */
  configError?: string;
  /** Node flags before the bundle (the pool's). */
  execArgv?: readonly string[];
  /** Path probed for readiness; default `/<agent>/ready`. */
  readinessPath?: string;
  /** Called when a (re)started child reports its port, before readiness is probed. */
  onListening?: () => void;
  /** Messages from the child other than `listening`. */
  onMessage?: (message: unknown) => void;
  /** Called when the child is gone (exited, or could not run), before any restart. */
  onGone?: () => void;
  /** The server's log: a replica that exits on its own is told there, with its exit code. */
  log?: Logger;
}

const MAX_LOG_LINES = 1_000;
const MAX_BACKOFF_MS = 30_000;
const READINESS_POLL_MS = 100;
/** The runtime's drain time after SIGTERM; below STOP_GRACE_MS, so it drains before a SIGKILL. */
const CHILD_SHUTDOWN_GRACE_MS = 3_000;
const STOP_GRACE_MS = 5_000;

interface ListeningMessage {
  type: 'listening';
  port: number;
}

const isListening = (message: unknown): message is ListeningMessage =>
  typeof message === 'object' &&
  message !== null &&
  (message as ListeningMessage).type === 'listening' &&
  Number.isInteger((message as ListeningMessage).port);

export class AgentProcess {
  readonly options: AgentProcessOptions;
  /** The port the child reported; undefined until it listens, and after it exits. */
  port: number | undefined;
  ready = false;
  restarts = 0;
  /** Set while waiting to restart after a crash, or for good when its env cannot be made. */
  waitingReason: 'CrashLoopBackOff' | 'CreateContainerConfigError' | undefined;
  lastExit: string | undefined;
  startedAt = new Date();
  private child: ChildProcess | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly lines: string[] = [];

  constructor(options: AgentProcessOptions) {
    this.options = options;
  }

  get logs(): string[] {
    return [...this.lines];
  }

  private record(chunk: Buffer | string) {
    for (const line of chunk.toString().split('\n')) if (line.trim()) this.lines.push(line);
    if (this.lines.length > MAX_LOG_LINES) this.lines.splice(0, this.lines.length - MAX_LOG_LINES);
  }

  /** Spawns the child now (synchronously, so no stop() can slip in between). */
  start(): void {
    if (this.stopped || this.child) return;
    if (this.options.configError) {
      // As a kubelet does: the container is not created; a new revision (the Secret added) replaces this replica.
      this.waitingReason = 'CreateContainerConfigError';
      this.lastExit = this.options.configError;
      this.record(`[fleetplane] agent process not started: ${this.options.configError}`);
      return;
    }
    this.port = undefined;
    this.ready = false;
    this.startedAt = new Date();
    const child = spawn(process.execPath, [...(this.options.execArgv ?? []), this.options.bundlePath], {
      env: {
        ...this.options.env,
        FLEETPLANE_AGENT_CONFIG: this.options.configPath,
        FLEETPLANE_AGENT_SHUTDOWN_GRACE_MS: String(CHILD_SHUTDOWN_GRACE_MS),
        PORT: '0',
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.record(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.record(chunk));
    child.on('message', (message) => {
      if (this.child !== child) return;
      if (!isListening(message)) {
        this.options.onMessage?.(message);
        return;
      }
      this.port = message.port;
      this.options.onListening?.();
      void this.watchReadiness(child, message.port);
    });
    child.on('error', (error) =>
      this.gone(child, `could not run: ${error.message}`, { error: error.message }),
    );
    child.on('exit', (code, signal) =>
      this.gone(child, `exited with ${signal ?? `code ${code}`}`, { exitCode: code, signal }),
    );
  }

  /** The child is gone (exit, or a spawn error): restart it with back-off unless stopped. */
  private gone(child: ChildProcess, why: string, how: Record<string, unknown>) {
    if (this.child !== child) return;
    this.child = undefined;
    this.ready = false;
    this.port = undefined;
    this.options.onGone?.();
    if (this.stopped) return;
    this.record(`[fleetplane] agent process ${why}`);
    this.lastExit = why;
    this.restarts++;
    this.waitingReason = 'CrashLoopBackOff';
    const delay = Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** Math.min(this.restarts - 1, 5));
    this.options.log?.('warn', 'agent process exited; restarting it', {
      agent: this.options.agent,
      pod: this.options.podName,
      ...how,
      restarts: this.restarts,
      restartInMs: delay,
    });
    this.restartTimer = setTimeout(() => {
      this.waitingReason = undefined;
      this.start();
    }, delay);
  }

  private async watchReadiness(child: ChildProcess, port: number) {
    const url = `http://127.0.0.1:${port}${this.options.readinessPath ?? `/${this.options.agent}/ready`}`;
    while (this.child === child && !this.stopped) {
      try {
        const response = await fetch(url);
        await response.body?.cancel();
        if (response.ok && this.child === child && !this.stopped) {
          this.ready = true;
          return;
        }
      } catch {
        // not answering yet
      }
      await new Promise((resolve) => setTimeout(resolve, READINESS_POLL_MS));
    }
  }

  /** Sends a message to the running child over its IPC channel; false when there is none. */
  send(message: unknown): boolean {
    const child = this.child;
    if (!child?.connected) return false;
    child.send(message as Parameters<ChildProcess['send']>[0], () => {});
    return true;
  }

  /** The child's process id, while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Stops the child for good (SIGTERM, then SIGKILL after the grace period). Idempotent. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stopped = true;
    this.ready = false;
    clearTimeout(this.restartTimer);
    this.waitingReason = undefined;
    const child = this.child;
    if (!child) return;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      child.once('exit', done);
      // A child that never ran (a spawn error) emits no exit.
      child.once('error', done);
      child.kill('SIGTERM');
    });
  }
}
