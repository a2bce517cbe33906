/**
 * A batch goes to POST /deploy in parts that each fit one request on DigitalOcean: at most 50
 * agents and 720 KiB of JSON (its 1 MB includes base64), in order, every agent once.
 */
import { describe, expect, it } from 'vitest';
import { deployParts, inWholeBatch, PART_LIMITS } from './deploy-parts.ts';

const agent = (index: number, bytes = 0) => ({ name: `agent-${index}`, instruction: 'x'.repeat(bytes) });
const requestBytes = (agents: unknown[]) => Buffer.byteLength(JSON.stringify({ agents }));

describe('deployParts', () => {
  it('keeps a batch that fits one request whole', () => {
    const agents = Array.from({ length: 50 }, (_, i) => agent(i));
    expect(deployParts(agents)).toEqual([{ first: 0, agents }]);
  });

  it('splits by count (50) and by bytes (720 KiB), in order, each part within both', () => {
    expect(PART_LIMITS).toEqual({ maxAgents: 50, maxBytes: 720 * 1024 });
    const many = Array.from({ length: 120 }, (_, i) => agent(i));
    expect(deployParts(many).map((part) => [part.first, part.agents.length])).toEqual([
      [0, 50],
      [50, 50],
      [100, 20],
    ]);
    // 30 agents of 30 KB: 24 fit in 720 KiB, then the rest.
    const heavy = Array.from({ length: 30 }, (_, i) => agent(i, 30_000));
    const parts = deployParts(heavy);
    expect(parts.length).toBe(2);
    for (const part of parts) expect(requestBytes(part.agents)).toBeLessThanOrEqual(720 * 1024);
    expect(parts.flatMap((part) => part.agents)).toEqual(heavy);
    expect(parts[1]?.first).toBe(parts[0]?.agents.length);
    // The greedy cut is tight: one more agent would not have fitted.
    expect(requestBytes([...(parts[0]?.agents ?? []), heavy[parts[0]?.agents.length ?? 0]])).toBeGreaterThan(
      720 * 1024,
    );
  });

  it('refuses an agent that cannot fit a request on its own, naming it', () => {
    expect(() => deployParts([agent(0), agent(1, 800 * 1024)])).toThrow(
      /^agents\[1\] alone is \d+ bytes of JSON, over the 720 KiB one request may carry on DigitalOcean$/,
    );
  });

  it('names an agent of a later part by its place in the whole file', () => {
    expect(
      inWholeBatch(
        [
          { path: 'agents[3].scaling.replicas', message: 'm' },
          { path: 'agents', message: 'n' },
        ],
        50,
      ),
    ).toEqual([
      { path: 'agents[53].scaling.replicas', message: 'm' },
      { path: 'agents', message: 'n' },
    ]);
  });
});
