/**
 * The API follows the request limits of where it runs: on DigitalOcean a deploy body is at
 * most 720 KiB (1 MB with base64 encoding) and a page of GET /deployments at most 200 agents
 * and 900 KB as carried; locally 1 MiB and 500. The routes, their 413 and 400, the OpenAPI
 * document and the page cut all say the same.
 */
import { describe, expect, it } from 'vitest';
import { DIGITALOCEAN_LIMITS, LOCAL_LIMITS, type RequestLimits, sizeText } from '../core/request-limits.ts';
import { silentLogger } from '../lib/logger.ts';
import { createApp } from './app.ts';
import { openApiDocument } from './openapi.ts';
import { fitPage } from './page-fit.ts';
import { deployRoutes } from './routes/deploy.ts';
import { deploymentsRoutes } from './routes/deployments.ts';

const unreachable = async (): Promise<never> => {
  throw new Error('the request must be answered before the control plane is used');
};

function appFor(limits: RequestLimits) {
  return createApp({
    auth: { tokens: [], openWhenUnconfigured: true },
    log: silentLogger,
    routes: [
      deployRoutes(unreachable, () => ({ localAgents: false }), limits),
      deploymentsRoutes(unreachable, limits),
    ],
  });
}

/** A JSON body of exactly `bytes` bytes: an invalid name (a 422 once read), padded with spaces. */
const bodyOf = (bytes: number) => {
  const json = '{"name":"Bad_Name"}';
  return json + ' '.repeat(bytes - json.length);
};
const post = (limits: RequestLimits, bytes: number) =>
  appFor(limits).request('/deploy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: bodyOf(bytes),
  });

describe('the deploy body limit', () => {
  it('is 720 KiB on DigitalOcean: one byte more is a 413 that says so', async () => {
    expect(DIGITALOCEAN_LIMITS.maxDeployBodyBytes).toBe(720 * 1024);
    // As base64 with 64 KiB to spare for headers, it fits the 1 MiB invocation.
    expect(Math.ceil(DIGITALOCEAN_LIMITS.maxDeployBodyBytes / 3) * 4 + 64 * 1024).toBeLessThanOrEqual(
      1024 * 1024,
    );
    expect((await post(DIGITALOCEAN_LIMITS, 720 * 1024)).status).toBe(422);
    const over = await post(DIGITALOCEAN_LIMITS, 720 * 1024 + 1);
    expect(over.status).toBe(413);
    expect((await over.json()).detail).toBe(
      'the body must be at most 720 KiB on DigitalOcean (1 MB with base64 encoding) (send a large batch in parts)',
    );
  });

  it('stays 1 MiB locally', async () => {
    expect((await post(LOCAL_LIMITS, 720 * 1024 + 1)).status).toBe(422);
    expect((await post(LOCAL_LIMITS, 1024 * 1024)).status).toBe(422);
    const over = await post(LOCAL_LIMITS, 1024 * 1024 + 1);
    expect(over.status).toBe(413);
    expect((await over.json()).detail).toBe('the body must be at most 1 MiB (send a large batch in parts)');
  });
});

describe('the page size of GET /deployments', () => {
  it('is at most 200 on DigitalOcean and 500 locally, naming the limit and the value', async () => {
    const refused = await appFor(DIGITALOCEAN_LIMITS).request('/deployments?limit=201');
    expect(refused.status).toBe(400);
    expect((await refused.json()).errors).toEqual([
      {
        path: 'limit',
        message: 'must be at most 200 on DigitalOcean, whose answers are capped at 1 MB (got 201)',
        rule: 'max',
      },
    ]);
    const local = await appFor(LOCAL_LIMITS).request('/deployments?limit=501');
    expect((await local.json()).errors[0].message).toBe('must be at most 500 (got 501)');
  });

  it('ends a page early, at an agent boundary, before it passes the byte budget; continue gets the rest once', () => {
    const agents = Array.from({ length: 30 }, (_, i) => ({
      name: `agent-${String(i).padStart(2, '0')}`,
      note: '"'.repeat(100 * (i % 5)),
    }));
    const budget = 6_000;
    const seen: string[] = [];
    let after = '';
    let pages = 0;
    for (; pages < 30; pages++) {
      const rest = agents.filter((agent) => agent.name > after);
      if (!rest.length) break;
      const page = fitPage({ items: rest }, budget);
      expect(
        JSON.stringify(JSON.stringify({ deployments: page.items, continue: 'x'.repeat(60) })).length,
      ).toBeLessThanOrEqual(budget);
      seen.push(...page.items.map((agent) => agent.name));
      if (!page.next) break;
      expect(page.next).toBe(page.items.at(-1)?.name);
      after = page.next;
    }
    expect(seen).toEqual(agents.map((agent) => agent.name));
    expect(pages).toBeGreaterThan(3);
    // Quotes count twice as the platform carries them: the escaped size is what is bounded.
    expect(fitPage({ items: agents.slice(0, 10) }, 1_000_000)).toEqual({ items: agents.slice(0, 10) });
  });

  it('still serves one agent heavier than the budget, alone, so a client can get past it', () => {
    const heavy = [{ name: 'a', note: 'x'.repeat(5000) }, { name: 'b' }];
    expect(fitPage({ items: heavy }, 1000)).toEqual({ items: [heavy[0]], next: 'a' });
  });
});

describe('the OpenAPI document', () => {
  it('states the limits of where the API runs', () => {
    const digitalOcean = JSON.stringify(openApiDocument('1.2.3', DIGITALOCEAN_LIMITS));
    const local = JSON.stringify(openApiDocument('1.2.3'));
    expect(digitalOcean).toContain(
      'Body larger than 720 KiB (DigitalOcean carries at most 1 MB, base64-encoded)',
    );
    expect(local).toContain('Body larger than 1 MiB; send a large batch in parts');
    const limit = (text: string) =>
      (
        JSON.parse(text).paths['/deployments'].get.parameters as {
          name: string;
          schema: { maximum: number };
        }[]
      ).find((parameter) => parameter.name === 'limit')?.schema.maximum;
    expect([limit(digitalOcean), limit(local)]).toEqual([200, 500]);
    expect(sizeText(1024 * 1024)).toBe('1 MiB');
  });
});
