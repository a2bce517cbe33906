/**
 * One agent: its phase and replicas, conditions, pods and their reasons, the log tail (time,
 * level, message, in time order across pods; and the build log while it builds), revisions with
 * rollback, delete, what the agent says it serves, and how to use it from MCP and A2A clients.
 * Status and logs refresh every few seconds while the tab is visible; rollback and delete ask
 * first.
 */
import { ApiError } from '../api.ts';
import { confirmDialog } from '../dialog.ts';
import { ago, type Child, fact, fill, h, statusLine } from '../dom.ts';
import { clockOf, type LogEntry, mergeLogs } from '../log-lines.ts';
import type { PageFactory } from '../page.ts';
import { buildText, phaseBadge } from '../phase.ts';
import { poll } from '../poll.ts';
import type { AgentStatus, Revisions } from '../types.ts';
import { describeAgent, storedConfig } from './agent-about.ts';
import { connectAgent } from './agent-connect.ts';

const REFRESH_MS = 3_000;

const table = (caption: string, head: string[], rows: Child[][]) =>
  h(
    'table',
    { class: 'grid' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', null, h('tr', null, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h(
      'tbody',
      null,
      ...rows.map((cells) =>
        h('tr', null, ...cells.map((cell, i) => h('td', { 'data-label': head[i] ?? '' }, cell))),
      ),
    ),
  );

const section = (id: string, title: string, ...children: Child[]) =>
  h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);

function overview(status: AgentStatus): HTMLElement {
  const r = status.replicas;
  return h(
    'dl',
    { class: 'facts' },
    fact('Phase', phaseBadge(status.phase)),
    fact(
      'Tier',
      status.tier === 'pooled'
        ? "pooled: served by the namespace's pool (the pods below are the pool's)"
        : 'dedicated: its own pods',
    ),
    fact(
      'Generation',
      `${status.generation} stored`,
      status.appliedGeneration !== undefined
        ? `, ${status.appliedGeneration} ${status.target === 'local' ? 'running as local processes' : 'in the cluster'}`
        : '',
    ),
    fact('Replicas', `${r.ready}/${r.desired} ready · ${r.updated} updated · ${r.available} available`),
    status.autoscaling
      ? fact(
          'Autoscaling',
          `${status.autoscaling.min}–${status.autoscaling.max}, now ${status.autoscaling.current}${status.autoscaling.targetCpuPercentage ? ` at ${status.autoscaling.targetCpuPercentage}% CPU` : ''}`,
        )
      : [],
    fact('Image', h('code', null, status.image ?? 'none yet')),
    status.build ? fact('Build', buildText(status.build) ?? '') : [],
    fact('URL', h('a', { href: status.url, rel: 'noreferrer' }, status.url)),
  );
}

/** One log line as a row: time, level, (pod), message, then its fields, muted. */
function logRow(entry: LogEntry, withPod: boolean): HTMLElement {
  return h(
    'span',
    { class: 'log-row', 'data-level': entry.level ?? '' },
    entry.time
      ? h('time', { class: 'log-time', datetime: entry.time, title: entry.time }, clockOf(entry.time))
      : null,
    entry.level
      ? [' ', h('span', { class: `log-level level-${entry.level}` }, entry.level.toUpperCase().padEnd(5))]
      : null,
    withPod ? [' ', h('span', { class: 'log-pod' }, `[${entry.pod}]`)] : null,
    ' ',
    h('span', { class: 'log-message' }, entry.message),
    entry.fields ? [' ', h('span', { class: 'log-fields' }, entry.fields)] : null,
    '\n',
  );
}

export const agentPage: PageFactory = ({ api, params, navigate, flash }) => {
  const name = params.name ?? '';
  const notice = statusLine();
  const heading = h('h1', { tabindex: '-1' }, name);
  const phaseSlot = h('span', { class: 'head-badge' });
  const overviewSlot = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const conditionsSlot = h('div');
  const podsSlot = h('div');
  const podsSection = section('pods-title', 'Pods', podsSlot);
  const podsHeading = podsSection.querySelector('h2') as HTMLHeadingElement;
  const revisionsSlot = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const aboutSlot = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const connectSlot = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const configSlot = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const logView = h('pre', { class: 'log', id: 'log', tabindex: '0', 'aria-label': 'Log tail' }, 'Loading…');
  const buildLogView = h('pre', { class: 'log', id: 'build-log', tabindex: '0', 'aria-label': 'Build log' });
  const buildSection = section('build-log-title', 'Build log', buildLogView);
  buildSection.hidden = true;
  const tail = h(
    'select',
    { id: 'log-tail' },
    ...[50, 200, 1000].map((n) => h('option', { value: n, selected: n === 200 }, `last ${n} lines`)),
  );
  const follow = h('input', { type: 'checkbox', id: 'log-follow', checked: true });
  let status: AgentStatus | undefined;
  let gone = false;

  const showLogs = async (signal?: AbortSignal) => {
    const logs = await api.logs(name, Number(tail.value), false, signal);
    const entries = mergeLogs(logs.pods);
    const atEnd = logView.scrollTop + logView.clientHeight >= logView.scrollHeight - 8;
    if (entries.length) fill(logView, ...entries.map((entry) => logRow(entry, logs.pods.length > 1)));
    else logView.textContent = 'No log lines yet.';
    if (atEnd) logView.scrollTop = logView.scrollHeight;
  };

  const showBuildLog = async (signal?: AbortSignal) => {
    const building = status?.phase === 'Building' || status?.phase === 'BuildFailed';
    buildSection.hidden = !building;
    if (!building) return;
    const logs = await api.logs(name, 500, true, signal);
    buildLogView.textContent = logs.pods.flatMap((pod) => pod.lines).join('\n') || 'No build log yet.';
  };

  const showRevisions = async () => {
    let revisions: Revisions;
    try {
      revisions = await api.revisions(name);
    } catch (error) {
      fill(
        revisionsSlot,
        h('p', { class: 'error-text' }, `Could not read revisions: ${(error as Error).message}`),
      );
      return;
    }
    const ordered = [...revisions.revisions].sort((a, b) => b.generation - a.generation);
    fill(
      revisionsSlot,
      table(
        'Revisions',
        ['Generation', 'Cause', 'Written', ''],
        ordered.map((revision) => [
          String(revision.generation),
          revision.cause.kind === 'rollback' ? `rollback to ${revision.cause.toGeneration}` : 'deploy',
          h('time', { datetime: revision.updatedAt, title: revision.updatedAt }, ago(revision.updatedAt)),
          revision.current
            ? h('span', { class: 'badge tone-ok' }, 'current')
            : h(
                'button',
                {
                  type: 'button',
                  class: 'secondary small',
                  'data-rollback': revision.generation,
                  onclick: () => void rollback(revision.generation, revisions.current),
                },
                `Roll back to ${revision.generation}`,
              ),
        ]),
      ),
      ordered.length === 1
        ? h('p', { class: 'muted' }, 'One generation so far: nothing to roll back to.')
        : null,
    );
  };

  const rollback = async (generation: number, current: number) => {
    const ok = await confirmDialog({
      title: `Roll back ${name}?`,
      body: [
        h(
          'p',
          null,
          `The config of generation ${generation} becomes generation ${current + 1} and is deployed as a rolling update.`,
        ),
        h('p', { class: 'muted' }, 'Nothing is deleted: you can roll forward the same way.'),
      ],
      confirm: `Roll back to ${generation}`,
    });
    if (!ok) return;
    try {
      const result = await api.rollback(name, generation);
      notice.say(
        `Rolled back: generation ${result.generation} (the config of generation ${generation}) is ${result.deployment?.phase ?? 'deploying'}.`,
        'ok',
      );
      await showRevisions();
      poller.now();
    } catch (error) {
      notice.say(`Rollback failed: ${(error as Error).message}`, 'error');
    }
  };

  const remove = async () => {
    const ok = await confirmDialog({
      title: `Delete ${name}?`,
      body: [
        h(
          'p',
          null,
          'This removes the agent from the cluster (Deployment, Service, routes, autoscaler), its config and every revision.',
        ),
        h('p', null, h('strong', null, 'It cannot be undone.')),
      ],
      confirm: `Delete ${name}`,
      danger: true,
    });
    if (!ok) return;
    try {
      const result = await api.remove(name);
      gone = true;
      poller.stop();
      flash(
        result.pending
          ? `${name}: config deleted; ${result.detail ?? 'the sweep removes what is left'}`
          : `${name} deleted.`,
      );
      navigate('#/');
    } catch (error) {
      notice.say(`Delete failed: ${(error as Error).message}`, 'error');
    }
  };

  const poller = poll(async (signal) => {
    if (gone) return;
    try {
      status = await api.get(name, signal);
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.status === 404) {
        gone = true;
        fill(
          overviewSlot,
          h(
            'p',
            { class: 'error-text' },
            `No agent named “${name}”. `,
            h('a', { href: '#/' }, 'Back to the fleet'),
          ),
        );
        poller.stop();
        return;
      }
      notice.say(`Could not read ${name}: ${(error as Error).message}. Retrying.`, 'error');
      throw error;
    }
    fill(phaseSlot, phaseBadge(status.phase));
    fill(overviewSlot, overview(status));
    fill(
      conditionsSlot,
      table(
        'Conditions',
        ['Type', 'Status', 'Reason', 'Message', 'Since'],
        status.conditions.map((c) => [
          c.type,
          // Degraded is the one condition where True is the bad news.
          h(
            'span',
            {
              class: `cond cond-${c.status === 'Unknown' ? 'unknown' : (c.status === 'True') === (c.type !== 'Degraded') ? 'good' : 'bad'}`,
            },
            c.status,
          ),
          c.reason,
          c.message,
          c.lastTransitionTime
            ? h(
                'time',
                { datetime: c.lastTransitionTime, title: c.lastTransitionTime },
                ago(c.lastTransitionTime),
              )
            : '',
        ]),
      ),
    );
    const pods = status.pods ?? [];
    const pooled = status.tier === 'pooled';
    // The local server runs each replica as a process: say so, not "pod".
    const local = status.target === 'local';
    podsHeading.textContent = local ? 'Processes' : 'Pods';
    fill(
      podsSlot,
      pods.length
        ? table(
            local ? 'Processes' : 'Pods',
            [
              local ? 'Process' : 'Pod',
              'Phase',
              'Ready',
              'Restarts',
              'Reason',
              ...(pooled ? ['Serves'] : []),
            ],
            pods.map((pod) => [
              h('code', null, pod.name),
              pod.phase,
              pod.ready ? 'yes' : 'no',
              String(pod.restarts),
              pod.reason ? `${pod.reason}${pod.message ? `: ${pod.message}` : ''}` : '—',
              ...(pooled
                ? [
                    pod.loadError
                      ? `failed to load: ${pod.loadError}`
                      : pod.servedGeneration !== undefined
                        ? `generation ${pod.servedGeneration}`
                        : 'not yet',
                  ]
                : []),
            ]),
          )
        : h('p', { class: 'muted' }, 'No pods yet.'),
    );
    const failed = (view: HTMLElement, what: string) => (error: Error) => {
      view.textContent = `Could not read the ${what}: ${error.message}`;
    };
    await Promise.all([
      follow.checked ? showLogs(signal).catch(failed(logView, 'log')) : undefined,
      showBuildLog(signal).catch(failed(buildLogView, 'build log')),
    ]);
  }, REFRESH_MS);

  void showRevisions();
  void describeAgent(api, name).then((about) => fill(aboutSlot, about));
  void connectAgent(api, name).then((connect) => fill(connectSlot, connect));
  void storedConfig(api, name).then((config) => fill(configSlot, config));
  tail.addEventListener('change', () => void showLogs());

  const element = h(
    'section',
    { class: 'page agent-page' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Fleet'), ' / ', name),
    h(
      'div',
      { class: 'page-head' },
      h('div', { class: 'title-row' }, heading, phaseSlot),
      h(
        'div',
        { class: 'actions' },
        h(
          'a',
          { class: 'button secondary', href: `#/playground/${encodeURIComponent(name)}` },
          'Open in playground',
        ),
        h(
          'button',
          { type: 'button', class: 'danger', id: 'delete-agent', onclick: () => void remove() },
          'Delete…',
        ),
      ),
    ),
    notice,
    section('overview-title', 'Overview', overviewSlot),
    h('div', { class: 'columns' }, section('conditions-title', 'Conditions', conditionsSlot), podsSection),
    section(
      'logs-title',
      'Log tail',
      h(
        'div',
        { class: 'toolbar' },
        h('label', { for: 'log-tail' }, 'Show'),
        tail,
        h('label', { class: 'check' }, follow, ' Follow'),
        h('button', { type: 'button', class: 'secondary small', onclick: () => void showLogs() }, 'Refresh'),
      ),
      logView,
    ),
    buildSection,
    section('revisions-title', 'Revisions', revisionsSlot),
    section('config-title', 'Config (read-only)', configSlot),
    section('about-title', 'As the agent describes itself', aboutSlot),
    section('connect-title', 'Use it from MCP and A2A clients', connectSlot),
  );
  return { title: name, element, dispose: () => poller.stop() };
};
