/**
 * Reads the samples of a Prometheus text exposition (what /metrics answers): `name{labels} value`.
 * Hand-written because the format's sample lines are all the counting helpers need and the npm
 * parsers for it are unmaintained; comments, HELP/TYPE lines and timestamps are skipped.
 * Must never guess: a sample line it cannot read throws, naming the line.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/gy;

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) throw new Error(`unreadable labels in metrics line: ${line}`);
    labels[match[1] as string] = unescapeLabel(match[2] as string);
  }
  return labels;
}

/** Every sample; `only` keeps the samples of the named metrics (faster on a large exposition). */
export function parsePrometheusText(text: string, only?: (name: string) => boolean): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const name = line.match(/^[a-zA-Z_:][a-zA-Z0-9_:]*/)?.[0];
    if (only && name && !only(name)) continue;
    const match = line.match(SAMPLE);
    if (!match) throw new Error(`unreadable metrics line: ${line}`);
    const value = parseValue(match[3] as string);
    if (Number.isNaN(value) && match[3] !== 'NaN')
      throw new Error(`unreadable value in metrics line: ${line}`);
    samples.push({ name: match[1] as string, labels: parseLabels(match[2] ?? '', line), value });
  }
  return samples;
}
