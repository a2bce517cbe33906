/**
 * `list()` follows `continue` tokens page by page. The control plane does not page yet (another
 * change adds `?limit=&continue=`), so a stand-in fetch serves two pages here; replace it with
 * the real server once paging lands. Everything else of the client is tested against the real
 * control plane (test/integration/client.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { createClient } from './client.ts';
import type { Deployment } from './types.ts';

const agent = (name: string) => ({ name, phase: 'Running' }) as Deployment;

describe('list', () => {
  it('follows continue tokens until the last page, one request per page', async () => {
    const asked: string[] = [];
    // Stand-in for the paging API (see the header): two pages, the first with a continue token.
    const pages = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(new Request(input, init).url);
      asked.push(url.pathname + url.search);
      const body = url.searchParams.get('continue')
        ? { deployments: [agent('c')] }
        : { deployments: [agent('a'), agent('b')], continue: 'opaque+token/1' };
      return Response.json(body);
    }) as typeof fetch;
    const client = createClient({ url: 'http://fleetplane.test/api/', fetch: pages });
    expect((await client.list({ limit: 2 })).map((d) => d.name)).toEqual(['a', 'b', 'c']);
    expect(asked).toEqual([
      '/api/deployments?limit=2',
      '/api/deployments?limit=2&continue=opaque%2Btoken%2F1',
    ]);
  });
});
