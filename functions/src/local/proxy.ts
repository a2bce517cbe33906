/**
 * Forwards `/<agent>/...` on the local server to one of that agent's ready processes (round
 * robin, chosen by `portOf`), streaming both ways (Server-Sent Events included). The runtime
 * serves under `/<agent>` itself, so the path is passed through unchanged. An agent that is
 * deployed but has no ready process answers 503 with Retry-After, as a Service with no ready
 * endpoint would refuse. Agent names never collide with the API's routes: validated at deploy,
 * and the API's own first segments are never proxied.
 * With a guard (a server that needs a token), a call reaches an agent only once the guard lets
 * it, before anything else is said about the agent.
 */
import type { AgentCallGuard } from './agent-access.ts';

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'host',
  'content-length',
];

export type Fetch = (request: Request) => Response | Promise<Response>;

export interface AgentRoutes {
  /** The port of the agent's next ready process; undefined when none is ready. */
  portOf(agent: string): number | undefined;
  /** Whether the agent is deployed on this target at all. */
  hasAgent(agent: string): boolean;
  /** Whether the agent checks API keys of its own (`auth.apiKeyHashes`). */
  hasOwnKeys(agent: string): boolean;
}

const problem = (status: number, title: string, detail: string, headers: Record<string, string> = {}) =>
  Response.json(
    { type: 'about:blank', title, status, detail },
    { status, headers: { 'content-type': 'application/problem+json', ...headers } },
  );

/**
 * `apiRoots`: the first path segments of the API's own routes (api/route-roots.ts). They go to
 * the API whatever agent exists: an agent stored under such a name before it was reserved
 * must not take the route's requests, and the operator's token with them.
 */
export function agentProxy(
  routes: () => AgentRoutes | undefined,
  next: Fetch,
  apiRoots: () => readonly string[] = () => [],
  guard?: AgentCallGuard,
): Fetch {
  return async (request) => {
    const url = new URL(request.url);
    const agent = url.pathname.split('/')[1] ?? '';
    if (apiRoots().includes(agent)) return next(request);
    const target = agent ? routes() : undefined;
    if (!target?.hasAgent(agent)) return next(request);
    const allowed = guard ? guard(request, agent, target.hasOwnKeys(agent)) : { dropAuthorization: false };
    if (allowed instanceof Response) return allowed;
    const port = target.portOf(agent);
    if (!port)
      return problem(503, 'Agent not ready', `agent "${agent}" has no ready process yet`, {
        'retry-after': '1',
      });
    const headers = new Headers(request.headers);
    for (const name of HOP_BY_HOP) headers.delete(name);
    if (allowed.dropAuthorization) headers.delete('authorization');
    headers.set('x-forwarded-host', url.host);
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    try {
      const upstream = await fetch(`http://127.0.0.1:${port}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        signal: request.signal,
        ...(hasBody ? { body: request.body, duplex: 'half' } : {}),
      } as RequestInit);
      const responseHeaders = new Headers(upstream.headers);
      for (const name of HOP_BY_HOP) responseHeaders.delete(name);
      return new Response(upstream.body, { status: upstream.status, headers: responseHeaders });
    } catch (error) {
      return problem(
        502,
        'Agent unavailable',
        `agent "${agent}" is not answering: ${(error as Error).message}`,
      );
    }
  };
}
