/**
 * What the console's browser tests run against: the local server (`npm start`) as a real
 * process with a bearer token configured and the echo model behind its agents, and Debian's
 * Chromium driven through playwright-core. Everything listens on loopback only, and
 * everything started here is stopped by `stop()`, even after a failed test.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../support/fake-llm.ts';
import { startLocalServer } from '../support/local-server.ts';
import { waitFor } from '../support/wait.ts';

export const root = new URL('../../', import.meta.url).pathname;
export const CHROMIUM = process.env.FLEETPLANE_TEST_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = join(root, '.cache', 'console-screenshots');
export const TOKEN = 'console-test-token-0123456789abcdef';
/** A second token, scoped `viewer:al*`: it sees alpha and nothing else. */
export const VIEWER_TOKEN = 'console-viewer-token-0123456789';

/** Until `probe` gives a value (30 s by default, every 100 ms): the one waitFor of test/support. */
export const until = <T>(what: string, probe: () => Promise<T | false | undefined>, ms = 30_000) =>
  waitFor(what, probe, ms, 100);

export interface ConsoleServer {
  base: string;
  llm: FakeLlm;
  /** A call to the API with the right token, as a test's independent check of what the page did. */
  api(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export async function startConsoleServer(): Promise<ConsoleServer> {
  const llm = await startFakeLlm();
  const server = await startLocalServer({
    env: {
      FLEETPLANE_API_TOKEN_HASHES: `${sha256(TOKEN)},${sha256(VIEWER_TOKEN)}@viewer:al*`,
      FLEETPLANE_LOG_LEVEL: 'warn',
      OPENAI_BASE_URL: llm.baseURL,
      OPENAI_API_KEY: 'local-key',
    },
  }).catch(async (error: unknown) => {
    await llm.close();
    throw error;
  });
  return {
    base: server.base,
    llm,
    api: (path, init = {}) =>
      fetch(`${server.base}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
      }),
    stop: async () => {
      await server.kill();
      await llm.close();
    },
  };
}

/**
 * Debian's Chromium, headless. playwright-core launches it with a fresh temporary profile
 * (user-data-dir) of its own and removes it on close.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: install Debian's package (apt-get install -y --no-install-recommends chromium), or set FLEETPLANE_TEST_CHROMIUM to another Chromium binary`,
    );
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Chromium beside a started server; the server is stopped when Chromium cannot start. */
export async function launchChromiumFor(server: ConsoleServer): Promise<Browser> {
  try {
    return await launchChromium();
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Types `token` into the console's token dialog and sends it (the dialog stays when it is refused). */
export async function enterToken(page: Page, token = TOKEN): Promise<void> {
  await page.locator('#token-input').fill(token);
  await page.locator('#token-input').press('Enter');
}

/** A new page in `context` on the console at `hash`, signed in with TOKEN (the normal case). */
export async function signedInPage(
  context: BrowserContext,
  server: ConsoleServer,
  hash = '#/',
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${server.base}/console/${hash}`);
  await enterToken(page);
  await page.locator('dialog').waitFor({ state: 'detached' });
  return page;
}

/** Deploys `config` through the API, which must accept it. */
export async function deployAgent(server: ConsoleServer, config: object): Promise<void> {
  const response = await server.api('/deploy', { method: 'POST', body: JSON.stringify(config) });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
}

/** Until the API reports the agent Running. */
export const agentRunning = (server: ConsoleServer, name: string) =>
  until(`${name} Running`, async () => {
    const response = await server.api(`/deployments/${name}`);
    return response.ok && ((await response.json()) as { phase: string }).phase === 'Running';
  });
