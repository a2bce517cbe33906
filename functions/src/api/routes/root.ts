/**
 * GET /: what this server is and where to go next (the docs, the OpenAPI document, the console,
 * /health), as JSON for a client that asks for it, else as a small page for a browser. Public.
 *
 * WARNING: public, so it says only what the OpenAPI document says too: no setting, no address.
 */
import { Hono } from 'hono';
import type { z } from 'zod';
import type { aboutResponse } from '../schemas.ts';

type About = z.infer<typeof aboutResponse>;

export function aboutOf(version: string): About {
  return {
    name: 'fleetplane',
    version,
    description: 'Deploys GenAI agents to Kubernetes from one JSON config. This is its control plane API.',
    links: { docs: '/docs', openapi: '/openapi.json', console: '/console/', health: '/health' },
  };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch] as string);

function page(about: About): string {
  // Relative links, so the page works behind a path prefix too.
  const link = (href: string, text: string, what: string) =>
    `<li><a href="${href.slice(1)}">${escapeHtml(text)}</a>: ${escapeHtml(what)}</li>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fleetplane ${escapeHtml(about.version)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}</style>
</head><body><h1>fleetplane ${escapeHtml(about.version)}</h1><p>${escapeHtml(about.description)}</p><ul>
${link(about.links.console, 'Console', 'the fleet, one agent, deploy, playground')}
${link(about.links.docs, 'API docs', 'every route and status')}
${link(about.links.openapi, 'openapi.json', 'the OpenAPI 3.1 document, for tools and client generators')}
${link(about.links.health, 'health', 'the store and the cluster, reachable or not')}
</ul><p>Deploy from a shell: <code>npx fleetplane deploy examples/single_agent.json --wait</code></p></body></html>`;
}

/** JSON when the client prefers it to HTML (an Accept that names application/json and not text/html first). */
function wantsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase());
  const json = types.findIndex((type) => type === 'application/json' || type?.endsWith('+json'));
  const html = types.indexOf('text/html');
  return json !== -1 && (html === -1 || json < html);
}

export function rootRoutes(version: string) {
  return new Hono().get('/', (c) => {
    const about = aboutOf(version);
    c.header('vary', 'accept');
    return wantsJson(c.req.header('accept')) ? c.json(about) : c.html(page(about));
  });
}
