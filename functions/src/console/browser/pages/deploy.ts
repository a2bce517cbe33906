/**
 * Deploy: paste, type or upload an agent config (one, or `{"agents": [...]}`), or start from
 * a template; checked as you type by the API's own validator (loaded with this page), errors
 * shown at the form field and at the JSON line; then deployed and watched until it runs.
 * A config with errors is never sent.
 */
import { ApiError } from '../api.ts';
import { fill, h, statusLine } from '../dom.ts';
import { lineOf, offsetOf, pathOffsets, syntaxErrorOffset } from '../json-locate.ts';
import type { PageFactory } from '../page.ts';
import type { DeployResult, FieldError } from '../types.ts';
import { configForm } from './config-form.ts';
import { watchDeploy } from './deploy-watch.ts';
import { jsonEditor } from './json-editor.ts';

type Validator = typeof import('../validator.ts');

let validator: Promise<Validator> | undefined;
/** The validator is a file of its own (zod and the config rules), fetched by this page only. */
function loadValidator(): Promise<Validator> {
  const url =
    document.querySelector<HTMLMetaElement>('meta[name="fleetplane-validator"]')?.content ?? 'validator.js';
  validator ??= import(new URL(url, document.baseURI).href) as Promise<Validator>;
  return validator;
}

/** The text being edited survives leaving the page and coming back (this tab, in memory only). */
let draft = `{\n  "name": "my-agent",\n  "template": "General Assistant"\n}\n`;

export const deployPage: PageFactory = ({ api, query }) => {
  let watch: { stop(): void } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const slug = query.get('template');
  if (slug) draft = `{\n  "name": ${JSON.stringify(slug)},\n  "template": ${JSON.stringify(slug)}\n}\n`;

  const summary = h('div', { class: 'error-summary', id: 'deploy-errors', tabindex: '-1', hidden: true });
  const result = statusLine();
  const watchSlot = h('div');
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void validate(), 120);
  };
  const setText = (text: string) => {
    editor.textarea.value = text;
    draft = text;
    editor.mark([]);
  };
  const editor = jsonEditor('config-json', 'deploy-errors json-help', (text) => {
    draft = text;
    form.sync();
    schedule();
  });
  const form = configForm({
    text: () => editor.textarea.value,
    edit: (text) => {
      setText(text);
      schedule();
    },
  });
  editor.textarea.value = draft;

  async function validate(): Promise<FieldError[]> {
    const { checkDeployText } = await loadValidator();
    const errors = checkDeployText(editor.textarea.value);
    showErrors(errors, 'local');
    return errors;
  }

  /** Every error at its field (when the form has one), at its JSON line, and in the summary. */
  function showErrors(errors: FieldError[], source: 'local' | 'server') {
    const text = editor.textarea.value;
    const offsets = pathOffsets(text);
    const place = (error: FieldError) =>
      error.path === '(body)' ? (syntaxErrorOffset(error.message) ?? 0) : offsetOf(offsets, error.path);
    form.showErrors(errors);
    editor.mark(
      errors.map((error) => ({
        line: lineOf(text, place(error)),
        message: `${error.path}: ${error.message}`,
      })),
    );
    summary.hidden = errors.length === 0;
    if (errors.length === 0) return summary.replaceChildren();
    const title =
      source === 'server'
        ? 'The API refused this config'
        : `${errors.length} problem${errors.length === 1 ? '' : 's'} to fix before deploying`;
    fill(
      summary,
      h('h2', null, title),
      h(
        'ul',
        null,
        ...errors.map((error) => {
          const offset = place(error);
          const go = () => form.focus(error.path) || editor.reveal(offset);
          return h(
            'li',
            { 'data-path': error.path },
            h(
              'button',
              { type: 'button', class: 'link', onclick: go },
              h('code', null, error.path),
              ` (line ${lineOf(text, offset)})`,
            ),
            ` ${error.message}`,
            error.rule ? h('span', { class: 'rule' }, error.rule) : null,
          );
        }),
      ),
    );
  }

  const deployButton = h('button', { type: 'submit', class: 'primary', id: 'deploy-button' }, 'Deploy');
  async function deploy(event: Event) {
    event.preventDefault();
    clearTimeout(timer);
    if ((await validate()).length) {
      summary.focus();
      return;
    }
    deployButton.disabled = true;
    deployButton.textContent = 'Deploying…';
    result.say('');
    watch?.stop();
    watchSlot.replaceChildren();
    try {
      const answer = await api.deploy(editor.textarea.value);
      const results: DeployResult[] = 'results' in answer ? answer.results : [answer];
      const failed = results.filter((r) => r.error).length;
      result.say(
        failed
          ? `${failed} of ${results.length} failed; the rest were stored.`
          : `Stored: ${results.map((r) => `${r.name} (${r.outcome}, generation ${r.generation})`).join(', ')}.`,
        failed ? 'error' : 'ok',
      );
      const watcher = watchDeploy(api, results);
      watch = watcher;
      watchSlot.replaceChildren(watcher.element);
    } catch (error) {
      // What only the server knows (cloud "local" off the local server, say) comes back as field errors too.
      if (error instanceof ApiError && error.problem.errors?.length) {
        showErrors(error.problem.errors, 'server');
        summary.focus();
      } else result.say(`Deploy failed: ${(error as Error).message}`, 'error');
    } finally {
      deployButton.disabled = false;
      deployButton.textContent = 'Deploy';
    }
  }

  const fileInput = h('input', { type: 'file', accept: '.json,application/json', hidden: true });
  fileInput.addEventListener('change', () => {
    void fileInput.files?.[0]?.text().then((text) => {
      setText(text);
      form.sync();
      void validate();
    });
  });

  void api
    .templates()
    .then(form.setTemplates)
    .catch((error: Error) => result.say(`Could not load templates: ${error.message}`, 'error'));
  form.sync();
  void validate();

  const element = h(
    'section',
    { class: 'page deploy-page' },
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Deploy')),
    h(
      'p',
      { class: 'muted' },
      'Write an agent config below, paste one, ',
      h(
        'button',
        { type: 'button', class: 'link', id: 'upload-config', onclick: () => fileInput.click() },
        'upload agent.config.json',
      ),
      ', or drop a file on the editor. It is checked as you type with the same rules as the API.',
    ),
    fileInput,
    summary,
    h(
      'form',
      { class: 'deploy-form', novalidate: true, onsubmit: (event: Event) => void deploy(event) },
      h(
        'div',
        { class: 'deploy-columns' },
        form.element,
        h(
          'div',
          { class: 'json-pane' },
          h('label', { for: 'config-json' }, 'agent.config.json'),
          editor.element,
          h(
            'p',
            { class: 'hint', id: 'json-help' },
            'One config, or {"agents": [...]} for up to 50. Unknown fields are rejected, never ignored.',
          ),
        ),
      ),
      h('div', { class: 'actions' }, deployButton),
    ),
    result,
    watchSlot,
  );
  return {
    title: 'Deploy',
    element,
    dispose: () => {
      clearTimeout(timer);
      watch?.stop();
    },
  };
};
