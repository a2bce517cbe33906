/**
 * The deploy form's fields: the parts of an agent config most people change, each bound to a
 * path in the JSON document (the document stays the source of truth; fields edit it). Values
 * are written as typed, so the validator reports "must be a number (got "abc")" just as the
 * API would, instead of the form silently dropping what it cannot parse.
 */
import type { Template } from '../types.ts';

export interface ConfigField {
  path: string;
  label: string;
  /** `tools`: a read-only summary of the array (its entries are edited in the JSON). */
  kind: 'text' | 'number' | 'textarea' | 'template' | 'checkbox' | 'tools';
  hint?: string;
  /** The value used when the field is left empty, from the chosen template. */
  fallback?: (template: Template | undefined) => string | undefined;
}

export const CONFIG_FIELDS: ConfigField[] = [
  {
    path: 'name',
    label: 'Name',
    kind: 'text',
    hint: 'Lower-case letters, digits and “-”, at most 40; the agent answers at <host>/<name>/.',
  },
  { path: 'template', label: 'Template', kind: 'template', hint: 'Supplies every default below.' },
  {
    path: 'model',
    label: 'Model',
    kind: 'text',
    hint: '“<Provider> <model-id>”, such as “OpenAI gpt-4o”.',
    fallback: (t) => t?.model,
  },
  {
    path: 'instruction',
    label: 'Instruction (system prompt)',
    kind: 'textarea',
    fallback: (t) => t?.instruction,
  },
  {
    path: 'temperature',
    label: 'Temperature',
    kind: 'number',
    hint: '0 to 2.',
    fallback: (t) => (t ? String(t.temperature) : undefined),
  },
  { path: 'max_tokens', label: 'Max tokens', kind: 'number' },
  { path: 'resources.cpu', label: 'CPU request', kind: 'text', fallback: (t) => t?.resources.cpu },
  { path: 'resources.memory', label: 'Memory request', kind: 'text', fallback: (t) => t?.resources.memory },
  { path: 'scaling.replicas', label: 'Replicas', kind: 'number', fallback: () => '1' },
  { path: 'scaling.autoscale', label: 'Autoscale on CPU', kind: 'checkbox' },
  { path: 'scaling.min_replicas', label: 'Min replicas', kind: 'number', fallback: () => '1' },
  { path: 'scaling.max_replicas', label: 'Max replicas', kind: 'number', fallback: () => '10' },
  {
    path: 'tools',
    label: 'Tools',
    kind: 'tools',
    hint: 'MCP servers, HTTP APIs and other agents the agent may call: edit them in the JSON ("tools": [...]).',
  },
  {
    path: 'toolLimits.maxSteps',
    label: 'Most model calls per run',
    kind: 'number',
    hint: 'With tools: the run stops there (stop_reason "max_steps").',
    fallback: () => '8',
  },
  { path: 'toolLimits.timeoutMs', label: 'Tool call timeout (ms)', kind: 'number', fallback: () => '15000' },
  {
    path: 'toolLimits.maxResultBytes',
    label: 'Largest tool result (bytes)',
    kind: 'number',
    fallback: () => '32768',
  },
];

/** One line per tool of a config's `tools`, as the form shows them. */
export function toolsSummary(tools: unknown): string {
  if (!Array.isArray(tools) || tools.length === 0) return 'None.';
  return tools
    .map((tool) => {
      const t = (typeof tool === 'object' && tool !== null ? tool : {}) as Record<string, unknown>;
      const what = t.type === 'agent' ? `agent → ${String(t.agent ?? '?')}` : String(t.type ?? '?');
      return `${String(t.name ?? '?')} (${what})`;
    })
    .join(', ');
}

export const fieldId = (path: string) => `field-${path.replace(/[^a-z0-9]+/gi, '-')}`;

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function getPath(doc: JsonObject, path: string): unknown {
  let value: unknown = doc;
  for (const key of path.split('.')) value = isObject(value) ? value[key] : undefined;
  return value;
}

/** Sets (or, for undefined, removes) a value; removing the last member removes its parent too. */
export function setPath(doc: JsonObject, path: string, value: unknown): void {
  const keys = path.split('.');
  const parents: JsonObject[] = [doc];
  let cursor = doc;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(cursor[key])) {
      if (value === undefined) return;
      cursor[key] = {};
    }
    cursor = cursor[key] as JsonObject;
    parents.push(cursor);
  }
  const last = keys.at(-1) as string;
  if (value === undefined) delete cursor[last];
  else cursor[last] = value;
  for (let i = parents.length - 1; i > 0; i--) {
    if (Object.keys(parents[i] as JsonObject).length > 0) break;
    delete (parents[i - 1] as JsonObject)[keys[i - 1] as string];
  }
}

/** What a field's text means in JSON: empty is "not set", numbers are numbers, the rest is text. */
export function fieldValue(field: ConfigField, text: string, checked: boolean): unknown {
  if (field.kind === 'checkbox') return checked ? true : undefined;
  if (text === '') return undefined;
  if (field.kind === 'number' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text.trim())) return Number(text);
  return text;
}

export function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
