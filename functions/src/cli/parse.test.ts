import { describe, expect, it } from 'vitest';
import { parseDuration } from './context.ts';
import { newLines } from './log-follow.ts';
import { table } from './output.ts';

describe('parseDuration', () => {
  it('reads Go-style durations and bare seconds', () => {
    expect(['90s', '5m', '1h30m', '500ms', '120', '1.5m'].map(parseDuration)).toEqual([
      90_000, 300_000, 5_400_000, 500, 120_000, 90_000,
    ]);
  });
  it('refuses anything else', () => {
    expect(['', 'soon', '5 m', '5m junk', '-5m', 'm'].map(parseDuration)).toEqual(Array(6).fill(undefined));
  });
});

describe('newLines (following logs by their tail)', () => {
  it('returns the lines after the overlap with the previous tail', () => {
    expect(newLines(['a', 'b', 'c'], ['b', 'c', 'd', 'e'])).toEqual(['d', 'e']);
    expect(newLines(['a', 'b'], ['a', 'b'])).toEqual([]);
    expect(newLines([], ['a'])).toEqual(['a']);
  });
  it('prefers the longest overlap when lines repeat', () => {
    expect(newLines(['x', 'ok', 'ok'], ['ok', 'ok', 'ok'])).toEqual(['ok']);
    expect(newLines(['a', 'b', 'a', 'b'], ['a', 'b', 'a', 'b', 'a'])).toEqual(['a']);
  });
  it('prints the whole tail when nothing overlaps (the pod restarted, or more than a tail was logged)', () => {
    expect(newLines(['a', 'b'], ['c', 'd'])).toEqual(['c', 'd']);
  });
});

describe('table', () => {
  it('pads every column but the last', () => {
    expect(
      table(
        ['NAME', 'PHASE', 'URL'],
        [
          ['my-assistant', 'Running', 'http://x/'],
          ['b', undefined, ''],
        ],
      ),
    ).toBe('NAME          PHASE    URL\nmy-assistant  Running  http://x/\nb');
  });
});
