/**
 * Turns the sections' figures into the table printed on stdout and into RESULTS.md. Every
 * number shown is computed here from the samples the sections measured.
 * Must never print a figure without the number of runs it is the median of.
 */
import type { Figure, SectionResult, Unit } from './section.ts';
import { median } from './stats.ts';

export function formatValue(value: number, unit: Unit): string {
  switch (unit) {
    case 'ms':
      return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
    case 'bytes':
      return value >= 1024 * 1024
        ? `${(value / 1024 / 1024).toFixed(2)} MiB`
        : value >= 1024
          ? `${(value / 1024).toFixed(1)} KiB`
          : `${value} B`;
    default:
      return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }
}

/** "1.23 s (1.10–1.40, 5 runs)", or the value alone when every run gave it. */
export function formatSamples(samples: number[], unit: Unit): string {
  const m = formatValue(median(samples), unit);
  const low = Math.min(...samples);
  const high = Math.max(...samples);
  const runs = `${samples.length} run${samples.length === 1 ? '' : 's'}`;
  return low === high
    ? `${m} (${runs})`
    : `${m} (${formatValue(low, unit)}–${formatValue(high, unit)}, ${runs})`;
}

export interface Row {
  section: string;
  figure: string;
  measured: string;
  peer: string;
  goal: string;
  verdict: string;
}

export function rowsOf(title: string, figure: Figure): Row {
  const peerMedian = figure.peer ? median(figure.peer.samples) : 0;
  const ratio = peerMedian > 0 ? `, ratio ${(median(figure.samples) / peerMedian).toFixed(2)}` : '';
  return {
    section: title,
    figure: figure.name,
    measured: formatSamples(figure.samples, figure.unit),
    peer: figure.peer
      ? `${figure.peer.name}: ${formatSamples(figure.peer.samples, figure.unit)}${ratio}`
      : '',
    goal: figure.goal?.text ?? '',
    verdict: figure.goal ? (figure.goal.met ? 'met' : 'MISSED') : '',
  };
}

const HEADERS: Row = {
  section: 'section',
  figure: 'figure',
  measured: 'median (min–max, runs)',
  peer: 'peer, same run',
  goal: 'goal',
  verdict: 'result',
};
const COLUMNS = Object.keys(HEADERS) as (keyof Row)[];

export function textTable(rows: Row[]): string {
  const widths = COLUMNS.map((c) => Math.max(...[HEADERS, ...rows].map((r) => r[c].length)));
  const line = (r: Row) =>
    COLUMNS.map((c, i) => r[c].padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const cell = (text: string) => text.replaceAll('|', '\\|');

export function markdownTable(rows: Row[]): string {
  const line = (r: Row) => `| ${COLUMNS.map((c) => cell(r[c])).join(' | ')} |`;
  return [line(HEADERS), `|${COLUMNS.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

/** How a section's note starts when it repeats a goal line a child benchmark printed. */
export const OWN_CHECK = 'Its own check: ';

export interface Ran {
  id: string;
  title: string;
  result?: SectionResult;
  error?: string;
}

export function markdownReport(options: {
  header: string[];
  rows: Row[];
  sections: Ran[];
  footer: string[];
}): string {
  const parts = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (test/bench/bench.ts); every number below was measured in the run it describes.',
    '',
    ...options.header,
    '',
    '## Summary',
    '',
    markdownTable(options.rows),
    '',
  ];
  const checks = options.sections.flatMap((section) =>
    (section.result?.notes ?? [])
      .filter((note) => note.startsWith(OWN_CHECK))
      .map((note) => `- ${section.title}: ${note.slice(OWN_CHECK.length)}`),
  );
  if (checks.length) parts.push('Goals the child benchmarks check themselves:', '', ...checks, '');
  for (const section of options.sections) {
    parts.push(`## ${section.title}`, '');
    if (section.error) parts.push(`**Failed:** ${section.error}`, '');
    for (const note of section.result?.notes ?? []) parts.push(`- ${note}`);
    if (section.result?.notes.length) parts.push('');
    if (section.result?.output) parts.push('```text', section.result.output, '```', '');
  }
  parts.push(...options.footer, '');
  return parts.join('\n');
}
