/**
 * Playground: send a prompt to an agent's /generate or to one of its custom endpoints and
 * watch the answer arrive token by token (Server-Sent Events), with the time to the first
 * token, the total time and the token counts the agent reports. An agent with tools shows
 * each call as it starts and ends (name, step, outcome, duration, bytes), before the answer.
 *
 * The agent's own API key, for agents that require one, is held in this page only: never
 * stored, never sent anywhere but to the agent.
 */
import {
  type AgentAbout,
  AgentUnreachable,
  ask,
  credentialFor,
  describe,
  type ToolCall,
  type Usage,
} from '../agent-client.ts';
import { fill, h, statusLine } from '../dom.ts';
import type { PageFactory } from '../page.ts';
import { phaseBadge } from '../phase.ts';
import type { AgentStatus } from '../types.ts';

/** An endpoint the playground can call: /generate, or a custom endpoint (not /v1, not probes). */
interface Target {
  path: string;
  method: 'POST' | 'GET';
  description: string;
  /** The inputs a custom endpoint requires, as the agent lists them. */
  slots: string[];
}

function targetsOf(about: AgentAbout, base: string): Target[] {
  const prefix = new URL(base).pathname;
  return about.endpoints
    .map((e) => ({
      ...e,
      path: e.path.startsWith(prefix) ? e.path.slice(prefix.length) : e.path.replace(/^\//, ''),
    }))
    .filter((e) => !e.path.startsWith('v1/') && (e.method === 'POST' || e.method === 'GET'))
    .map((e) => ({
      path: e.path,
      method: e.method as 'POST' | 'GET',
      description: e.description,
      slots: e.slots ?? [],
    }));
}

/**
 * The input a custom endpoint starts with: each of its slots, empty, so Send asks for exactly
 * what it requires (`{"language": "", "diff": ""}`). An agent that lists no slots (older
 * runtimes) gets the shorthand's one slot, `input`.
 */
function initialInput(target: Pick<Target, 'slots'> | undefined): string {
  const slots = target?.slots.length ? target.slots : ['input'];
  return JSON.stringify(Object.fromEntries(slots.map((slot) => [slot, ''])), null, 2);
}

const ms = (value: number) => (value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(2)} s`);

export const playgroundPage: PageFactory = ({ api, params, navigate }) => {
  let agents: AgentStatus[] = [];
  let targets: Target[] = [];
  let running: AbortController | undefined;
  /** The last input this page pre-filled, to tell it from the user's own. */
  let prefilled = '';
  const chosen = () => agents.find((a) => a.name === agentSelect.value);

  const agentSelect = h('select', { id: 'pg-agent' }, h('option', { value: '' }, 'Loading agents…'));
  const agentPhase = h('span', { class: 'head-badge' });
  const endpointSelect = h('select', { id: 'pg-endpoint' });
  const endpointHint = h('p', { class: 'hint', id: 'pg-endpoint-hint' });
  const prompt = h('textarea', { id: 'pg-prompt', rows: 5, placeholder: 'Ask the agent something…' });
  const body = h('textarea', { id: 'pg-body', rows: 5, class: 'code', spellcheck: 'false' });
  const promptField = h('div', { class: 'field' }, h('label', { for: 'pg-prompt' }, 'Prompt'), prompt);
  const bodyField = h(
    'div',
    { class: 'field', hidden: true },
    h('label', { for: 'pg-body' }, 'Input (JSON: the endpoint’s prompt slots)'),
    body,
  );
  const stream = h('input', { type: 'checkbox', id: 'pg-stream', checked: true });
  const temperature = h('input', {
    type: 'text',
    id: 'pg-temperature',
    inputmode: 'decimal',
    placeholder: 'agent default',
    size: 6,
  });
  const maxTokens = h('input', {
    type: 'text',
    id: 'pg-max-tokens',
    inputmode: 'numeric',
    placeholder: 'agent default',
    size: 6,
  });
  const key = h('input', {
    type: 'password',
    id: 'pg-key',
    autocomplete: 'off',
    placeholder: 'only if the agent requires one',
  });
  const send = h('button', { type: 'submit', class: 'primary', id: 'pg-send' }, 'Send');
  const stop = h('button', { type: 'button', class: 'secondary', id: 'pg-stop', disabled: true }, 'Stop');
  const answer = h('div', {
    class: 'answer',
    id: 'pg-answer',
    'aria-live': 'off',
    tabindex: '0',
    'aria-label': 'Answer',
  });
  const stats = h('dl', { class: 'stats', id: 'pg-stats' });
  const toolCalls = h('ol', {
    class: 'tool-calls',
    id: 'pg-tools',
    'aria-label': 'Tool calls',
    hidden: true,
  });

  /** Shows a call as it starts (running) and again as it ends (its outcome and figures). */
  const showToolCall = (call: ToolCall) => {
    toolCalls.hidden = false;
    const at = [...toolCalls.children].find((item) => (item as HTMLElement).dataset.id === call.id);
    const item = (at as HTMLElement | undefined) ?? toolCalls.appendChild(h('li', { 'data-id': call.id }));
    item.dataset.outcome = call.outcome ?? 'running';
    const figures = call.outcome
      ? `${call.outcome} · ${ms(call.duration_ms ?? 0)} · ${call.bytes ?? 0} B${call.truncated ? ' (cut)' : ''}`
      : 'running…';
    fill(
      item,
      h('span', { class: 'tool-name' }, call.name),
      h('span', { class: 'muted' }, ` step ${call.step} · `),
      h('span', { class: 'tool-outcome' }, figures),
    );
  };
  const notice = statusLine();

  const showStats = (entries: [string, string][]) =>
    fill(
      stats,
      ...entries.flatMap(([term, value]) => [h('dt', null, term), h('dd', { 'data-stat': term }, value)]),
    );

  const isGenerate = () => endpointSelect.value === 'generate' || endpointSelect.value === '';
  function showInputs() {
    const target = targets.find((t) => t.path === endpointSelect.value);
    promptField.hidden = !isGenerate();
    bodyField.hidden = isGenerate();
    maxTokens.disabled = !isGenerate();
    temperature.disabled = !isGenerate();
    stream.disabled = target?.method === 'GET';
    endpointHint.textContent = target?.description ?? '';
    // Pre-filled anew for each endpoint unless the user wrote something of their own.
    if (!isGenerate() && (body.value.trim() === '' || body.value === prefilled)) {
      prefilled = initialInput(target);
      body.value = prefilled;
    }
  }

  async function chooseAgent() {
    const agent = chosen();
    agentPhase.replaceChildren(agent ? phaseBadge(agent.phase) : '');
    endpointSelect.replaceChildren();
    targets = [];
    if (!agent) return;
    if (params.name !== agent.name) navigate(`#/playground/${encodeURIComponent(agent.name)}`);
    try {
      targets = targetsOf(await describe(agent.url, credentialFor(agent.url, key.value)), agent.url);
      notice.say('');
    } catch (error) {
      // Still usable: /generate is there unless the config turned it off.
      targets = [{ path: 'generate', method: 'POST', description: 'Generate text from a prompt', slots: [] }];
      notice.say(`The agent did not list its endpoints: ${(error as Error).message}`, 'error');
    }
    endpointSelect.replaceChildren(
      ...targets.map((t) => h('option', { value: t.path }, `${t.method} /${t.path}`)),
    );
    showInputs();
  }

  async function submit(event: Event) {
    event.preventDefault();
    const agent = chosen();
    const target = targets.find((t) => t.path === endpointSelect.value);
    if (!agent || !target) {
      notice.say('Choose an agent and an endpoint first.', 'error');
      return;
    }
    let input: Record<string, unknown>;
    if (isGenerate()) {
      if (!prompt.value.trim()) {
        notice.say('Write a prompt first.', 'error');
        prompt.focus();
        return;
      }
      input = { prompt: prompt.value };
      if (temperature.value.trim()) input.temperature = Number(temperature.value);
      if (maxTokens.value.trim()) input.max_tokens = Number(maxTokens.value);
    } else {
      try {
        input = JSON.parse(body.value || '{}') as Record<string, unknown>;
      } catch (error) {
        notice.say(`The input is not JSON: ${(error as Error).message}`, 'error');
        body.focus();
        return;
      }
    }
    if (target.method === 'POST' && stream.checked) input.stream = true;

    running?.abort();
    const controller = new AbortController();
    running = controller;
    send.disabled = true;
    stop.disabled = false;
    answer.textContent = '';
    toolCalls.replaceChildren();
    toolCalls.hidden = true;
    answer.setAttribute('aria-busy', 'true');
    answer.dataset.state = 'streaming';
    notice.say('');
    const started = performance.now();
    let firstToken: number | undefined;
    let chunks = 0;
    let usage: Usage | null | undefined;
    let finish: string | null | undefined;
    let stopped: string | null | undefined;
    let status = 0;
    const live = () =>
      showStats([
        ['Status', status ? String(status) : '…'],
        ['First token', firstToken === undefined ? '…' : ms(firstToken - started)],
        ['Total', ms(performance.now() - started)],
        ['Chunks', String(chunks)],
      ]);
    live();
    try {
      for await (const event of ask(agent.url, {
        path: target.path,
        method: target.method,
        input,
        signal: controller.signal,
        key: credentialFor(agent.url, key.value),
      })) {
        if (event.kind === 'open') status = event.status;
        else if (event.kind === 'tool') showToolCall(event.call);
        else if (event.kind === 'token') {
          firstToken ??= performance.now();
          chunks++;
          answer.append(event.text);
          live();
        } else if (event.kind === 'done') {
          if (event.text !== undefined) {
            firstToken ??= performance.now();
            answer.textContent = event.text;
          }
          usage = event.usage;
          finish = event.finishReason;
          stopped = event.stopReason;
          for (const call of event.toolCalls ?? []) showToolCall(call);
        } else {
          answer.dataset.state = 'error';
          notice.say(
            `${event.problem.title ?? 'Error'} (${event.problem.status ?? status}): ${event.problem.detail ?? ''}`,
            'error',
          );
        }
      }
      const total = performance.now() - started;
      showStats([
        ['Status', String(status)],
        ['First token', firstToken === undefined ? '—' : ms(firstToken - started)],
        ['Total', ms(total)],
        ['Chunks', String(chunks)],
        ['Prompt tokens', usage ? String(usage.prompt_tokens) : '—'],
        ['Completion tokens', usage ? String(usage.completion_tokens) : '—'],
        ['Total tokens', usage ? String(usage.total_tokens) : '—'],
        ['Finish', finish ?? '—'],
        ...(stopped ? ([['Stopped', stopped]] as [string, string][]) : []),
        ...(stopped ? ([['Tool calls', String(toolCalls.children.length)]] as [string, string][]) : []),
      ]);
      if (answer.dataset.state !== 'error') {
        answer.dataset.state = 'done';
        notice.say(`Answer complete${usage ? `: ${usage.total_tokens} tokens` : ''} in ${ms(total)}.`, 'ok');
      }
    } catch (error) {
      answer.dataset.state = 'error';
      if ((error as Error).name === 'AbortError') notice.say('Stopped.', '');
      else
        notice.say(
          error instanceof AgentUnreachable
            ? (error as Error).message
            : `The call failed: ${(error as Error).message}`,
          'error',
        );
    } finally {
      answer.removeAttribute('aria-busy');
      send.disabled = false;
      stop.disabled = true;
      if (running === controller) running = undefined;
    }
  }

  stop.addEventListener('click', () => running?.abort());
  agentSelect.addEventListener('change', () => void chooseAgent());
  endpointSelect.addEventListener('change', showInputs);

  void api
    .list()
    .then((list) => {
      agents = list;
      agentSelect.replaceChildren(
        h('option', { value: '' }, list.length ? 'Choose an agent' : 'No agents deployed'),
        ...list.map((a) =>
          h('option', { value: a.name, selected: a.name === params.name }, `${a.name} (${a.phase})`),
        ),
      );
      if (chosen()) void chooseAgent();
    })
    .catch((error: Error) => notice.say(`Could not list agents: ${error.message}`, 'error'));

  const element = h(
    'section',
    { class: 'page playground-page' },
    h(
      'div',
      { class: 'page-head' },
      h('div', { class: 'title-row' }, h('h1', { tabindex: '-1' }, 'Playground'), agentPhase),
    ),
    h(
      'form',
      { class: 'card playground-form', onsubmit: (event: Event) => void submit(event) },
      h(
        'div',
        { class: 'row' },
        h('div', { class: 'field' }, h('label', { for: 'pg-agent' }, 'Agent'), agentSelect),
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'pg-endpoint' }, 'Endpoint'),
          endpointSelect,
          endpointHint,
        ),
      ),
      promptField,
      bodyField,
      h(
        'details',
        { class: 'options' },
        h('summary', null, 'Options'),
        h(
          'div',
          { class: 'row' },
          h('div', { class: 'field' }, h('label', { for: 'pg-temperature' }, 'Temperature'), temperature),
          h('div', { class: 'field' }, h('label', { for: 'pg-max-tokens' }, 'Max tokens'), maxTokens),
          h('div', { class: 'field' }, h('label', { for: 'pg-key' }, 'Agent API key'), key),
        ),
      ),
      h('div', { class: 'actions' }, h('label', { class: 'check' }, stream, ' Stream'), stop, send),
    ),
    notice,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'pg-answer-title' },
      h('h2', { id: 'pg-answer-title' }, 'Answer'),
      toolCalls,
      answer,
      stats,
    ),
  );
  return { title: 'Playground', element, dispose: () => running?.abort() };
};
