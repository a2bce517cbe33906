/**
 * A tiny element builder: `h('a', {href: '#/', class: 'x'}, 'text', child)`. Text is always
 * inserted as text nodes, never as HTML, because names, messages and log lines come from
 * the API and the cluster. No style attributes: the Content-Security-Policy refuses them.
 */

export type Child = Node | string | number | false | null | undefined | Child[];
type AttrValue = string | number | boolean | null | undefined;
export type Attrs = { [name: string]: AttrValue | ((event: Event) => void) };

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined)
      element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** One row of a `<dl class="facts">`: the term and its value. */
export const fact = (term: string, ...value: Child[]): Child[] => [
  h('dt', null, term),
  h('dd', null, ...value),
];

/** A fact whose value is code: an address, a name, a version. */
export const codeFact = (term: string, value: string): Child[] => fact(term, h('code', null, value));

let ids = 0;
/** A document-unique id for label/aria wiring. */
export const uid = (prefix: string) => `${prefix}-${++ids}`;

/** "3 s ago", "5 min ago" for a timestamp. */
export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (Number.isNaN(seconds)) return iso;
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

/** A status line (role=status) whose text a screen reader announces when it changes. */
export function statusLine(
  className = 'status-line',
): HTMLParagraphElement & { say(text: string, kind?: 'ok' | 'error' | ''): void } {
  const line = h('p', { class: className, role: 'status' }) as HTMLParagraphElement & {
    say(text: string, kind?: 'ok' | 'error' | ''): void;
  };
  line.say = (text, kind = '') => {
    line.textContent = text;
    line.dataset.kind = kind;
  };
  return line;
}
