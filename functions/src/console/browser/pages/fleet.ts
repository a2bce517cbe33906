/**
 * The fleet: every agent with its phase, ready replicas, generation, image or build, URL and
 * the condition that explains a problem; filtered by name and phase; refreshed by one list
 * call every few seconds while the tab is visible. Rows are updated in place, so focus and
 * scroll survive a refresh.
 */
import { ApiError } from '../api.ts';
import { h, statusLine } from '../dom.ts';
import type { PageFactory } from '../page.ts';
import { buildText, conditionText, PHASES, phaseBadge, problemCondition, shortImage } from '../phase.ts';
import { poll } from '../poll.ts';
import type { AgentStatus } from '../types.ts';

const REFRESH_MS = 5_000;
/** Filters survive a visit to an agent and back (this tab only). */
const filters = { text: '', phase: '' };

function cells(agent: AgentStatus): HTMLTableCellElement[] {
  const problem = problemCondition(agent);
  const cluster =
    agent.appliedGeneration !== undefined && agent.appliedGeneration !== agent.generation
      ? ` (cluster runs ${agent.appliedGeneration})`
      : '';
  const td = (label: string, ...children: (Node | string)[]) => h('td', { 'data-label': label }, ...children);
  return [
    h(
      'th',
      { scope: 'row', 'data-label': 'Agent' },
      h('a', { href: `#/agents/${encodeURIComponent(agent.name)}` }, agent.name),
    ),
    td('Phase', phaseBadge(agent.phase)),
    td('Tier', agent.tier ?? 'dedicated'),
    td('Ready', `${agent.replicas.ready}/${agent.replicas.desired}`),
    td('Generation', `${agent.generation}${cluster}`),
    td('Image', buildText(agent.build) ?? shortImage(agent.image)),
    td('URL', h('a', { href: agent.url, class: 'url', rel: 'noreferrer' }, agent.url)),
    td(
      'Problem',
      problem ? h('span', { class: 'problem' }, conditionText(problem)) : h('span', { class: 'muted' }, '—'),
    ),
  ] as HTMLTableCellElement[];
}

export const fleetPage: PageFactory = ({ api, flashed }) => {
  const rows = new Map<string, { row: HTMLTableRowElement; signature: string }>();
  let agents: AgentStatus[] = [];
  let loaded = false;

  const text = h('input', {
    id: 'filter-name',
    type: 'search',
    value: filters.text,
    placeholder: 'name contains…',
    autocomplete: 'off',
  });
  const phase = h(
    'select',
    { id: 'filter-phase' },
    h('option', { value: '' }, 'every phase'),
    ...PHASES.map((p) => h('option', { value: p, selected: p === filters.phase }, p)),
  );
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'fleet', 'aria-describedby': 'fleet-summary' },
    h('caption', { class: 'visually-hidden' }, 'Agents'),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ...['Agent', 'Phase', 'Tier', 'Ready', 'Generation', 'Image / build', 'URL', 'Problem'].map((c) =>
          h('th', { scope: 'col' }, c),
        ),
      ),
    ),
    tbody,
  );
  const summary = h('p', { id: 'fleet-summary', class: 'muted', 'aria-live': 'polite' }, 'Loading…');
  const empty = h(
    'div',
    { class: 'empty', hidden: true },
    h('p', null, 'No agents yet.'),
    h('p', null, h('a', { href: '#/deploy', class: 'button primary' }, 'Deploy your first agent')),
  );
  const error = statusLine('status-line');

  const render = () => {
    const needle = filters.text.trim().toLowerCase();
    const shown = agents.filter(
      (agent) => agent.name.includes(needle) && (filters.phase === '' || agent.phase === filters.phase),
    );
    for (const [name, entry] of rows)
      if (!shown.some((agent) => agent.name === name)) {
        entry.row.remove();
        rows.delete(name);
      }
    shown.forEach((agent, index) => {
      const signature = JSON.stringify(agent);
      let entry = rows.get(agent.name);
      if (!entry) {
        entry = { row: h('tr', { 'data-agent': agent.name }), signature: '' };
        rows.set(agent.name, entry);
      }
      if (entry.signature !== signature) {
        // Keep the name cell (and a focused link in it) when only the status changed.
        const fresh = cells(agent);
        if (entry.row.cells.length === fresh.length)
          for (let i = 1; i < fresh.length; i++) entry.row.cells[i]?.replaceWith(fresh[i] as HTMLElement);
        else entry.row.replaceChildren(...fresh);
        entry.signature = signature;
      }
      if (tbody.children[index] !== entry.row) tbody.insertBefore(entry.row, tbody.children[index] ?? null);
    });
    const counts = PHASES.map((p) => [p, agents.filter((a) => a.phase === p).length] as const).filter(
      ([, n]) => n > 0,
    );
    summary.textContent = !loaded
      ? 'Loading…'
      : `${agents.length} agent${agents.length === 1 ? '' : 's'}${counts.length ? `: ${counts.map(([p, n]) => `${n} ${p}`).join(', ')}` : ''}${shown.length !== agents.length ? ` · ${shown.length} shown` : ''}`;
    empty.hidden = !loaded || agents.length > 0;
    table.hidden = loaded && agents.length === 0;
  };

  text.addEventListener('input', () => {
    filters.text = text.value;
    render();
  });
  phase.addEventListener('change', () => {
    filters.phase = phase.value;
    render();
  });

  const refreshed = h('span', { class: 'muted small' });
  const poller = poll(async (signal) => {
    try {
      agents = await api.list(signal);
      loaded = true;
      error.say('');
      refreshed.textContent = `updated ${new Date().toLocaleTimeString()}`;
      render();
    } catch (failure) {
      if (signal.aborted) return;
      error.say(
        `Could not list agents: ${failure instanceof ApiError ? failure.message : (failure as Error).message}. Retrying.`,
        'error',
      );
      throw failure;
    }
  }, REFRESH_MS);

  const flash = statusLine();
  if (flashed) flash.say(flashed, 'ok');

  const element = h(
    'section',
    { class: 'page fleet-page' },
    h(
      'div',
      { class: 'page-head' },
      h('h1', { tabindex: '-1' }, 'Fleet'),
      h('a', { href: '#/deploy', class: 'button primary', id: 'deploy-link' }, 'Deploy an agent'),
    ),
    flash,
    h(
      'div',
      { class: 'toolbar', role: 'search' },
      h('label', { for: 'filter-name' }, 'Filter by name'),
      text,
      h('label', { for: 'filter-phase' }, 'Phase'),
      phase,
      refreshed,
    ),
    error,
    summary,
    h('div', { class: 'table-wrap' }, table),
    empty,
  );
  render();
  return { title: 'Fleet', element, dispose: () => poller.stop() };
};
