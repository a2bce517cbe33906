/**
 * The console's entry: wires the API (relative to this page), the token dialog, the header's
 * health line and the hash router, then draws the page the URL names.
 *
 * Runs in the browser only. Holds the token in sessionStorage (token.ts), nowhere else.
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

forget.addEventListener('click', () => {
  tokenStore.clear();
  showTokenButton();
  render();
});
document.getElementById('skip')?.addEventListener('click', () => {
  (main.querySelector<HTMLElement>('h1') ?? main).focus();
});
window.addEventListener('hashchange', render);
showTokenButton();
render();
void showHealth();
setInterval(() => {
  if (!document.hidden) void showHealth();
}, 30_000);
