/**
 * After a deploy: each agent's phase as it comes up (Pending → Deploying → Running, or the
 * condition that stops it), polled once a second until it settles, with the time it took.
 */
import type { Api } from '../api.ts';
import { h } from '../dom.ts';
import { conditionText, isSettled, phaseBadge, problemCondition } from '../phase.ts';
import { poll } from '../poll.ts';
import type { DeployResult } from '../types.ts';

const GIVE_UP_MS = 5 * 60_000;

export function watchDeploy(api: Api, results: DeployResult[]): { element: HTMLElement; stop(): void } {
  const started = performance.now();
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
  const pollers: { stop(): void }[] = [];
  const items = results.map((result) => {
    const phase = h('span', { class: 'watch-phase' });
    const trail = h('ol', { class: 'trail' });
    const detail = h('p', { class: 'muted small' });
    const item = h(
      'li',
      { class: 'watch-item', 'data-agent': result.name },
      h(
        'div',
        { class: 'title-row' },
        h('a', { href: `#/agents/${encodeURIComponent(result.name)}` }, result.name),
        phase,
        h(
          'span',
          { class: 'muted small' },
          result.error ? `failed (${result.status})` : `${result.outcome}, generation ${result.generation}`,
        ),
      ),
      trail,
      detail,
    );
    if (result.error) {
      detail.textContent = `${result.error.title}: ${result.error.detail}`;
      detail.className = 'error-text';
      return item;
    }
    let last = '';
    const poller = poll(async (signal) => {
      const status = await api.get(result.name, signal);
      if (status.phase !== last) {
        last = status.phase;
        phase.replaceChildren(phaseBadge(status.phase));
        trail.append(h('li', null, `${status.phase} at ${seconds()} s`));
      }
      const problem = problemCondition(status);
      detail.textContent = problem ? conditionText(problem) : '';
      if (isSettled(status.phase) || performance.now() - started > GIVE_UP_MS) {
        poller.stop();
        if (status.phase === 'Running')
          detail.replaceChildren(
            `Running after ${seconds()} s. `,
            h('a', { href: `#/playground/${encodeURIComponent(result.name)}` }, 'Try it in the playground'),
          );
      }
    }, 1_000);
    pollers.push(poller);
    return item;
  });
  return {
    element: h(
      'section',
      { class: 'card watch', 'aria-labelledby': 'watch-title', 'aria-live': 'polite' },
      h('h2', { id: 'watch-title' }, 'Coming up'),
      h('ul', { class: 'plain' }, ...items),
    ),
    stop: () => {
      for (const poller of pollers) poller.stop();
    },
  };
}
