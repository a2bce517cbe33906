/**
 * The API token: asked for once per page load and held in this module's memory only, sent
 * only in the Authorization header. A reload or a new tab asks again.
 *
 * WARNING: never write it to sessionStorage, localStorage, IndexedDB, the Cache API, a cookie
 * or a URL: anything stored there outlives the page, and storage is readable by any page of
 * the same origin (which is why the console also runs only on an origin of its own).
 */
import { h } from './dom.ts';
import type { Problem } from './types.ts';

let held: string | undefined;

export const tokenStore = {
  get: (): string | undefined => held,
  set: (token: string) => {
    held = token;
  },
  clear: () => {
    held = undefined;
  },
};

let asking: Promise<void> | undefined;

/** Shows the token dialog; concurrent 401s share one dialog. Resolves when a token is entered. */
export function askForToken(problem: Problem, refused: boolean, onChange: () => void): Promise<void> {
  asking ??= new Promise<void>((resolve) => {
    const input = h('input', {
      id: 'token-input',
      type: 'password',
      name: 'token',
      autocomplete: 'off',
      spellcheck: 'false',
      required: true,
      'aria-describedby': 'token-help token-error',
    });
    const message = refused
      ? `The control plane refused this token: ${problem.detail ?? 'the bearer token is not valid'}. Enter it again.`
      : 'This control plane needs an API token.';
    const form = h(
      'form',
      { method: 'dialog', class: 'stack' },
      h('h2', { id: 'token-title' }, refused ? 'Token refused' : 'Sign in'),
      h(
        'p',
        { id: 'token-error', class: refused ? 'error-text' : '', role: refused ? 'alert' : null },
        message,
      ),
      h('label', { for: 'token-input' }, 'API token'),
      input,
      h(
        'p',
        { id: 'token-help', class: 'hint' },
        'Held in this page’s memory only (a reload asks again), never stored, and sent as a bearer token. ',
        'An operator makes one with ',
        h('code', null, 'openssl rand -hex 32'),
        ' and sets its SHA-256 in ',
        h('code', null, 'FLEETPLANE_API_TOKEN_HASHES'),
        '.',
      ),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Continue')),
    );
    const dialog = h('dialog', { class: 'token-dialog', 'aria-labelledby': 'token-title' }, form);
    // Without a token nothing works: Escape must not leave the user on a silent page.
    dialog.addEventListener('cancel', (event) => event.preventDefault());
    form.addEventListener('submit', (event) => {
      const token = input.value.trim();
      if (!token) {
        event.preventDefault();
        input.focus();
        return;
      }
      tokenStore.set(token);
      asking = undefined;
      onChange();
      resolve();
    });
    // The form (method=dialog) closes the dialog itself; remove it only once it has.
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
  return asking;
}
