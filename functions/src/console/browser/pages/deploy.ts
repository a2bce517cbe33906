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
import type { DeployResult, FieldError, Template } from '../types.ts';
import type { TextCheck } from '../validator.ts';
import {
  CONFIG_FIELDS,
  type ConfigField,
  fieldId,
  fieldValue,
  getPath,
  setPath,
  textOf,
} from './config-fields.ts';
import { watchDeploy } from './deploy-watch.ts';
import { jsonEditor } from './json-editor.ts';

type Validator = typeof import('../validator.ts');

let validator: Promise<Validator> | undefined;
function loadValidator(): Promise<Validator> {
  const url =
    document.querySelector<HTMLMetaElement>('meta[name="fleetplane-validator"]')?.content ?? 'validator.js';
  validator ??= import(new URL(url, document.baseURI).href) as Promise<Validator>;
  return validator;
}

/** The text being edited survives leaving the page and coming back (this tab, in memory only). */
let draft = `{\n  "name": "my-agent",\n  "template": "General Assistant"\n}\n`;

export const deployPage: PageFactory = ({ api, query }) => {
  let templates: Template[] = [];
  let check: TextCheck | undefined;
  let watch: { stop(): void } | undefined;

  const templateSlug = query.get('template');
  if (templateSlug)
    draft = `{\n  "name": ${JSON.stringify(templateSlug)},\n  "template": ${JSON.stringify(templateSlug)}\n}\n`;

  const summary = h('div', { class: 'error-summary', id: 'deploy-errors', tabindex: '-1', hidden: true });
  const result = statusLine();
  const watchSlot = h('div');
  const editor = jsonEditor('config-json', 'deploy-errors json-help', (text) => {
    draft = text;
    syncForm();
    schedule();
  });
  editor.textarea.value = draft;

  // The form: one control per field, each with its hint and its error slot.
  const controls = new Map<
    string,
    {
      field: ConfigField;
      input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
      error: HTMLElement;
    }
  >();
  const templateSelect = h(
    'select',
    { id: fieldId('template') },
    h('option', { value: '' }, 'General Assistant (default)'),
  );
  const rows = CONFIG_FIELDS.map((field) => {
    const id = fieldId(field.path);
    const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
    const hint = field.hint ? h('p', { class: 'hint', id: `${id}-hint` }, field.hint) : null;
    const describedBy = [hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ');
    const input =
      field.kind === 'template'
        ? templateSelect
        : field.kind === 'textarea'
          ? h('textarea', { id, rows: 4 })
          : field.kind === 'checkbox'
            ? h('input', { id, type: 'checkbox' })
            : h('input', {
                id,
                type: 'text',
                inputmode: field.kind === 'number' ? 'decimal' : null,
                autocomplete: 'off',
                spellcheck: 'false',
              });
    input.setAttribute('aria-describedby', describedBy);
    controls.set(field.path, { field, input, error });
    input.addEventListener(field.kind === 'checkbox' || field.kind === 'template' ? 'change' : 'input', () =>
      editFromForm(field, input),
    );
    return field.kind === 'checkbox'
      ? h(
          'div',
          { class: 'field check-field', 'data-path': field.path },
          h('label', { class: 'check' }, input, ` ${field.label}`),
          hint,
          error,
        )
      : h(
          'div',
          { class: 'field', 'data-path': field.path },
          h('label', { for: id }, field.label),
          input,
          hint,
          error,
        );
  });
  const formNote = h('p', { class: 'muted small', hidden: true });
  const fieldset = h(
    'fieldset',
    { class: 'config-form' },
    h('legend', null, 'Common fields'),
    formNote,
    ...rows,
  );

  function parsedObject(): Record<string, unknown> | undefined {
    try {
      const value = JSON.parse(editor.textarea.value) as unknown;
      return typeof value === 'object' && value !== null && !Array.isArray(value) && !('agents' in value)
        ? (value as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }

  function editFromForm(
    field: ConfigField,
    input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement,
  ) {
    const doc = parsedObject();
    if (!doc) return;
    setPath(doc, field.path, fieldValue(field, input.value, (input as HTMLInputElement).checked));
    editor.textarea.value = `${JSON.stringify(doc, null, 2)}\n`;
    draft = editor.textarea.value;
    editor.mark([]);
    syncPlaceholders();
    schedule();
  }

  function syncPlaceholders() {
    const chosen =
      templates.find((t) => t.name === templateSelect.value || t.slug === templateSelect.value) ??
      templates.find((t) => t.slug === 'general-assistant');
    for (const { field, input } of controls.values())
      if (field.fallback && 'placeholder' in input) input.placeholder = field.fallback(chosen) ?? '';
  }

  /** The JSON document drives the form; a field being typed in is left alone. */
  function syncForm() {
    const doc = parsedObject();
    fieldset.disabled = !doc;
    formNote.hidden = Boolean(doc);
    formNote.textContent = /"agents"\s*:/.test(editor.textarea.value)
      ? 'A batch of agents: edit it as JSON.'
      : 'The form follows the JSON once it parses.';
    if (!doc) return;
    for (const { field, input } of controls.values()) {
      if (input === document.activeElement) continue;
      const value = getPath(doc, field.path);
      if (field.kind === 'checkbox') (input as HTMLInputElement).checked = value === true;
      else if (field.kind === 'template') {
        const text = textOf(value);
        const known = templates.find((t) => t.name.toLowerCase() === text.toLowerCase() || t.slug === text);
        const option = known ? known.name : text;
        // An unknown template keeps its text as an option, so its error has a field to sit at.
        if (![...templateSelect.options].some((o) => o.value === option))
          templateSelect.append(h('option', { value: option }, option));
        input.value = option;
      } else input.value = textOf(value);
    }
    syncPlaceholders();
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => void validate(), 120);
  }

  async function validate(): Promise<TextCheck> {
    const { checkDeployText } = await loadValidator();
    check = checkDeployText(editor.textarea.value);
    showErrors(check.errors, 'local');
    return check;
  }

  function showErrors(errors: FieldError[], source: 'local' | 'server') {
    const text = editor.textarea.value;
    const offsets = pathOffsets(text);
    const place = (error: FieldError) =>
      error.path === '(body)' ? (syntaxErrorOffset(error.message) ?? 0) : offsetOf(offsets, error.path);
    for (const { input, error } of controls.values()) {
      error.hidden = true;
      error.textContent = '';
      input.removeAttribute('aria-invalid');
    }
    for (const error of errors) {
      const control = controls.get(error.path);
      if (!control) continue;
      control.error.hidden = false;
      control.error.textContent = `${control.error.textContent ? `${control.error.textContent} · ` : ''}${error.message}${error.rule ? ` (${error.rule})` : ''}`;
      control.input.setAttribute('aria-invalid', 'true');
    }
    editor.mark(
      errors.map((error) => ({
        line: lineOf(text, place(error)),
        message: `${error.path}: ${error.message}`,
      })),
    );
    summary.hidden = errors.length === 0;
    if (errors.length === 0) {
      summary.replaceChildren();
      return;
    }
    fill(
      summary,
      h(
        'h2',
        null,
        source === 'server'
          ? 'The API refused this config'
          : `${errors.length} problem${errors.length === 1 ? '' : 's'} to fix before deploying`,
      ),
      h(
        'ul',
        null,
        ...errors.map((error) => {
          const control = controls.get(error.path);
          const offset = place(error);
          return h(
            'li',
            { 'data-path': error.path },
            h(
              'button',
              {
                type: 'button',
                class: 'link',
                onclick: () =>
                  control && !fieldset.disabled ? control.input.focus() : editor.reveal(offset),
              },
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
    const current = await validate();
    if (current.errors.length) {
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
      if (error instanceof ApiError && error.problem.errors?.length) {
        showErrors(error.problem.errors, 'server');
        summary.focus();
      } else result.say(`Deploy failed: ${(error as Error).message}`, 'error');
    } finally {
      deployButton.disabled = false;
      deployButton.textContent = 'Deploy';
    }
  }

  const fileInput = h('input', {
    type: 'file',
    id: 'config-file',
    accept: '.json,application/json',
    class: 'visually-hidden',
  });
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    void file.text().then((text) => {
      editor.textarea.value = text;
      draft = text;
      editor.mark([]);
      syncForm();
      void validate();
    });
  });

  void api
    .templates()
    .then((list) => {
      templates = list;
      templateSelect.replaceChildren(
        h('option', { value: '' }, 'General Assistant (default)'),
        ...list.map((t) => h('option', { value: t.name, title: t.description }, t.name)),
      );
      syncForm();
    })
    .catch((error: Error) => result.say(`Could not load templates: ${error.message}`, 'error'));
  syncForm();
  void validate();

  const element = h(
    'section',
    { class: 'page deploy-page' },
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Deploy')),
    h(
      'p',
      { class: 'muted' },
      'Write an agent config below, paste one, ',
      h('label', { for: 'config-file', class: 'link upload' }, 'upload agent.config.json'),
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
        fieldset,
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
