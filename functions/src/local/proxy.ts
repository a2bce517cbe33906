/**
 * Forwards `/<agent>/...` on the local server to that agent's process, streaming both ways
 * (Server-Sent Events included). The runtime serves under `/<agent>` itself, so the path is
 * passed through unchanged. Agent names never collide with the API's routes (validated).
 */
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

export function agentProxy(portOf: (agent: string) => number | undefined, next: Fetch): Fetch {
  return async (request) => {
    const url = new URL(request.url);
    const agent = url.pathname.split('/')[1] ?? '';
    const port = agent ? portOf(agent) : undefined;
    if (!port) return next(request);
    const headers = new Headers(request.headers);
    for (const name of HOP_BY_HOP) headers.delete(name);
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
      return Response.json(
        {
          type: 'about:blank',
          title: 'Agent unavailable',
          status: 502,
          detail: `agent "${agent}" is not answering: ${(error as Error).message}`,
        },
        { status: 502, headers: { 'content-type': 'application/problem+json' } },
      );
    }
  };
}
