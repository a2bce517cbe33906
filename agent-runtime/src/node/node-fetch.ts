/**
 * A `fetch` for the openai SDK built on node:http(s) with keep-alive agents: the subset the
 * SDK uses (string URL, method, headers, string/bytes body, signal), answered with a web
 * Response. Anything else falls back to the global fetch.
 *
 * WHY: on the hot path undici's fetch cost more CPU than the rest of the runtime together;
 * measured with test/bench/runtime.ts, this roughly doubled requests per second. It must
 * keep fetch's contract: reject with TypeError on network failure (the SDK maps that to a
 * connection error), AbortError on abort, and a streaming body for event streams.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

const NULL_BODY = new Set([101, 204, 205, 304]);

export function createNodeFetch(): typeof fetch {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 256 }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 256 }),
  };
  return ((input: RequestInfo | URL, init: RequestInit = {}) => {
    const body = init.body;
    const plainBody = body == null || typeof body === 'string' || body instanceof Uint8Array;
    if (input instanceof Request || !plainBody) return fetch(input, init);
    const url = new URL(String(input));
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') return fetch(input, init);

    return new Promise<Response>((resolve, reject) => {
      const headers = headerRecord(init.headers);
      // Node does not decompress; ask for identity so the body is what the SDK expects.
      headers['accept-encoding'] = 'identity';
      if (body != null) headers['content-length'] = String(Buffer.byteLength(body));
      const req = (secure ? httpsRequest : httpRequest)(
        url,
        {
          method: init.method ?? 'GET',
          headers,
          agent: agents[secure ? 'https:' : 'http:'],
          signal: init.signal ?? undefined,
        },
        (res) => respond(res, resolve, reject),
      );
      req.on('error', (err) =>
        reject(err.name === 'AbortError' ? err : new TypeError('fetch failed', { cause: err })),
      );
      req.end(body ?? undefined);
    });
  }) as typeof fetch;
}

function respond(res: IncomingMessage, resolve: (r: Response) => void, reject: (e: unknown) => void): void {
  const status = res.statusCode ?? 502;
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  if (NULL_BODY.has(status)) {
    res.resume();
    resolve(new Response(null, { status, statusText: res.statusMessage, headers }));
    return;
  }
  if ((res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
    const stream = Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>;
    resolve(new Response(stream, { status, statusText: res.statusMessage, headers }));
    return;
  }
  const parts: Buffer[] = [];
  res.on('data', (part: Buffer) => parts.push(part));
  res.on('end', () =>
    resolve(new Response(Buffer.concat(parts), { status, statusText: res.statusMessage, headers })),
  );
  res.on('error', (err) =>
    reject(err.name === 'AbortError' ? err : new TypeError('fetch failed', { cause: err })),
  );
}

function headerRecord(init: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!init) return out;
  if (init instanceof Headers) {
    init.forEach((value, name) => {
      out[name] = value;
    });
  } else if (Array.isArray(init)) {
    for (const [name, value] of init)
      if (name !== undefined && value !== undefined) out[name.toLowerCase()] = value;
  } else {
    for (const [name, value] of Object.entries(init)) out[name.toLowerCase()] = value;
  }
  return out;
}
