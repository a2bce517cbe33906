/**
 * The agent page's read-only config: the stored config of the current generation, as the
 * platform resolved it (GET /deployments/{name}/config), and what the running agent reports
 * about itself (template, model, endpoints, tools).
 */
import { credentialFor, describe } from '../agent-client.ts';
import type { Api } from '../api.ts';
import { codeFact, h } from '../dom.ts';

/** The stored config as JSON, read-only. */
export async function storedConfig(api: Api, name: string): Promise<HTMLElement> {
  try {
    const stored = await api.config(name);
    return h(
      'div',
      null,
      h('p', { class: 'muted small' }, `Generation ${stored.generation}, stored ${stored.updatedAt}.`),
      h(
        'pre',
        { class: 'config', tabindex: '0', 'aria-label': 'Stored config' },
        JSON.stringify(stored.spec, null, 2),
      ),
    );
  } catch (error) {
    return h('p', { class: 'muted' }, `The stored config could not be read: ${(error as Error).message}`);
  }
}

export async function describeAgent(api: Api, name: string): Promise<HTMLElement> {
  try {
    const status = await api.get(name);
    const about = await describe(status.url, credentialFor(status.url));
    return h(
      'div',
      null,
      h(
        'dl',
        { class: 'facts' },
        codeFact('Template', about.template),
        codeFact('Model', about.model),
        codeFact('Runtime', about.version),
        ...(about.tools?.length
          ? codeFact(
              'Tools',
              about.tools
                .map((tool) =>
                  tool.type === 'mcp'
                    ? `${tool.name} (mcp: ${tool.offered.length ? tool.offered.join(', ') : 'nothing listed yet'})`
                    : `${tool.name} (${tool.type})`,
                )
                .join(', '),
            )
          : []),
      ),
      h(
        'table',
        { class: 'grid' },
        h('caption', { class: 'visually-hidden' }, 'Endpoints'),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, 'Method'),
            h('th', { scope: 'col' }, 'Path'),
            h('th', { scope: 'col' }, 'What it does'),
          ),
        ),
        h(
          'tbody',
          null,
          ...about.endpoints.map((e) =>
            h(
              'tr',
              null,
              h('td', { 'data-label': 'Method' }, e.method),
              h('td', { 'data-label': 'Path' }, h('code', null, e.path)),
              h('td', { 'data-label': 'What it does' }, e.description),
            ),
          ),
        ),
      ),
      h(
        'p',
        { class: 'muted small' },
        'As the running agent reports it (GET ',
        h('code', null, status.url),
        ').',
      ),
    );
  } catch (error) {
    return h('p', { class: 'muted' }, `The agent did not describe itself: ${(error as Error).message}`);
  }
}
