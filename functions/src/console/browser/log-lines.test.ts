/** The agent page's log tail: runtime JSON lines parsed, and pods merged in time order. */
import { describe, expect, it } from 'vitest';
import { clockOf, mergeLogs, parseLogLine } from './log-lines.ts';

describe('log lines for people', () => {
  it('splits a runtime line into time, level, message and the rest as key=value', () => {
    expect(
      parseLogLine(
        'p1',
        '{"time":"2026-05-01T10:00:01.250Z","level":"info","msg":"request","agent":"a","method":"POST","status":200,"tags":["x"]}',
      ),
    ).toEqual({
      pod: 'p1',
      time: '2026-05-01T10:00:01.250Z',
      level: 'info',
      message: 'request',
      fields: 'agent=a method=POST status=200 tags=["x"]',
    });
    expect(parseLogLine('p1', '[fleetplane] agent process exited with code 1')).toEqual({
      pod: 'p1',
      message: '[fleetplane] agent process exited with code 1',
      fields: '',
    });
    expect(parseLogLine('p1', '{not json')).toMatchObject({ message: '{not json' });
  });

  it('merges pods in time order; a plain line stays after its pod’s previous line', () => {
    const merged = mergeLogs([
      {
        pod: 'a',
        lines: [
          '{"time":"2026-05-01T10:00:01.000Z","level":"info","msg":"a1"}',
          '    at a stack line',
          '{"time":"2026-05-01T10:00:03.000Z","level":"warn","msg":"a3"}',
        ],
      },
      {
        pod: 'b',
        lines: [
          '{"time":"2026-05-01T10:00:00.500Z","level":"info","msg":"b0"}',
          '{"time":"2026-05-01T10:00:02.000Z","level":"error","msg":"b2"}',
        ],
      },
    ]);
    expect(merged.map((entry) => `${entry.pod}:${entry.message}`)).toEqual([
      'b:b0',
      'a:a1',
      'a:    at a stack line',
      'b:b2',
      'a:a3',
    ]);
  });

  it('shows the time of day on the viewer’s clock, to the millisecond', () => {
    const iso = '2026-05-01T10:00:01.025Z';
    const local = new Date(iso);
    expect(clockOf(iso)).toBe(
      `${String(local.getHours()).padStart(2, '0')}:${String(local.getMinutes()).padStart(2, '0')}:01.025`,
    );
    expect(clockOf(undefined)).toBe('');
  });
});
