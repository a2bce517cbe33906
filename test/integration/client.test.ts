/**
 * The example client (examples/client.ts, built on ky) against the control plane wired to the
 * real environment: deploy a file, wait with progress until Running, status, delete.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../examples/client.ts';
import { harness, TEST_TOKEN } from '../support/control-plane-harness.ts';

describe('examples/client.ts', () => {
  it('deploys single_agent.json, prints progress until Running, reports status and deletes', async () => {
    const { app } = harness();
    const fetchThroughApp = ((input: RequestInfo | URL, init?: RequestInit) =>
      app.fetch(new Request(input, init))) as typeof fetch;
    const env = { FLEETPLANE_URL: 'http://fleetplane.test', FLEETPLANE_TOKEN: TEST_TOKEN };
    const lines: string[] = [];
    const print = (line: string) => lines.push(line);

    expect(
      await run(['deploy', 'examples/single_agent.json', '--timeout', '120'], env, print, fetchThroughApp),
    ).toBe(0);
    expect(lines[0]).toBe('my-assistant: created');
    expect(lines.some((line) => /\] my-assistant: Running 1\/1 ready$/.test(line))).toBe(true);
    expect(lines.at(-1)).toBe('my-assistant: Running at https://agents.test.local/my-assistant/');

    lines.length = 0;
    expect(await run(['status'], env, print, fetchThroughApp)).toBe(0);
    expect(lines.join('\n')).toMatch(/my-assistant\s+Running\s+1\/1 ready/);

    lines.length = 0;
    expect(
      await run(
        ['deploy', 'examples/single_agent.json', '--no-wait'],
        { ...env, FLEETPLANE_TOKEN: 'wrong' },
        print,
        fetchThroughApp,
      ),
    ).toBe(1);
    expect(lines[0]).toMatch(/^deploy failed: 401 the bearer token is not valid/);

    lines.length = 0;
    expect(await run(['delete', 'my-assistant'], env, print, fetchThroughApp)).toBe(0);
    expect(lines[0]).toMatch(/^my-assistant: deleted \d+ objects$/);
    expect(await run(['status', 'my-assistant'], env, print, fetchThroughApp)).toBe(1);
    expect(lines.at(-1)).toMatch(/^error: 404 no agent named "my-assistant"/);
  });
});
