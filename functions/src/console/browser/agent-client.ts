/**
 * Calls to an agent itself (not the control plane): what it serves (GET <url>) and a prompt
 * to /generate or a custom endpoint, streamed as Server-Sent Events when asked.
 *
 * Locally agents answer on the console's own origin; on a cluster they answer on the agents'
 * host, which must allow this origin (CORS). The agent's own API key, when it has one, is
 * passed in by the caller and never stored.
 */
import { sseFrames } from './sse.ts';
import type { Problem } from './types.ts';

export interface AgentAbout {
  name: string;
  template: string;
  model: string;
  version: string;
  /** A custom endpoint lists its slots: the inputs it requires (JSON fields, or query for GET). */
  endpoints: { method: string; path: string; description: string; slots?: string[] }[];
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type AnswerEvent =
  | { kind: 'open'; status: number; streaming: boolean }
  | { kind: 'token'; text: string }
  | { kind: 'done'; text?: string; usage?: Usage | null; finishReason?: string | null }
  | { kind: 'error'; problem: Problem };

export class AgentUnreachable extends Error {
  override name = 'AgentUnreachable';
}

const headersFor = (key: string | undefined, json: boolean): Record<string, string> => ({
  accept: 'application/json, text/event-stream',
  ...(json ? { 'content-type': 'application/json' } : {}),
  ...(key ? { authorization: `Bearer ${key}` } : {}),
});

async function reach(url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, credentials: 'omit', cache: 'no-store' });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    const crossOrigin = url.origin !== window.location.origin;
    throw new AgentUnreachable(
      `the browser could not reach ${url.origin}${crossOrigin ? ': the agent must allow calls from this console’s origin (CORS), or the host is unreachable' : ''} (${(error as Error).message})`,
    );
  }
}

async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text();
  try {
    return JSON.parse(text) as Problem;
  } catch {
    return { status: response.status, title: response.statusText, detail: text.slice(0, 300) };
  }
}

export async function describe(agentUrl: string, key?: string): Promise<AgentAbout> {
  const response = await reach(new URL(agentUrl), { headers: headersFor(key, false) });
  if (!response.ok) {
    const problem = await problemOf(response);
    throw new Error(problem.detail ?? problem.title ?? `HTTP ${response.status}`);
  }
  return (await response.json()) as AgentAbout;
}

export interface AskOptions {
  /** Endpoint path below the agent's URL, e.g. "generate" or "summarize". */
  path: string;
  method: 'POST' | 'GET';
  /** JSON body (POST) or query parameters (GET). */
  input: Record<string, unknown>;
  key?: string;
  signal: AbortSignal;
}

/** Sends one request and yields what comes back, token by token when the agent streams. */
export async function* ask(agentUrl: string, options: AskOptions): AsyncGenerator<AnswerEvent> {
  const url = new URL(options.path, agentUrl);
  if (options.method === 'GET')
    for (const [name, value] of Object.entries(options.input)) url.searchParams.set(name, String(value));
  const response = await reach(url, {
    method: options.method,
    headers: headersFor(options.key, options.method === 'POST'),
    signal: options.signal,
    ...(options.method === 'POST' ? { body: JSON.stringify(options.input) } : {}),
  });
  const streaming = (response.headers.get('content-type') ?? '').includes('text/event-stream');
  yield { kind: 'open', status: response.status, streaming };
  if (!response.ok) {
    yield { kind: 'error', problem: await problemOf(response) };
    return;
  }
  if (!streaming || !response.body) {
    const body = (await response.json()) as { text?: string; usage?: Usage; finish_reason?: string | null };
    yield {
      kind: 'done',
      text: body.text ?? '',
      usage: body.usage ?? null,
      finishReason: body.finish_reason ?? null,
    };
    return;
  }
  for await (const frame of sseFrames(response.body)) {
    const data = JSON.parse(frame.data) as Record<string, unknown>;
    if (frame.event === 'token') yield { kind: 'token', text: String(data.text ?? '') };
    else if (frame.event === 'done')
      yield {
        kind: 'done',
        usage: (data.usage as Usage | null) ?? null,
        finishReason: (data.finish_reason as string | null) ?? null,
      };
    else if (frame.event === 'error') yield { kind: 'error', problem: data as Problem };
  }
}
