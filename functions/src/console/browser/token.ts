/**
 * The API token: asked for once, kept in this tab's sessionStorage (gone when the browser
 * session ends), sent only in the Authorization header. Never in localStorage, a cookie or
 * a URL. When the API refuses it, the dialog says so and asks again.
 */
import { h } from './dom.ts';
import type { Problem } from './types.ts';

const KEY = 'fleetplane.token';

export const tokenStore = {
  get: (): string | undefined => sessionStorage.getItem(KEY) ?? undefined,
  set: (token: string) => sessionStorage.setItem(KEY, token),
  clear: () => sessionStorage.removeItem(KEY),
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
        'Kept in this browser tab only (session storage) and sent as a bearer token. ',
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
