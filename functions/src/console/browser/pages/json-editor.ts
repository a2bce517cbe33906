/**
 * A JSON text editor: a plain textarea (paste, type, drop a file) with a line-number gutter
 * that marks the lines field errors point at. The textarea stays the real control, so
 * keyboard, clipboard, undo and screen readers behave as they always do.
 */
import { h } from '../dom.ts';

export interface LineMark {
  line: number;
  message: string;
}

export interface JsonEditor {
  element: HTMLElement;
  textarea: HTMLTextAreaElement;
  mark(marks: LineMark[]): void;
  /** Puts the caret at an offset and scrolls it into view. */
  reveal(offset: number): void;
}

export function jsonEditor(id: string, describedBy: string, onText: (text: string) => void): JsonEditor {
  const gutter = h('div', { class: 'gutter', 'aria-hidden': 'true' });
  const lines = h('div', { class: 'gutter-lines' });
  gutter.append(lines);
  const textarea = h('textarea', {
    id,
    class: 'code',
    spellcheck: 'false',
    autocomplete: 'off',
    autocapitalize: 'off',
    wrap: 'off',
    rows: 18,
    'aria-describedby': describedBy,
  });
  let marks: LineMark[] = [];

  const drawGutter = () => {
    const count = textarea.value.split('\n').length;
    const marked = new Map(marks.map((m) => [m.line, m.message]));
    lines.replaceChildren(
      ...Array.from({ length: count }, (_, i) => {
        const message = marked.get(i + 1);
        return h('div', { class: message ? 'has-error' : '', title: message ?? null }, String(i + 1));
      }),
    );
    lines.style.transform = `translateY(${-textarea.scrollTop}px)`;
  };
  textarea.addEventListener('input', () => {
    drawGutter();
    onText(textarea.value);
  });
  textarea.addEventListener('scroll', () => {
    lines.style.transform = `translateY(${-textarea.scrollTop}px)`;
  });
  // Dropping a file replaces the text, as pasting would.
  textarea.addEventListener('dragover', (event) => event.preventDefault());
  textarea.addEventListener('drop', (event) => {
    const file = event.dataTransfer?.files[0];
    if (!file) return;
    event.preventDefault();
    void file.text().then((text) => {
      textarea.value = text;
      drawGutter();
      onText(text);
    });
  });

  return {
    element: h('div', { class: 'editor' }, gutter, textarea),
    textarea,
    mark(next) {
      marks = next;
      drawGutter();
    },
    reveal(offset) {
      textarea.focus();
      textarea.setSelectionRange(offset, offset);
      const line = textarea.value.slice(0, offset).split('\n').length;
      const lineHeight = textarea.scrollHeight / Math.max(1, textarea.value.split('\n').length);
      textarea.scrollTop = Math.max(0, (line - 3) * lineHeight);
    },
  };
}
