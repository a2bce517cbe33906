/**
 * Counters and histograms rendered in the Prometheus text format (version 0.0.4).
 *
 * In-process and allocation-light on the hot path: a series is found by its joined label
 * values. Label values must come from bounded sets (route patterns, not raw paths), never
 * from user input, or the series count grows without bound.
 */

type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'histogram' | 'gauge';
  render(): string[];
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (labels: Labels, extra = '') => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra) parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
};

export class Counter {
  private readonly series = new Map<string, { labels: Labels; value: number }>();
  inc(labels: Labels = {}, by = 1): void {
    const key = Object.values(labels).join('\u0000');
    const s = this.series.get(key);
    if (s) s.value += by;
    else this.series.set(key, { labels, value: by });
  }
  get(labels: Labels = {}): number {
    return this.series.get(Object.values(labels).join('\u0000'))?.value ?? 0;
  }
  lines(name: string): string[] {
    return [...this.series.values()].map((s) => `${name}${labelText(s.labels)} ${s.value}`);
  }
}

export class Histogram {
  private readonly series = new Map<
    string,
    { labels: Labels; counts: number[]; sum: number; count: number }
  >();
  private readonly buckets: readonly number[];
  constructor(buckets: readonly number[]) {
    this.buckets = buckets;
  }
  observe(labels: Labels, value: number): void {
    const key = Object.values(labels).join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= (this.buckets[i] as number)) s.counts[i]! += 1;
    s.sum += value;
    s.count += 1;
  }
  lines(name: string): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      for (let i = 0; i < this.buckets.length; i++) {
        out.push(`${name}_bucket${labelText(s.labels, `le="${this.buckets[i]}"`)} ${s.counts[i]}`);
      }
      out.push(`${name}_bucket${labelText(s.labels, 'le="+Inf"')} ${s.count}`);
      out.push(`${name}_sum${labelText(s.labels)} ${s.sum}`);
      out.push(`${name}_count${labelText(s.labels)} ${s.count}`);
    }
    return out;
  }
}

/** The agent's metric families; one instance per app. */
export class AgentMetrics {
  readonly requests = new Counter();
  readonly duration = new Histogram([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
  readonly upstreamErrors = new Counter();
  readonly upstreamRetries = new Counter();
  readonly promptTokens = new Counter();
  readonly completionTokens = new Counter();
  readonly rateLimited = new Counter();
  /** Tool calls by tool (the name the model sees; bounded by maxTools) and outcome. */
  readonly toolCalls = new Counter();
  readonly toolDuration = new Histogram([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
  inFlight = 0;

  render(): string {
    const families: Family[] = [
      this.family(
        'fleetplane_agent_requests_total',
        'HTTP requests answered, by route, method and status.',
        'counter',
        this.requests,
      ),
      this.family(
        'fleetplane_agent_request_duration_seconds',
        'Time to response headers, by route.',
        'histogram',
        this.duration,
      ),
      this.family(
        'fleetplane_agent_upstream_errors_total',
        'Failed model calls (each attempt), by kind.',
        'counter',
        this.upstreamErrors,
      ),
      this.family(
        'fleetplane_agent_upstream_retries_total',
        'Model calls retried after a failure.',
        'counter',
        this.upstreamRetries,
      ),
      this.family(
        'fleetplane_agent_prompt_tokens_total',
        'Prompt tokens reported by the model.',
        'counter',
        this.promptTokens,
      ),
      this.family(
        'fleetplane_agent_completion_tokens_total',
        'Completion tokens reported by the model.',
        'counter',
        this.completionTokens,
      ),
      this.family(
        'fleetplane_agent_rate_limited_total',
        'Requests refused by the per-client rate limit.',
        'counter',
        this.rateLimited,
      ),
      this.family(
        'fleetplane_agent_tool_calls_total',
        'Tool calls the model made, by tool and outcome (ok, error, timeout).',
        'counter',
        this.toolCalls,
      ),
      this.family(
        'fleetplane_agent_tool_call_duration_seconds',
        'Time a tool call took, by tool.',
        'histogram',
        this.toolDuration,
      ),
      {
        name: 'fleetplane_agent_requests_in_flight',
        help: 'Requests (and streams) being served.',
        type: 'gauge',
        render: () => [`fleetplane_agent_requests_in_flight ${this.inFlight}`],
      },
    ];
    const out: string[] = [];
    for (const f of families)
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.render());
    return `${out.join('\n')}\n`;
  }

  private family(name: string, help: string, type: Family['type'], m: Counter | Histogram): Family {
    return { name, help, type, render: () => m.lines(name) };
  }
}
