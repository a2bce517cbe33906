/**
 * The agent page's log tail made readable: each pod's lines parsed (the runtime writes one JSON
 * object per line: time, level, msg, then fields), merged across pods in time order, and split
 * into what a person scans for: the time, the level, the message, the rest as key=value.
 *
 * Pure: no DOM. A line that is not the runtime's JSON (a crash's stack, the local server's own
 * note) is kept as it is, right after the line of its pod that preceded it.
 */

export interface LogEntry {
  pod: string;
  /** ISO time of the line (a plain line takes the time of the one before it in its pod). */
  time?: string;
  level?: string;
  message: string;
  /** The line's other fields, `key=value` separated by spaces. */
  fields: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const shown = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** One line as written by the agent runtime (or by Node, or the local server). */
export function parseLogLine(pod: string, line: string): LogEntry {
  let parsed: unknown;
  try {
    parsed = line.trimStart().startsWith('{') ? JSON.parse(line) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!isObject(parsed)) return { pod, message: line, fields: '' };
  const { time, level, msg, message, ...rest } = parsed;
  return {
    pod,
    ...(typeof time === 'string' ? { time } : {}),
    ...(typeof level === 'string' ? { level } : {}),
    message: shown(msg ?? message ?? ''),
    fields: Object.entries(rest)
      .map(([key, value]) => `${key}=${shown(value)}`)
      .join(' '),
  };
}

/**
 * Every pod's lines as one list in time order. Lines without a time keep their place after the
 * previous line of their pod; equal times keep the pods' order (a stable sort).
 */
export function mergeLogs(pods: readonly { pod: string; lines: readonly string[] }[]): LogEntry[] {
  const keyed: { entry: LogEntry; at: string }[] = [];
  for (const { pod, lines } of pods) {
    let last = '';
    for (const line of lines) {
      const entry = parseLogLine(pod, line);
      if (entry.time) last = entry.time;
      else if (last) entry.time = last;
      keyed.push({ entry, at: last });
    }
  }
  // ISO times in UTC ("…Z") sort as text; a line before any time sorts first.
  return keyed
    .map((item, index) => ({ ...item, index }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.index - b.index))
    .map((item) => item.entry);
}

/** The time of day of an ISO time, as the viewer's clock shows it: 14:03:07.215. */
export function clockOf(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}
