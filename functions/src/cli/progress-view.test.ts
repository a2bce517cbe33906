import { describe, expect, it } from 'vitest';
import type { AgentView } from '../client/progress.ts';
import type { Io } from './io.ts';
import { progressView } from './progress-view.ts';

function io(tty: boolean, columns = 80): Io & { text: () => string } {
  let err = '';
  return {
    out: () => {
      throw new Error('progress must never write to stdout');
    },
    err: (text) => {
      err += text;
    },
    env: { NO_COLOR: '1' },
    stderrIsTTY: tty,
    columns,
    text: () => err,
  };
}

const now = Date.now();
/** The terminal's control sequences made readable: <up N>, <clear line>. */
const visible = (text: string) =>
  text
    .replaceAll('\r\u001b[2K', '<clear line>')
    .replaceAll('\u001b[', '<esc>')
    .replace(/<esc>(\d+)A/g, '<up $1>');
const view = (name: string, phase: AgentView['phase'], extra: Partial<AgentView> = {}): AgentView => ({
  name,
  phase,
  outcome: 'waiting',
  since: now,
  ready: 0,
  desired: 1,
  ...extra,
});
const progress = (agents: AgentView[]) => ({ agents, polls: 1, elapsedMs: 0 });

describe('progress on a terminal', () => {
  it('draws one line per agent and redraws the block in place', () => {
    const terminal = io(true);
    const shown = progressView(terminal, ['alpha', 'beta-long']);
    shown.update(progress([view('alpha', 'Building'), view('beta-long', 'Pending')]));
    shown.update(
      progress([view('alpha', 'Running', { outcome: 'ready', ready: 1 }), view('beta-long', 'Deploying')]),
    );
    shown.stop();
    const frames = visible(terminal.text()).split('<up 2>');
    expect(frames).toHaveLength(3); // first draw, the update, the final draw
    expect(frames[0]).toMatch(
      /^<clear line>⠋ alpha {6}Building 0:0\d\n<clear line>⠋ beta-long {2}Pending 0:0\d\n$/,
    );
    expect(frames[2]).toContain('✓ alpha      Running 1/1 ready\n');
    expect(frames[2]).toContain('beta-long  rolling out 0/1 ready');
  });

  it('cuts lines to the terminal width, so a redraw never wraps', () => {
    const terminal = io(true, 40);
    const shown = progressView(terminal, ['a']);
    shown.update(progress([view('a', 'Degraded', { reason: 'ImagePullBackOff', message: 'x'.repeat(200) })]));
    shown.stop();
    for (const line of terminal.text().split('\n').filter(Boolean))
      expect(visible(line).replace(/<clear line>|<up \d+>/g, '').length).toBeLessThan(40);
  });
});

describe('progress in a log (not a terminal)', () => {
  it('prints a plain line only when an agent changes, without escape codes', () => {
    const log = io(false);
    const shown = progressView(log, ['alpha']);
    shown.update(progress([view('alpha', 'Building')]));
    shown.update(progress([view('alpha', 'Building', { since: now - 42_000 })]));
    shown.notice('the control plane did not answer the poll (503); retrying in 0:05');
    shown.update(progress([view('alpha', 'Running', { outcome: 'ready', ready: 1 })]));
    shown.stop();
    const lines = log.text().split('\n').filter(Boolean);
    expect(lines.map((line) => line.replace(/^\[\s*\d+:\d\d\] /, ''))).toEqual([
      'alpha: Building',
      'the control plane did not answer the poll (503); retrying in 0:05',
      'alpha: Running 1/1 ready',
    ]);
    expect(log.text()).not.toContain('\u001b');
  });
});
