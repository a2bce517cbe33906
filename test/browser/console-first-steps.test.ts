/**
 * What a new user met in the console and the docs, in a real headless Chromium against the
 * local server as a process (harness.ts): the playground pre-fills a custom endpoint's real
 * slots, the log tail reads as time, level and message in time order across pods, the deploy
 * watch shows its steps apart, and /docs shows parameters, schemas and examples.
 */
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentRunning,
  type ConsoleServer,
  deployAgent,
  launchChromiumFor,
  SCREENSHOTS,
  signedInPage,
  startConsoleServer,
  TOKEN,
  until,
} from './harness.ts';

let server: ConsoleServer;
let browser: Browser;
const cspViolations: string[] = [];

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return context;
}

async function open(path: string): Promise<Page> {
  const page = await (await newContext()).newPage();
  await page.goto(`${server.base}${path}`);
  return page;
}

/** A console page, signed in with the token. */
const signedIn = async (hash: string) => signedInPage(await newContext(), server, hash);

beforeAll(async () => {
  server = await startConsoleServer();
  browser = await launchChromiumFor(server);
  await deployAgent(server, {
    name: 'reviewer',
    scaling: { replicas: 2 },
    customEndpoints: [
      { path: 'review', description: 'Review a diff', prompt: 'Review this {{language}} diff: {{diff}}' },
      'summarize',
    ],
  });
  await agentRunning(server, 'reviewer');
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the console, as a new user meets it', () => {
  it("pre-fills a custom endpoint's own slots, so Send answers at once", async () => {
    const page = await signedIn('#/playground/reviewer');
    await page.locator('#pg-endpoint option[value="review"]').waitFor({ state: 'attached' });
    await page.locator('#pg-endpoint').selectOption('review');
    expect(JSON.parse(await page.locator('#pg-body').inputValue())).toEqual({ language: '', diff: '' });
    // Another endpoint, untouched input: its own slot instead.
    await page.locator('#pg-endpoint').selectOption('summarize');
    expect(JSON.parse(await page.locator('#pg-body').inputValue())).toEqual({ input: '' });
    await page.locator('#pg-endpoint').selectOption('review');
    await page.locator('#pg-body').fill('{"language": "TypeScript", "diff": "- let x\\n+ const x"}');
    await page.locator('#pg-send').click();
    await expect.poll(() => page.locator('#pg-answer').getAttribute('data-state')).toBe('done');
    expect(await page.locator('[data-stat="Status"]').textContent()).toBe('200');
    expect(await page.locator('#pg-answer').textContent()).toContain('Review this TypeScript diff: - let x');
    await shot(page, 'first-steps-playground-slots');
    await page.context().close();
  });

  it('shows the log tail as time, level and message, in time order across pods', async () => {
    // Requests spread over both replicas (the server balances round robin), so both pods log.
    for (let i = 0; i < 4; i++) {
      // The server runs behind its token, which it asks for on agents' paths too.
      const answer = await fetch(`${server.base}/reviewer/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ prompt: `request ${i}` }),
      });
      expect(answer.status).toBe(200);
    }
    const page = await signedIn('#/agents/reviewer');
    const rows = page.locator('#log .log-row');
    await until('request lines from both pods', async () => {
      const pods = await rows.locator('.log-pod').allTextContents();
      const messages = await rows.locator('.log-message').allTextContents();
      return new Set(pods).size === 2 && messages.filter((m) => m === 'request').length >= 4;
    });
    const shown = await rows.evaluateAll((elements) =>
      elements.map((row) => ({
        datetime: row.querySelector('time')?.getAttribute('datetime') ?? '',
        clock: row.querySelector('time')?.textContent ?? '',
        level: row.querySelector('.log-level')?.textContent ?? '',
        message: row.querySelector('.log-message')?.textContent ?? '',
        fields: row.querySelector('.log-fields')?.textContent ?? '',
      })),
    );
    for (const row of shown) {
      expect(row.clock).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);
      expect(row.level.trim()).toMatch(/^(DEBUG|INFO|WARN|ERROR)$/);
    }
    const times = shown.map((row) => row.datetime);
    expect(times).toEqual([...times].sort());
    const generated = shown.filter((row) => row.fields.includes('path=/reviewer/generate'));
    expect(generated.length).toBeGreaterThanOrEqual(4);
    for (const row of generated) {
      expect(row.message).toBe('request');
      expect(row.fields).toMatch(/method=POST path=\/reviewer\/generate status=200/);
    }
    // Local replicas are processes, and the page says so.
    expect(await page.locator('#pods-title').textContent()).toBe('Processes');
    expect(await page.locator('.facts').first().textContent()).toContain(
      '1 stored, 1 running as local processes',
    );
    // No raw JSON left for a person to read.
    expect(await page.locator('#log').textContent()).not.toContain('{"time"');
    await shot(page, 'first-steps-log-tail');
    await page.context().close();
  });

  it('shows the deploy watch’s steps apart', async () => {
    const page = await signedIn('#/deploy');
    await page.locator('#field-template option[value="Code Assistant"]').waitFor({ state: 'attached' });
    await page.locator('#field-name').fill('watched');
    await expect.poll(() => page.locator('#deploy-errors').isHidden()).toBe(true);
    await page.locator('#deploy-button').click();
    const watched = page.locator('li[data-agent="watched"]');
    await expect
      .poll(() => watched.locator('[data-phase]').getAttribute('data-phase'), { timeout: 30_000 })
      .toBe('Running');
    const steps = watched.locator('ol.trail > li');
    const texts = await steps.allTextContents();
    expect(texts.length).toBeGreaterThanOrEqual(2);
    for (const text of texts) expect(text).toMatch(/^[A-Z][a-z]+ at \d+\.\d s$/);
    // Apart on screen: no list marker outside a step (it would land against the step before:
    // "0.0 s2. Running"), each later step opens with its own arrow, and a gap between boxes.
    const rendered = await steps.evaluateAll((items) =>
      items.map((item) => ({
        box: item.getBoundingClientRect().toJSON() as DOMRect,
        marker: getComputedStyle(item).listStyleType,
        before: getComputedStyle(item, '::before').content,
      })),
    );
    for (const [i, step] of rendered.entries()) {
      expect(step.marker).toBe('none');
      expect(step.before).toBe(i === 0 ? 'none' : '"→ "');
      const previous = rendered[i - 1]?.box;
      if (previous) expect(step.box.left >= previous.right + 8 || step.box.top >= previous.bottom).toBe(true);
    }
    // And as text (what a copy or a screen reader gets).
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is checked
    const inner = await watched.locator('ol.trail').innerText();
    expect(inner.split('\n').length).toBe(texts.length);
    expect(inner).not.toMatch(/\d s[A-Z]/);
    await shot(page, 'first-steps-deploy-watch');
    await page.context().close();
  });
});

describe('/docs, as a new user reads it', () => {
  it('shows parameters, request and response schemas and examples, with no script', async () => {
    const page = await open('/docs');
    const response = await page.reload();
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(await page.locator('script').count()).toBe(0);
    const parameters = async (anchor: string) =>
      page
        .locator(`#${anchor} table.fields tbody tr`)
        .evaluateAll((rows) =>
          rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent)),
        );
    expect(await parameters('op-get-deployments')).toEqual([
      ['limit', 'query', 'integer', '≥ 1; ≤ 500; default 100', 'Agents per page (default 100, at most 500)'],
      ['continue', 'query', 'string', '', 'The `continue` of the previous page'],
    ]);
    const logs = await parameters('op-get-deployments-name-logs');
    expect(logs.map((row) => row[0])).toEqual(['name required', 'tail', 'build']);
    expect(logs[1]).toEqual([
      'tail',
      'query',
      'integer',
      '≥ 1; ≤ 5000; default 100',
      'Lines per pod, from the end',
    ]);
    // The request body: its schema by name, and examples to copy.
    const deploy = page.locator('#op-post-deploy');
    expect(await deploy.locator('a[href="#schema-AgentConfig"]').count()).toBeGreaterThan(0);
    const example = JSON.parse((await deploy.locator('details pre').first().textContent()) ?? '');
    expect(example).toMatchObject({ name: 'my-assistant', customEndpoints: [{ path: 'review' }] });
    expect(await deploy.locator('.response[data-status="422"] pre').textContent()).toContain(
      'scaling.replicas',
    );
    // A response's schema is a link to its fields.
    await page
      .locator('#op-get-deployments .response[data-status="200"] a[href="#schema-Deployments"]')
      .click();
    expect(page.url()).toMatch(/#schema-Deployments$/);
    const fields = await page
      .locator('#schema-Deployment table.fields tbody tr td:first-child')
      .allTextContents();
    expect(fields).toEqual(
      expect.arrayContaining(['name required', 'phase required', 'target', 'replicas.ready required']),
    );
    await expect.poll(() => page.locator('#schema-Deployments').isVisible()).toBe(true);
    await shot(page, 'first-steps-docs');
    await page.context().close();
  });
});

describe('everything above kept the CSP', () => {
  it('broke no CSP rule', () => {
    expect(cspViolations).toEqual([]);
  });
});
