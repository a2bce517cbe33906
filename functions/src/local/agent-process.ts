/**
 * One agent as a local child process of the runtime bundle: started on a free loopback
 * port, watched for readiness, restarted with back-off when it crashes (CrashLoopBackOff, as
 * a kubelet would), stopped on request. Keeps the last lines of its output for `logs`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface AgentProcessOptions {
  name: string;
  /** The runtime config file's content (the ConfigMap's agent.json). */
  configJson: string;
  bundlePath: string;
  dataDir: string;
  /** Environment of the agent: the local server's model settings plus the config's env. */
  env: Record<string, string>;
}

const MAX_LOG_LINES = 1_000;
const MAX_BACKOFF_MS = 30_000;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export class AgentProcess {
  readonly options: AgentProcessOptions;
  port = 0;
  ready = false;
  restarts = 0;
  /** Set while waiting to restart after a crash. */
  waitingReason: 'CrashLoopBackOff' | undefined;
  lastExit: string | undefined;
  readonly startedAt = new Date();
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

  private record(chunk: Buffer) {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.lines.push(line);
    if (this.lines.length > MAX_LOG_LINES) this.lines.splice(0, this.lines.length - MAX_LOG_LINES);
  }

  async start(): Promise<void> {
    const dir = join(this.options.dataDir, 'agents', this.options.name);
    await mkdir(dir, { recursive: true });
    const configPath = join(dir, 'agent.json');
    await writeFile(configPath, this.options.configJson);
    this.port = await freePort();
    this.ready = false;
    const child = spawn(process.execPath, [this.options.bundlePath], {
      env: {
        ...this.options.env,
        FLEETPLANE_AGENT_CONFIG: configPath,
        PORT: String(this.port),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.record(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.record(chunk));
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.ready = false;
      this.child = undefined;
      if (this.stopped) return;
      this.lastExit = `exited with ${signal ?? `code ${code}`}`;
      this.restarts++;
      this.waitingReason = 'CrashLoopBackOff';
      const delay = Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** Math.min(this.restarts - 1, 5));
      this.restartTimer = setTimeout(() => {
        this.waitingReason = undefined;
        void this.start();
      }, delay);
    });
    void this.watchReadiness(child);
  }

  private async watchReadiness(child: ChildProcess) {
    const url = `http://127.0.0.1:${this.port}/${this.options.name}/ready`;
    for (let attempt = 0; attempt < 100 && this.child === child; attempt++) {
      try {
        const response = await fetch(url);
        if (response.ok) {
          this.ready = true;
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops the process (SIGTERM, then SIGKILL after the grace period). */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
