/**
 * The deploy page's form: one control per common field (config-fields.ts), each with its
 * hint and its error slot. The JSON text stays the source of truth: the form shows what it
 * says, and an edit in the form rewrites it. A batch, or text that is not JSON, disables the
 * form (the JSON editor still takes everything).
 */
import { h } from '../dom.ts';
import type { FieldError, Template } from '../types.ts';
import {
  CONFIG_FIELDS,
  type ConfigField,
  fieldId,
  fieldValue,
  getPath,
  setPath,
  textOf,
  toolsSummary,
} from './config-fields.ts';

type Control = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | HTMLOutputElement;

export interface ConfigForm {
  element: HTMLFieldSetElement;
  /** Shows what the JSON text says; the field being typed in is left alone. */
  sync(): void;
  setTemplates(templates: Template[]): void;
  /** Shows each error whose path is a form field at that field; returns the paths shown. */
  showErrors(errors: FieldError[]): void;
  /** Focuses the field for a path, if the form has one and is enabled. */
  focus(path: string): boolean;
}

const DEFAULT_TEMPLATE = 'general-assistant';

function parseConfig(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) && !('agents' in value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function configForm(json: { text(): string; edit(text: string): void }): ConfigForm {
  let templates: Template[] = [];
  const controls = new Map<string, { field: ConfigField; input: Control; error: HTMLElement }>();
  const defaultOption = () => h('option', { value: '' }, 'General Assistant (default)');
  const templateSelect = h('select', { id: fieldId('template') }, defaultOption());

  const syncPlaceholders = () => {
    const chosen =
      templates.find((t) => t.name === templateSelect.value) ??
      templates.find((t) => t.slug === DEFAULT_TEMPLATE);
    for (const { field, input } of controls.values())
      if (field.fallback && 'placeholder' in input) input.placeholder = field.fallback(chosen) ?? '';
  };

  const edit = (field: ConfigField, input: Control) => {
    const config = parseConfig(json.text());
    if (!config) return;
    setPath(config, field.path, fieldValue(field, input.value, (input as HTMLInputElement).checked));
    json.edit(`${JSON.stringify(config, null, 2)}\n`);
    syncPlaceholders();
  };

  const rows = CONFIG_FIELDS.map((field) => {
    const id = fieldId(field.path);
    const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
    const hint = field.hint ? h('p', { class: 'hint', id: `${id}-hint` }, field.hint) : null;
    const input: Control =
      field.kind === 'tools'
        ? h('output', { id, class: 'muted' })
        : field.kind === 'template'
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
    input.setAttribute(
      'aria-describedby',
      [hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' '),
    );
    controls.set(field.path, { field, input, error });
    const changes = field.kind === 'checkbox' || field.kind === 'template' ? 'change' : 'input';
    if (field.kind !== 'tools') input.addEventListener(changes, () => edit(field, input));
    const label =
      field.kind === 'checkbox'
        ? h('label', { class: 'check' }, input, ` ${field.label}`)
        : h('label', { for: id }, field.label);
    return h(
      'div',
      { class: 'field', 'data-path': field.path },
      label,
      field.kind === 'checkbox' ? null : input,
      hint,
      error,
    );
  });
  const note = h('p', { class: 'muted small', hidden: true });
  const element = h('fieldset', { class: 'config-form' }, h('legend', null, 'Common fields'), note, ...rows);

  const sync = () => {
    const config = parseConfig(json.text());
    element.disabled = !config;
    note.hidden = Boolean(config);
    note.textContent = /"agents"\s*:/.test(json.text())
      ? 'A batch of agents: edit it as JSON.'
      : 'The form follows the JSON once it parses.';
    if (!config) return;
    for (const { field, input } of controls.values()) {
      if (input === document.activeElement) continue;
      const value = getPath(config, field.path);
      if (field.kind === 'tools') input.value = toolsSummary(value);
      else if (field.kind === 'checkbox') (input as HTMLInputElement).checked = value === true;
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
  };

  return {
    element,
    sync,
    setTemplates(list) {
      templates = list;
      templateSelect.replaceChildren(
        defaultOption(),
        ...list.map((t) => h('option', { value: t.name, title: t.description }, t.name)),
      );
      sync();
    },
    showErrors(errors) {
      for (const { input, error } of controls.values()) {
        error.hidden = true;
        error.textContent = '';
        input.removeAttribute('aria-invalid');
      }
      for (const error of errors) {
        // A tool's own fields are edited in the JSON; their errors also show at the summary.
        const control = controls.get(/^tools\[/.test(error.path) ? 'tools' : error.path);
        if (!control) continue;
        const at = error.path.startsWith('tools[') ? `${error.path}: ` : '';
        const text = `${at}${error.message}${error.rule ? ` (${error.rule})` : ''}`;
        control.error.hidden = false;
        control.error.textContent = control.error.textContent
          ? `${control.error.textContent} · ${text}`
          : text;
        control.input.setAttribute('aria-invalid', 'true');
      }
    },
    focus(path) {
      const control = controls.get(path);
      if (!control || element.disabled) return false;
      control.input.focus();
      return true;
    },
  };
}
