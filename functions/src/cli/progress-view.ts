/**
 * Shows a wait's progress on stderr: on a terminal one line per agent, redrawn in place (and
 * once a second, so "Building 0:42" ticks between polls); elsewhere (CI logs, pipes) a plain
 * line only when an agent's state changes. Never writes to stdout: that is for data.
 */
import { styleText } from 'node:util';
import { type AgentView, clock, summaryOf } from '../client/progress.ts';
import type { WaitProgress } from '../client/wait.ts';
import { type Io, wantsColor } from './io.ts';

export interface ProgressView {
  update(progress: WaitProgress): void;
  /** A message between progress lines (a poll that failed and will be retried). */
  notice(message: string): void;
  /** Draws the final state and stops the clock. */
  stop(): void;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function progressView(io: Io, names: string[]): ProgressView {
  const color = wantsColor(io);
  const paint = (format: Parameters<typeof styleText>[0], text: string) =>
    color ? styleText(format, text, { validateStream: false }) : text;
  const width = Math.max(...names.map((name) => name.length));
  const started = Date.now();
  let agents: AgentView[] = names.map((name) => ({
    name,
    phase: 'Missing',
    outcome: 'waiting',
    since: started,
  }));

  if (!io.stderrIsTTY) {
    const printed = new Map<string, string>();
    return {
      update(progress) {
        agents = progress.agents;
        for (const agent of agents) {
          const line = summaryOf(agent);
          if (printed.get(agent.name) === line) continue;
          printed.set(agent.name, line);
          io.err(`[${clock(Date.now() - started).padStart(5)}] ${agent.name}: ${line}\n`);
        }
      },
      notice(message) {
        io.err(`[${clock(Date.now() - started).padStart(5)}] ${message}\n`);
      },
      stop() {},
    };
  }

  let frame = 0;
  let drawn = 0;
  let answered = false;
  // A pseudo-terminal may report 0 columns: assume 80 then.
  const columns = Math.max(20, (io.columns || 80) - 1);
  const lineOf = (agent: AgentView, now: number) => {
    const icon =
      agent.outcome === 'ready'
        ? paint('green', '✓')
        : agent.outcome === 'failed'
          ? paint('red', '✗')
          : paint('cyan', SPINNER[frame % SPINNER.length] as string);
    // Cut before painting, so escape codes never count against the width and a line never wraps.
    const text = `${agent.name.padEnd(width)}  ${summaryOf(agent, now)}`.slice(0, columns - 2);
    return `${icon} ${agent.outcome === 'failed' ? paint('red', text) : text}`;
  };
  const draw = () => {
    // Nothing to show before the first answer; the clock's ticks start then too.
    if (!answered) return;
    const now = Date.now();
    let text = drawn ? `\x1b[${drawn}A` : '';
    for (const agent of agents) text += `\r\x1b[2K${lineOf(agent, now)}\n`;
    drawn = agents.length;
    io.err(text);
  };
  const timer = setInterval(() => {
    frame++;
    draw();
  }, 1000);
  timer.unref?.();
  return {
    update(progress) {
      agents = progress.agents;
      answered = true;
      draw();
    },
    notice(message) {
      // Above the block: clear it, print the message, draw the block again below it.
      io.err(`${drawn ? `\x1b[${drawn}A` : ''}\r\x1b[J${paint('yellow', message)}\n`);
      drawn = 0;
      draw();
    },
    stop() {
      clearInterval(timer);
      draw();
    },
  };
}
