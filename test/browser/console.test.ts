/**
 * The web console in a real headless Chromium (Debian's package, through playwright-core)
 * against the local server as a user runs it (`npm start` with a bearer token configured,
 * agents as local processes, the echo model behind them). Each test checks what the page
 * shows and, independently, what the API then holds. Screenshots of every page go to
 * .cache/console-screenshots/ for a reviewer to look at.
 */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentRunning,
  type ConsoleServer,
  deployAgent,
  enterToken,
  launchChromiumFor,
  SCREENSHOTS,
  signedInPage,
  startConsoleServer,
  TOKEN,
  until,
  VIEWER_TOKEN,
} from './harness.ts';

let server: ConsoleServer;
let browser: Browser;
/** Every request any page made, and every CSP complaint: checked at the end. */
const requested: string[] = [];
const cspViolations: string[] = [];

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

async function context(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  const created = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  created.on('request', (request) => requested.push(request.url()));
  created.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return created;
}

/** A page on the console that has already been given the token (the normal case after sign-in). */
const signedIn = async (hash = '#/', options: Parameters<Browser['newContext']>[0] = {}) =>
  signedInPage(await context(options), server, hash);

const phaseOf = async (name: string) => {
  const response = await server.api(`/deployments/${name}`);
  return response.ok ? ((await response.json()) as { phase: string }).phase : `HTTP ${response.status}`;
};

beforeAll(async () => {
  server = await startConsoleServer();
  browser = await launchChromiumFor(server);
  await deployAgent(server, { name: 'alpha', template: 'General Assistant' });
  await deployAgent(server, { name: 'beta', template: 'Customer Support', customEndpoints: ['summarize'] });
  await Promise.all([agentRunning(server, 'alpha'), agentRunning(server, 'beta')]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the web console', () => {
  it('is one small page and its files, public, under a strict CSP, and loads the validator only to deploy', async () => {
    const redirect = await fetch(`${server.base}/console`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([308, 'console/']);
    const html = await fetch(`${server.base}/console/`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-security-policy')).toBe(
      `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' ${server.base}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    const document = await html.text();
    // No inline script or style, and no URL but the origin the page was served for (its script runs only there).
    expect(document).toContain(`<meta name="fleetplane-origin" content="${server.base}">`);
    expect(document.replace(`content="${server.base}"`, '')).not.toMatch(
      /<script>|<style|style=|https?:\/\//,
    );
    // The page and its files need no token; the API behind them does.
    expect((await fetch(`${server.base}/deployments`)).status).toBe(401);

    const page = await (await context()).newPage();
    const loaded: string[] = [];
    page.on('request', (request) => loaded.push(new URL(request.url()).pathname));
    await page.goto(`${server.base}/console/`);
    await enterToken(page);
    await page.locator('tr[data-agent="alpha"]').waitFor();
    expect(loaded).toEqual(expect.arrayContaining(['/console/', '/console/app.js', '/console/app.css']));
    expect(loaded).not.toContain('/console/validator.js');

    // First load: the HTML document, its script and its style.
    const sizes: Record<string, { raw: number; gzip: number }> = {};
    for (const path of ['/console/', ...loaded.filter((p) => /\.(js|css)$/.test(p))]) {
      const body = Buffer.from(await (await fetch(`${server.base}${path}`)).arrayBuffer());
      sizes[path] = { raw: body.length, gzip: gzipSync(body).length };
    }
    const validator = Buffer.from(await (await fetch(`${server.base}/console/validator.js`)).arrayBuffer());
    const total = Object.values(sizes).reduce(
      (sum, s) => ({ raw: sum.raw + s.raw, gzip: sum.gzip + s.gzip }),
      {
        raw: 0,
        gzip: 0,
      },
    );
    console.log(
      `console first load: ${Object.entries(sizes)
        .map(([path, s]) => `${path} ${s.raw} B (${s.gzip} B gzip)`)
        .join(
          ', ',
        )}; total ${total.raw} B (${total.gzip} B gzip); validator.js on the deploy page ${validator.length} B (${gzipSync(validator).length} B gzip)`,
    );
    expect(total.gzip).toBeLessThan(40_000);

    await page.locator('a[data-nav="deploy"]').click();
    await page.locator('#field-name').waitFor();
    await until('the validator', async () => loaded.includes('/console/validator.js'));
    await shot(page, 'deploy');
    await page.context().close();
  });

  it('asks for the token, refuses a wrong one clearly, and keeps the right one in memory only: no storage holds it, a reload asks again', async () => {
    const page = await (await context()).newPage();
    const authorizations: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/deployments')
        authorizations.push(request.headers().authorization ?? '');
    });
    await page.goto(`${server.base}/console/`);
    const dialog = page.locator('dialog.token-dialog');
    await expect.poll(() => dialog.textContent()).toContain('This control plane needs an API token');

    await enterToken(page, 'not-the-token');
    await expect
      .poll(() => page.locator('#token-error').textContent())
      .toBe('The control plane refused this token: the bearer token is not valid. Enter it again.');
    expect(await page.locator('#token-error').getAttribute('role')).toBe('alert');
    expect(await page.locator('table.fleet tbody tr').count()).toBe(0);
    await shot(page, 'token-refused');

    await enterToken(page);
    await page.locator('tr[data-agent="alpha"]').waitFor();
    expect(authorizations).toContain('Bearer not-the-token');
    expect(authorizations.at(-1)).toBe(`Bearer ${TOKEN}`);
    // The scope the token holds, as GET /whoami says it.
    await expect.poll(() => page.locator('#scope').textContent()).toBe('admin:*');
    expect(await page.locator('#scope').getAttribute('title')).toBe('admin:* (every verb on every agent)');

    // Used, and held by no storage API the page's origin has: web storage, cookies, IndexedDB,
    // the Cache API, nor anything the browser context would persist for the origin.
    await page.locator('a[data-nav="deploy"]').click();
    await page.locator('#field-name').waitFor();
    const stored = await page.evaluate(async () => ({
      session: Object.entries(sessionStorage),
      local: Object.entries(localStorage),
      cookie: document.cookie,
      indexedDB: (await indexedDB.databases()).map((db) => db.name),
      caches: await caches.keys(),
      url: window.location.href,
      history: JSON.stringify(history.state),
    }));
    expect(stored).toEqual({
      session: [],
      local: [],
      cookie: '',
      indexedDB: [],
      caches: [],
      url: `${server.base}/console/#/deploy`,
      history: 'null',
    });
    expect(JSON.stringify(await page.context().storageState())).not.toContain(TOKEN);
    expect(JSON.stringify(await page.context().storageState({ indexedDB: true }))).not.toContain(TOKEN);

    // A reload forgets it: the page asks again, and sends nothing before it has one.
    const afterReload: string[] = [];
    page.on('request', (request) => {
      const authorization = request.headers().authorization;
      if (authorization) afterReload.push(authorization);
    });
    await page.reload();
    await page.locator('dialog.token-dialog').waitFor();
    expect(await page.locator('#scope').isHidden()).toBe(true);
    expect(afterReload).toEqual([]);
    await page.context().close();
  });

  it('shows a scoped token’s scope, and lists only the agents in it', async () => {
    const page = await (await context()).newPage();
    await page.goto(`${server.base}/console/`);
    await enterToken(page, VIEWER_TOKEN);
    await page.locator('tr[data-agent="alpha"]').waitFor();
    await expect.poll(() => page.locator('#scope').textContent()).toBe('viewer:al*');
    expect(
      await page
        .locator('table.fleet tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-agent'))),
    ).toEqual(['alpha']);
    await shot(page, 'scoped-token');
    await page.context().close();
  });

  it('lists deployed agents with their phases, filters them, and shows a new agent without a reload', async () => {
    const page = await signedIn('#/');
    const row = (name: string) => page.locator(`tr[data-agent="${name}"]`);
    await row('beta').waitFor();
    expect(await row('alpha').locator('[data-phase]').getAttribute('data-phase')).toBe('Running');
    expect(await row('beta').locator('.badge').textContent()).toBe('Running');
    expect(await row('alpha').locator('td[data-label="Ready"]').textContent()).toBe('1/1');
    expect(await row('alpha').locator('td[data-label="URL"]').textContent()).toBe(`${server.base}/alpha/`);

    await deployAgent(server, { name: 'gamma' });
    await row('gamma').waitFor({ timeout: 15_000 });
    await expect
      .poll(() => row('gamma').locator('[data-phase]').getAttribute('data-phase'), { timeout: 15_000 })
      .toBe('Running');
    await shot(page, 'fleet');

    await page.locator('#filter-name').fill('al');
    expect(
      await page
        .locator('table.fleet tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-agent'))),
    ).toEqual(['alpha']);
    await page.locator('#filter-name').fill('');
    await page.locator('#filter-phase').selectOption('Degraded');
    expect(await page.locator('table.fleet tbody tr').count()).toBe(0);
    expect(await page.locator('#fleet-summary').textContent()).toBe('3 agents: 3 Running · 0 shown');
    await page.locator('#filter-phase').selectOption('');
    expect(await page.locator('table.fleet tbody tr').count()).toBe(3);
    await page.context().close();
  });

  it('shows a config error at its field, exactly as the API reports it, and stores nothing', async () => {
    const page = await signedIn('#/deploy');
    const posted: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posted.push(new URL(request.url()).pathname);
    });
    const config = `{
  "name": "Bad_Name",
  "template": "General Assistant",
  "scaling": { "replicas": 0 },
  "env": [{ "name": "API_TOKEN", "value": "inline" }]
}`;
    await page.locator('#config-json').fill(config);
    await expect.poll(() => page.locator('#field-name-error').textContent()).toContain('must be a DNS label');
    expect(await page.locator('#field-name').getAttribute('aria-invalid')).toBe('true');
    // The message and, as the API now names it for every field error, the rule.
    expect(await page.locator('#field-scaling-replicas-error').textContent()).toBe(
      'must be at least 1 (got 0) (min)',
    );
    expect(await page.locator('#field-model-error').isHidden()).toBe(true);

    // The same text sent to the API: the page showed exactly its errors, paths and messages.
    const answer = await server.api('/deploy', { method: 'POST', body: config });
    expect(answer.status).toBe(422);
    const apiErrors = ((await answer.json()) as { errors: { path: string; message: string }[] }).errors;
    const shown = await page
      .locator('#deploy-errors li')
      .evaluateAll((items) =>
        items.map((li) => ({ path: li.getAttribute('data-path'), text: li.textContent ?? '' })),
      );
    expect(shown.map((item) => item.path)).toEqual(apiErrors.map((error) => error.path));
    for (const [index, error] of apiErrors.entries()) expect(shown[index]?.text).toContain(error.message);
    // An error outside the form (env[0].value) is placed at its line in the JSON.
    expect(shown.find((item) => item.path === 'env[0].value')?.text).toContain('(line 5)');
    expect(
      await page.locator('.gutter .has-error').evaluateAll((lines) => lines.map((l) => l.textContent)),
    ).toEqual(['2', '4', '5']);
    await shot(page, 'deploy-errors');

    await page.locator('#deploy-button').click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('deploy-errors');
    expect(posted).toEqual([]);
    const listed = (await (await server.api('/deployments')).json()) as { deployments: { name: string }[] };
    expect(listed.deployments.map((d) => d.name).sort()).toEqual(['alpha', 'beta', 'gamma']);

    // Fixing the field in the form fixes the JSON, and its error goes away.
    await page.locator('#field-name').fill('good-name');
    await expect.poll(() => page.locator('#field-name-error').isHidden()).toBe(true);
    expect(JSON.parse(await page.locator('#config-json').inputValue()).name).toBe('good-name');
    await page.context().close();
  });

  it('deploys from the page and watches the agent reach Running', async () => {
    const page = await signedIn('#/deploy');
    await page.locator('#field-template option[value="Code Assistant"]').waitFor({ state: 'attached' });
    await page.locator('#field-name').fill('from-console');
    await page.locator('#field-template').selectOption('Code Assistant');
    await page.locator('#field-instruction').fill('You review TypeScript.');
    await expect.poll(() => page.locator('#deploy-errors').isHidden()).toBe(true);
    await page.locator('#deploy-button').click();
    const watched = page.locator('li[data-agent="from-console"]');
    await expect
      .poll(() => watched.locator('[data-phase]').getAttribute('data-phase'), { timeout: 30_000 })
      .toBe('Running');
    expect(await watched.textContent()).toContain('created, generation 1');
    await shot(page, 'deploy-running');

    expect(await phaseOf('from-console')).toBe('Running');
    const about = (await (await server.api('/from-console/')).json()) as { template: string };
    expect(about.template).toBe('Code Assistant');
    await page.context().close();
  });

  it('streams an answer in the playground token by token, with latency and token counts', async () => {
    const page = await signedIn('#/playground/alpha');
    await page.locator('#pg-endpoint option[value="generate"]').waitFor({ state: 'attached' });
    const prompt = 'one two three four five six seven eight';
    await page.locator('#pg-prompt').fill(prompt);
    // The model sends one word every 150 ms: the page must show them as they come.
    server.llm.script({ chunkDelayMs: 150 });
    await page.evaluate(() => {
      const answer = document.getElementById('pg-answer') as HTMLElement;
      const seen: { at: number; length: number }[] = [];
      (window as unknown as { seen: typeof seen }).seen = seen;
      new MutationObserver(() =>
        seen.push({ at: performance.now(), length: answer.textContent?.length ?? 0 }),
      ).observe(answer, { childList: true, characterData: true, subtree: true });
    });
    await page.locator('#pg-send').click();
    await until(
      'three words on screen',
      async () => ((await page.locator('#pg-answer').textContent()) ?? '').split(' ').length >= 3,
    );
    await shot(page, 'playground-streaming');
    await expect
      .poll(() => page.locator('#pg-answer').getAttribute('data-state'), { timeout: 15_000 })
      .toBe('done');

    expect(await page.locator('#pg-answer').textContent()).toBe(prompt);
    const seen = await page.evaluate(
      () => (window as unknown as { seen: { at: number; length: number }[] }).seen,
    );
    const growth = seen.filter((entry, i) => entry.length > (seen[i - 1]?.length ?? 0));
    expect(growth.length).toBeGreaterThanOrEqual(6);
    expect((growth.at(-1)?.at ?? 0) - (growth[0]?.at ?? 0)).toBeGreaterThan(600);
    const stat = (name: string) => page.locator(`[data-stat="${name}"]`).textContent();
    expect(await stat('Status')).toBe('200');
    expect(await stat('Chunks')).toBe('8');
    expect(await stat('Completion tokens')).toBe('8');
    expect(Number(await stat('Prompt tokens'))).toBeGreaterThan(8);
    expect(await stat('First token')).toMatch(/^\d+ ms$|^\d\.\d\d s$/);
    expect((server.llm.requests.at(-1)?.body as { stream?: boolean } | undefined)?.stream).toBe(true);
    await shot(page, 'playground');

    // A custom endpoint, without streaming.
    await page.goto(`${server.base}/console/#/playground/beta`);
    await page.locator('#pg-endpoint option[value="summarize"]').waitFor({ state: 'attached' });
    await page.locator('#pg-endpoint').selectOption('summarize');
    await page.locator('#pg-body').fill('{"input": "a long text to shorten"}');
    await page.locator('#pg-stream').uncheck();
    await page.locator('#pg-send').click();
    await expect.poll(() => page.locator('#pg-answer').getAttribute('data-state')).toBe('done');
    expect(await page.locator('#pg-answer').textContent()).toContain('a long text to shorten');
    expect(await stat('Chunks')).toBe('0');
    await page.context().close();
  });

  it('rolls back and deletes, each only after a confirmation', async () => {
    await deployAgent(server, {
      name: 'beta',
      template: 'Customer Support',
      customEndpoints: ['summarize'],
      instruction: 'Be brief.',
    });
    const page = await signedIn('#/agents/beta');
    const revisions = async () =>
      (await (await server.api('/deployments/beta/revisions')).json()) as {
        current: number;
        revisions: { generation: number; cause: { kind: string; toGeneration?: number } }[];
      };
    const rollback = page.locator('button[data-rollback="1"]');
    await rollback.waitFor();
    // The stored config, read-only: the current generation's, every default resolved.
    await expect
      .poll(() => page.locator('pre.config').textContent())
      .toContain('"template": "Customer Support"');
    expect(
      await page.locator('pre.config').evaluate((element) => (element as HTMLElement).isContentEditable),
    ).toBe(false);
    await shot(page, 'agent');

    await rollback.click();
    const dialog = page.locator('dialog.confirm-dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('The config of generation 1 becomes generation 3');
    await shot(page, 'rollback-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await revisions()).current).toBe(2);

    await rollback.click();
    await dialog.getByRole('button', { name: 'Roll back to 1' }).click();
    await expect
      .poll(() => page.locator('.status-line[data-kind="ok"]').textContent())
      .toContain('Rolled back: generation 3');
    const after = await revisions();
    expect(after.current).toBe(3);
    expect(after.revisions.find((r) => r.generation === 3)?.cause).toEqual({
      kind: 'rollback',
      toGeneration: 1,
    });
    await page.locator('button[data-rollback="2"]').waitFor();

    await page.locator('#delete-agent').click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect((await server.api('/deployments/beta')).status).toBe(200);

    await page.locator('#delete-agent').click();
    await dialog.getByRole('button', { name: 'Delete beta' }).click();
    await page.waitForURL(/#\/$/);
    expect(await page.locator('.status-line[data-kind="ok"]').textContent()).toBe('beta deleted.');
    expect((await server.api('/deployments/beta')).status).toBe(404);
    await page.locator('tr[data-agent="alpha"]').waitFor();
    expect(await page.locator('tr[data-agent="beta"]').count()).toBe(0);
    await page.context().close();
  });

  it('shows how to use an agent from MCP and A2A clients, with a client config that works', async () => {
    const page = await signedIn('#/agents/alpha');
    const snippet = page.locator('#mcp-config');
    await snippet.waitFor();
    const facts = await page.locator('section[aria-labelledby="connect-title"] dl').textContent();
    expect(facts).toContain(`${server.base}/alpha/mcp`);
    expect(facts).toContain(`${server.base}/alpha/.well-known/agent-card.json`);
    const config = JSON.parse((await snippet.textContent()) ?? '') as {
      mcpServers: Record<string, { type: string; url: string; headers?: unknown }>;
    };
    // This server runs behind a token and alpha has no keys of its own: the server's token it is.
    expect(config).toEqual({
      mcpServers: {
        alpha: {
          type: 'http',
          url: `${server.base}/alpha/mcp`,
          headers: { Authorization: `Bearer $\{FLEETPLANE_TOKEN}` },
        },
      },
    });
    await page.context().close();

    // The config as a client uses it: the official MCP SDK client, at the URL it names, with the
    // headers it names and their variable expanded as a client expands it.
    const headers = Object.fromEntries(
      Object.entries((config.mcpServers.alpha?.headers ?? {}) as Record<string, string>).map(([k, v]) => [
        k,
        v.replace(/\$\{FLEETPLANE_TOKEN\}/, TOKEN),
      ]),
    );
    const client = new Client({ name: 'console-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(config.mcpServers.alpha?.url ?? ''), {
        requestInit: { headers },
      }),
    );
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['generate']);
    await client.close();
  });

  it('reaches the main controls with the keyboard alone', async () => {
    const page = await signedIn('#/');
    await page.locator('tr[data-agent="alpha"]').waitFor();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return el?.id || el?.getAttribute('data-nav') || el?.textContent?.trim() || '';
      });
    const order: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      order.push(await focused());
    }
    const expected = [
      'skip',
      'fleet',
      'deploy',
      'playground',
      'deploy-link',
      'filter-name',
      'filter-phase',
      'alpha',
    ];
    expect(order.filter((item) => expected.includes(item))).toEqual(expected);
    expect(order[0]).toBe('skip');

    // Skip link, then into an agent and its delete dialog, by keys only.
    for (let i = 0; i < 20 && (await focused()) !== 'alpha'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/agents\/alpha$/);
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
    for (let i = 0; i < 10 && (await focused()) !== 'delete-agent'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('delete-agent');
    await page.keyboard.press('Enter');
    await expect.poll(focused).toBe('Cancel');
    await page.keyboard.press('Escape');
    await expect.poll(focused).toBe('delete-agent');
    expect((await server.api('/deployments/alpha')).status).toBe(200);

    // The deploy form: name, the JSON editor and the Deploy button are reachable in order.
    await page.goto(`${server.base}/console/#/deploy`);
    await page.locator('#field-name').waitFor();
    const reached: string[] = [];
    for (let i = 0; i < 40 && !reached.includes('deploy-button'); i++) {
      await page.keyboard.press('Tab');
      reached.push(await focused());
    }
    expect(reached.filter((id) => ['field-name', 'config-json', 'deploy-button'].includes(id))).toEqual([
      'field-name',
      'config-json',
      'deploy-button',
    ]);
    await page.context().close();
  });

  it('works at a phone’s width (375 px)', async () => {
    const page = await signedIn('#/', { viewport: { width: 375, height: 812 } });
    await page.locator('tr[data-agent="alpha"]').waitFor();
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    const box = await page.locator('tr[data-agent="alpha"]').boundingBox();
    expect(box?.width).toBeLessThanOrEqual(375);
    const badge = await page.locator('tr[data-agent="alpha"] .badge').boundingBox();
    expect((badge?.x ?? 999) + (badge?.width ?? 0)).toBeLessThanOrEqual(375);
    expect(await page.locator('tr[data-agent="alpha"] .badge').isVisible()).toBe(true);
    expect(await page.locator('#deploy-link').isVisible()).toBe(true);
    await shot(page, 'fleet-375');
    for (const [hash, name] of [
      ['#/agents/alpha', 'agent-375'],
      ['#/deploy', 'deploy-375'],
      ['#/playground/alpha', 'playground-375'],
    ] as const) {
      await page.goto(`${server.base}/console/${hash}`);
      await page.locator('h1').waitFor();
      await page.waitForLoadState('networkidle');
      expect(await overflow(), name).toBeLessThanOrEqual(0);
      await shot(page, name);
    }
    await page.context().close();
  });

  it("shows each agent's tier, and for a pooled agent the pool's pod and the generation it serves", async () => {
    await deployAgent(server, { name: 'pooled-one', tier: 'pooled' });
    await agentRunning(server, 'pooled-one');
    const page = await signedIn('#/');
    const row = (name: string) => page.locator(`tr[data-agent="${name}"]`);
    await row('pooled-one').waitFor();
    expect(await row('pooled-one').locator('td[data-label="Tier"]').textContent()).toBe('pooled');
    expect(await row('alpha').locator('td[data-label="Tier"]').textContent()).toBe('dedicated');
    await page.goto(`${server.base}/console/#/agents/pooled-one`);
    await page.getByText("pooled: served by the namespace's pool").waitFor();
    const pod = page.locator('tr', { hasText: 'fleetplane-pool-local' });
    await pod.waitFor();
    expect(await pod.textContent()).toContain('generation 1');
    await shot(page, 'agent-pooled');
    await page.context().close();
  });

  it('contacted no origin but its own and broke no CSP rule on any page', () => {
    const origins = new Set(
      requested.filter((url) => url.startsWith('http')).map((url) => new URL(url).origin),
    );
    expect([...origins]).toEqual([server.base]);
    expect(cspViolations).toEqual([]);
    expect(requested.some((url) => url.includes(TOKEN))).toBe(false);
  });
});
