/**
 * GET /deployments at scale, against the real parts: pages of a bounded size that follow one
 * another like Kubernetes lists, and a warm control plane that reads only the records that
 * changed since it last listed them (counted at MinIO).
 */
import { describe, expect, it } from 'vitest';
import { testEnv } from '../env/inject.ts';
import { harness } from '../support/control-plane-harness.ts';
import { minioRequestCounts, requestsBetween } from '../support/request-counts.ts';

const AGENTS = 120;
const names = Array.from({ length: AGENTS }, (_, i) => `listed-${String(i).padStart(3, '0')}`);

describe('listing many agents', () => {
  const { call } = harness();

  it('pages through every agent once, in name order, each page well under 1 MB', async () => {
    for (let start = 0; start < AGENTS; start += 50) {
      const batch = names.slice(start, start + 50).map((name) => ({ name, resources: { cpu: '10m' } }));
      const deployed = await call('POST', '/deploy', { agents: batch });
      expect(deployed.json.failed).toEqual([]);
    }
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await call('GET', `/deployments?limit=50${token ? `&continue=${token}` : ''}`);
      expect(page.status).toBe(200);
      expect(JSON.stringify(page.json).length).toBeLessThan(200_000);
      seen.push(...page.json.deployments.map((d: { name: string }) => d.name));
      token = page.json.continue;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(names);
  });

  it('refuses a limit out of range and a token it did not make', async () => {
    for (const query of [
      'limit=0',
      'limit=501',
      'continue=not-a-token',
      `continue=${Buffer.from('{"after":"../x"}').toString('base64url')}`,
    ]) {
      const answer = await call('GET', `/deployments?${query}`);
      expect({ query, status: answer.status }).toEqual({ query, status: 400 });
    }
  });

  it('reads only the records that changed since the last listing, when warm', async () => {
    const { s3 } = testEnv();
    const counted = async (work: () => Promise<unknown>) => {
      const before = await minioRequestCounts(s3, { bucket: s3.bucket });
      await work();
      return requestsBetween(before, await minioRequestCounts(s3, { bucket: s3.bucket }));
    };
    await call('GET', '/deployments?limit=10');
    expect(await counted(() => call('GET', '/deployments?limit=10'))).toEqual({ ListObjectsV2: 1 });
    expect((await call('POST', '/deploy', { name: 'listed-007', instruction: 'changed' })).status).toBe(200);
    const afterChange = await counted(() => call('GET', '/deployments?limit=10'));
    expect(afterChange).toEqual({ ListObjectsV2: 1, GetObject: 1 });
    for (const name of names) expect((await call('DELETE', `/deployments/${name}`)).status).toBe(200);
  }, 300_000);
});
