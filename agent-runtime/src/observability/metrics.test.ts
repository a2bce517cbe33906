import { describe, expect, it } from 'vitest';
import { AgentMetrics, Histogram } from './metrics.ts';

describe('metrics', () => {
  it('renders counters with escaped labels and a cumulative histogram', () => {
    const m = new AgentMetrics();
    m.requests.inc({ route: '/generate', method: 'POST', status: '200' });
    m.requests.inc({ route: '/generate', method: 'POST', status: '200' });
    m.upstreamErrors.inc({ kind: 'a"b' });
    m.promptTokens.inc({}, 12);
    const text = m.render();
    expect(text).toContain(
      'fleetplane_agent_requests_total{route="/generate",method="POST",status="200"} 2\n',
    );
    expect(text).toContain('fleetplane_agent_upstream_errors_total{kind="a\\"b"} 1\n');
    expect(text).toContain('fleetplane_agent_prompt_tokens_total 12\n');
    expect(text).toContain('# TYPE fleetplane_agent_requests_in_flight gauge\n');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('counts each observation in every bucket at or above it', () => {
    const h = new Histogram([0.1, 1]);
    h.observe({ route: '/' }, 0.05);
    h.observe({ route: '/' }, 0.5);
    h.observe({ route: '/' }, 5);
    expect(h.lines('x')).toEqual([
      'x_bucket{route="/",le="0.1"} 1',
      'x_bucket{route="/",le="1"} 2',
      'x_bucket{route="/",le="+Inf"} 3',
      'x_sum{route="/"} 5.55',
      'x_count{route="/"} 3',
    ]);
  });
});
