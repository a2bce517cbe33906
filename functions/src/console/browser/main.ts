/**
 * The console's entry: wires the API (relative to this page), the token dialog, the header's
 * scope and health lines and the hash router, then draws the page the URL names.
 *
 * Runs in the browser only, and only on the origin the server served the page for: a copy of
 * the page anywhere else says so and asks for nothing. Holds the token in memory (token.ts).
 */
import { createApi } from './api.ts';
import { h } from './dom.ts';
import type { Page, PageContext } from './page.ts';
import { agentPage } from './pages/agent.ts';
import { deployPage } from './pages/deploy.ts';
import { fleetPage } from './pages/fleet.ts';
import { playgroundPage } from './pages/playground.ts';
import { match, type Route } from './router.ts';
import { askForToken, tokenStore } from './token.ts';

const routes: Route[] = [
  { pattern: /^\/$/, keys: [], page: fleetPage, nav: 'fleet' },
  { pattern: /^\/agents\/([^/]+)$/, keys: ['name'], page: agentPage, nav: 'fleet' },
  { pattern: /^\/deploy$/, keys: [], page: deployPage, nav: 'deploy' },
  { pattern: /^\/playground(?:\/([^/]+))?$/, keys: ['name'], page: playgroundPage, nav: 'playground' },
];

const main = document.getElementById('main') as HTMLElement;
const forget = document.getElementById('forget-token') as HTMLButtonElement;
const health = document.getElementById('health') as HTMLElement;
const scope = document.getElementById('scope') as HTMLElement;
const servedFor = document.querySelector<HTMLMetaElement>('meta[name="fleetplane-origin"]')?.content;

const showTokenButton = () => {
  forget.hidden = tokenStore.get() === undefined;
};

const api = createApi({
  base: new URL('../', window.location.href),
  token: tokenStore.get,
  unauthorized(problem, sent) {
    if (sent) tokenStore.clear();
    showTokenButton();
    return askForToken(problem, sent, showTokenButton);
  },
});

/** The scope of the token in use, beside the health line: what this console may do. */
async function showScope(): Promise<void> {
  scope.hidden = true;
  try {
    const who = await api.whoami();
    scope.textContent = who.via === 'open' ? 'admin (open: no token on this local server)' : who.scope;
    scope.title = who.description;
    scope.hidden = false;
  } catch (error) {
    scope.textContent = 'scope unknown';
    scope.title = (error as Error).message;
    scope.hidden = false;
  }
}

let current: Page | undefined;
let flashed: string | undefined;
let first = true;

function render(): void {
  current?.dispose?.();
  const found = match(routes, window.location.hash);
  const context: PageContext = {
    api,
    params: found?.params ?? {},
    query: found?.query ?? new URLSearchParams(),
    flash: (message) => {
      flashed = message;
    },
    ...(flashed ? { flashed } : {}),
    navigate: (hash) => {
      window.location.hash = hash;
    },
  };
  flashed = undefined;
  current = found
    ? found.route.page(context)
    : {
        title: 'Not found',
        element: h(
          'section',
          null,
          h('h1', { tabindex: '-1' }, 'No such page'),
          h('p', null, h('a', { href: '#/' }, 'Back to the fleet')),
        ),
      };
  main.replaceChildren(current.element);
  document.title = `${current.title} · fleetplane`;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('[data-nav]')) {
    if (link.dataset.nav === found?.route.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  // After a navigation, a screen reader hears the new page's heading; the first load keeps
  // focus at the top so the first Tab reaches "Skip to content".
  if (!first) main.querySelector<HTMLElement>('h1')?.focus();
  first = false;
}

async function showHealth(): Promise<void> {
  try {
    const report = await api.health();
    const down = Object.entries(report.checks)
      .filter(([, check]) => !check.ok)
      .map(([name]) => name);
    health.textContent = down.length ? `${down.join(' and ')} unreachable` : `healthy · v${report.version}`;
    health.dataset.kind = down.length ? 'error' : 'ok';
    health.title = Object.entries(report.checks)
      .map(
        ([name, check]) =>
          `${name}: ${check.ok ? 'ok' : check.error} (${check.latencyMs} ms, ${check.target})`,
      )
      .join('\n');
  } catch (error) {
    health.textContent = 'control plane unreachable';
    health.dataset.kind = 'error';
    health.title = (error as Error).message;
  }
}

function start(): void {
  forget.addEventListener('click', () => {
    tokenStore.clear();
    showTokenButton();
    render();
    void showScope();
  });
  document.getElementById('skip')?.addEventListener('click', () => {
    (main.querySelector<HTMLElement>('h1') ?? main).focus();
  });
  window.addEventListener('hashchange', render);
  showTokenButton();
  render();
  void showScope();
  void showHealth();
  setInterval(() => {
    if (!document.hidden) void showHealth();
  }, 30_000);
}

if (servedFor === window.location.origin) start();
else
  main.replaceChildren(
    h(
      'section',
      null,
      h('h1', null, 'Not on this origin'),
      h(
        'p',
        { class: 'notice error' },
        `This console was served for ${servedFor ?? 'another origin'} and runs only there, so it asks for no token at ${window.location.origin}.`,
      ),
    ),
  );
