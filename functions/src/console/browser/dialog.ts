/**
 * A confirmation dialog (the native <dialog>: focus stays inside, Escape cancels). Used before
 * every destructive or state-changing action: rollback, delete.
 */
import { type Child, h } from './dom.ts';

export interface ConfirmOptions {
  title: string;
  body: Child[];
  confirm: string;
  danger?: boolean;
}

export function confirmDialog(options: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = h('button', { type: 'button', class: 'secondary', value: 'cancel' }, 'Cancel');
    const ok = h(
      'button',
      { type: 'submit', class: options.danger ? 'danger' : 'primary', value: 'ok' },
      options.confirm,
    );
    const form = h(
      'form',
      { method: 'dialog', class: 'stack' },
      h('h2', { id: 'confirm-title' }, options.title),
      h('div', { id: 'confirm-body' }, ...options.body),
      h('div', { class: 'actions' }, cancel, ok),
    );
    const dialog = h(
      'dialog',
      { class: 'confirm-dialog', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-body' },
      form,
    );
    const opener = document.activeElement as HTMLElement | null;
    cancel.addEventListener('click', () => dialog.close('cancel'));
    dialog.addEventListener('close', () => {
      dialog.remove();
      opener?.focus();
      resolve(dialog.returnValue === 'ok');
    });
    document.body.append(dialog);
    dialog.showModal();
    // The safe choice has the focus: Enter alone never deletes anything.
    cancel.focus();
  });
}
