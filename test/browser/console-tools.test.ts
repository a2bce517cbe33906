/**
 * The console with an agent that has tools, in a real headless Chromium against the local
 * server. The playground shows each tool call while it runs (the tool's API holds its answer
 * until the test lets it go), then its outcome and figures, before the answer; a whole
 * (unstreamed) answer lists its calls too, and a failing tool shows as an error while the
 * answer still arrives. The agent page lists the tools; the deploy form summarises them and
 * shows a tool's error there, as the API reports it.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../support/capture-server.ts';
import {
  agentRunning,
  type ConsoleServer,
  launchChromiumFor,
  SCREENSHOTS,
  signedInPage,
  startConsoleServer,
  until,
} from './harness.ts';

let server: ConsoleServer;
let browser: Browser;
let api: CaptureServer;
let release: () => void = () => {};

beforeAll(async () => {
  api = await startCaptureServer(async (request) => {
    if (request.url.startsWith('/broken')) return { status: 500, body: 'the index is rebuilding' };
    // Held until the test has seen the call running on the page.
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    return { headers: { 'content-type': 'application/json' }, body: '{"forecast":"sunny"}' };
  });
  server = await startConsoleServer();
  browser = await launchChromiumFor(server);
  const deployed = await server.api('/deploy', {
    method: 'POST',
    body: JSON.stringify({
      name: 'tooled',
      tools: [
        { type: 'http', name: 'weather', url: `${api.origin}/weather?city={city}` },
        { type: 'http', name: 'broken', url: `${api.origin}/broken` },
      ],
    }),
  });
  expect(deployed.status, await deployed.clone().text()).toBe(201);
  await agentRunning(server, 'tooled');
});

afterAll(async () => {
  release();
  await browser?.close();
  await server?.stop();
  await api?.close();
});

const signedIn = async (hash: string) =>
  signedInPage(await browser.newContext({ viewport: { width: 1280, height: 900 } }), server, hash);

async function playground(): Promise<Page> {
  const page = await signedIn('#/playground/tooled');
  await page.locator('#pg-endpoint option[value="generate"]').waitFor({ state: 'attached' });
  return page;
}

describe('the playground with tools', () => {
  it('shows each tool call as it starts and ends, before the answer', async () => {
    const page = await playground();
    await page.locator('#pg-prompt').fill('weather: Lisbon');
    await page.locator('#pg-send').click();
    const call = page.locator('#pg-tools li');
    await until(
      'the call shown running',
      async () => (await call.getAttribute('data-outcome')) === 'running',
    );
    expect(await call.textContent()).toBe('weather step 1 · running…');
    expect(await page.locator('#pg-answer').textContent()).toBe('');
    await page.screenshot({ path: join(SCREENSHOTS, 'playground-tool-running.png'), fullPage: true });
    release();
    await expect
      .poll(() => page.locator('#pg-answer').getAttribute('data-state'), { timeout: 15_000 })
      .toBe('done');
    expect(await call.getAttribute('data-outcome')).toBe('ok');
    expect(await call.textContent()).toMatch(/^weather step 1 · ok · \d+ ms · 20 B$/);
    expect(await page.locator('#pg-answer').textContent()).toBe('weather: {"forecast":"sunny"}');
    expect(await page.locator('[data-stat="Stopped"]').textContent()).toBe('answer');
    expect(await page.locator('[data-stat="Tool calls"]').textContent()).toBe('1');
    await page.screenshot({ path: join(SCREENSHOTS, 'playground-tools.png'), fullPage: true });
    await page.context().close();
  });

  it('lists the calls of a whole answer too, a failing tool as an error', async () => {
    const page = await playground();
    await page.locator('#pg-prompt').fill('broken');
    await page.locator('#pg-stream').uncheck();
    await page.locator('#pg-send').click();
    await expect.poll(() => page.locator('#pg-answer').getAttribute('data-state')).toBe('done');
    const call = page.locator('#pg-tools li');
    expect(await call.getAttribute('data-outcome')).toBe('error');
    expect(await call.textContent()).toMatch(/^broken step 1 · error · \d+ ms · \d+ B$/);
    expect(await page.locator('#pg-answer').textContent()).toBe(
      'broken: ERROR: HTTP 500: the index is rebuilding',
    );
    await page.context().close();
  });

  it('lists the agent’s tools on its page', async () => {
    const page = await signedIn('#/agents/tooled');
    const tools = page.locator('dl.facts dt:text-is("Tools") + dd');
    await tools.waitFor();
    expect(await tools.textContent()).toBe('weather (http), broken (http)');
    await page.context().close();
  });

  it('summarises a config’s tools in the deploy form and shows a tool’s error there, as the API reports it', async () => {
    const page = await signedIn('#/deploy');
    const config = {
      name: 'form-tools',
      tools: [
        { type: 'http', name: 'lookup', url: 'https://{host}/x' },
        { type: 'agent', name: 'ask', agent: 'tooled' },
      ],
      toolLimits: { maxSteps: 3 },
    };
    await page.locator('#config-json').fill(JSON.stringify(config, null, 2));
    await expect
      .poll(() => page.locator('#field-tools').textContent())
      .toBe('lookup (http), ask (agent → tooled)');
    expect(await page.locator('#field-toolLimits-maxSteps').inputValue()).toBe('3');
    const answer = await server.api('/deploy', { method: 'POST', body: JSON.stringify(config) });
    const error = ((await answer.json()) as { errors: { path: string; message: string }[] }).errors[0];
    expect(error?.path).toBe('tools[0].url');
    await expect
      .poll(() => page.locator('#field-tools-error').textContent())
      .toContain(`tools[0].url: ${error?.message}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'deploy-tools.png'), fullPage: true });
    await page.context().close();
  });
});
