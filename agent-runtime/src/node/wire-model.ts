/**
 * `ChatModel` speaking the OpenAI chat-completions wire format directly over node:http(s)
 * keep-alive connections: one POST, a JSON answer or an event stream. The Node entry's
 * default; the SDK adapter (llm/openai-model.ts) serves workerd and stays the reference,
 * and both pass the same contract test.
 *
 * WHY: measured with test/bench/runtime.ts, the SDK plus fetch cost several times the CPU
 * of the rest of a request; this path does only what the runtime needs. It never retries
 * (the runtime owns the budget), never logs, and never puts the key in an error.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ChatCompletion, ChatCompletionChunk, ChatModel } from '../llm/model-port.ts';
import { UpstreamError } from '../llm/model-port.ts';
import { providerMessage, upstreamErrorFromStatus } from '../llm/upstream-status.ts';
import { RUNTIME_VERSION } from '../version.ts';

export interface WireModelOptions {
  apiKey: string | undefined;
  /** Base URL ending with /v1 (OPENAI_BASE_URL); api.openai.com when undefined. */
  baseURL: string | undefined;
}

export function createWireModel(opts: WireModelOptions): ChatModel {
  const base = (opts.baseURL || 'https://api.openai.com/v1').replace(/\/+$/, '');
  const url = new URL(`${base}/chat/completions`);
  const secure = url.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 256 })
    : new HttpAgent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 256 });
  const auth = `Bearer ${opts.apiKey || 'unset'}`;
  const userAgent = `fleetplane-agent/${RUNTIME_VERSION}`;

  const post = (payload: string, signal: AbortSignal) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(
        url,
        {
          method: 'POST',
          agent,
          signal,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            authorization: auth,
            accept: 'application/json, text/event-stream',
            'user-agent': userAgent,
          },
        },
        resolve,
      );
      req.on('error', (err) => reject(signal.aborted ? signal.reason : connectionError(err)));
      req.end(payload);
    });

  return {
    async complete(params, signal) {
      const res = await post(JSON.stringify({ ...params, stream: false }), signal);
      const body = await readBody(res, signal);
      if (!ok(res)) throw statusError(res, body);
      try {
        return JSON.parse(body) as ChatCompletion;
      } catch (err) {
        throw new UpstreamError('server', 'model provider sent malformed JSON', { cause: err });
      }
    },
    async stream(params, signal) {
      const res = await post(JSON.stringify({ ...params, stream: true }), signal);
      if (!ok(res)) throw statusError(res, await readBody(res, signal));
      return events(res, signal);
    },
  };
}

const ok = (res: IncomingMessage) => (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;

function statusError(res: IncomingMessage, body: string): UpstreamError {
  return upstreamErrorFromStatus(res.statusCode ?? 502, providerMessage(body), (name) => {
    const value = res.headers[name];
    return Array.isArray(value) ? value[0] : value;
  });
}

function connectionError(err: Error): UpstreamError {
  return new UpstreamError('connection', `model provider unreachable: ${err.message}`, { cause: err });
}

async function readBody(res: IncomingMessage, signal: AbortSignal): Promise<string> {
  res.setEncoding('utf8');
  let body = '';
  try {
    for await (const part of res) body += part;
  } catch (err) {
    throw signal.aborted ? signal.reason : connectionError(err as Error);
  }
  return body;
}

/** Parses `data:` lines of an event stream into chunks until `[DONE]` or the end. */
async function* events(res: IncomingMessage, signal: AbortSignal): AsyncIterable<ChatCompletionChunk> {
  res.setEncoding('utf8');
  let buffer = '';
  let finished = false;
  try {
    // destroyOnReturn: false, or leaving the loop at [DONE] would destroy the socket.
    for await (const part of res.iterator({ destroyOnReturn: false })) {
      buffer += (part as string).includes('\r') ? (part as string).replace(/\r\n?/g, '\n') : part;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const data = dataOf(block);
        if (data === undefined) continue;
        if (data === '[DONE]') {
          finished = true;
          return;
        }
        yield parseChunk(data);
      }
    }
    finished = true;
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw err instanceof UpstreamError ? err : connectionError(err as Error);
  } finally {
    // WARNING: after [DONE] the message may not be fully read yet; drain it so the
    // keep-alive connection is reused (destroying it cost a new TCP connect per stream).
    // A consumer that stopped early (client gone) must end the upstream request instead.
    if (finished) res.resume();
    else if (!res.complete) res.destroy();
  }
}

function dataOf(block: string): string | undefined {
  let data: string | undefined;
  for (const line of block.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const value = line.slice(line[5] === ' ' ? 6 : 5);
    data = data === undefined ? value : `${data}\n${value}`;
  }
  return data;
}

function parseChunk(data: string): ChatCompletionChunk {
  let parsed: ChatCompletionChunk & { error?: { message?: string } };
  try {
    parsed = JSON.parse(data);
  } catch (err) {
    throw new UpstreamError('server', 'model provider sent a malformed stream event', { cause: err });
  }
  if (parsed.error) {
    throw new UpstreamError(
      'server',
      `model provider failed mid-stream: ${parsed.error.message ?? 'no details'}`,
    );
  }
  return parsed;
}
