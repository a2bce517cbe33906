/**
 * Calls to an agent itself (not the control plane): what it serves (GET <url>) and a prompt
 * to /generate or a custom endpoint, streamed as Server-Sent Events when asked.
 *
 * Locally agents answer on the console's own origin; on a cluster they answer on the agents'
 * host, which must allow this origin (CORS). The agent's own API key, when it has one, is
 * passed in by the caller and never stored.
 *
 * WARNING: the control plane's token goes only to agents the control plane's own server
 * serves (the local server, whose agents' paths need it); never to agents on a cluster.
 */
import { sseFrames } from './sse.ts';
import { tokenStore } from './token.ts';
import type { Problem } from './types.ts';

/**
 * What to send an agent: its own key when the user gave one; else, for an agent served under
 * the API's own base (the local server's `/<agent>/`), the console's token, which that server
 * asks for and strips before the agent sees it; else nothing.
 */
export function credentialFor(agentUrl: string, ownKey?: string): string | undefined {
  if (ownKey) return ownKey;
  return servedHere(agentUrl) ? tokenStore.get() : undefined;
}

/** Is the agent served under the API's own base (the local server's `/<agent>/`)? */
export function servedHere(agentUrl: string): boolean {
  const base = new URL('../', window.location.href);
  const agent = new URL(agentUrl);
  return agent.origin === base.origin && agent.pathname.startsWith(base.pathname);
}

export interface AgentAbout {
  name: string;
  template: string;
  model: string;
  version: string;
  /** A custom endpoint lists its slots: the inputs it requires (JSON fields, or query for GET). */
  endpoints: { method: string; path: string; description: string; slots?: string[] }[];
  /** An agent with tools: each one, and the functions it offers the model now. */
  tools?: { name: string; type: string; offered: string[] }[];
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** One call an agent with tools made: started (no outcome yet), or ended. */
export interface ToolCall {
  id: string;
  name: string;
  step: number;
  outcome?: 'ok' | 'error' | 'timeout';
  duration_ms?: number;
  bytes?: number;
  truncated?: boolean;
}

export type AnswerEvent =
  | { kind: 'open'; status: number; streaming: boolean }
  | { kind: 'token'; text: string }
  | { kind: 'tool'; call: ToolCall }
  | {
      kind: 'done';
      text?: string;
      usage?: Usage | null;
      finishReason?: string | null;
      /** Why a run with tools ended: answer, max_steps, deadline. */
      stopReason?: string | null;
      /** Whole answers list their tool calls here; streams sent them as `tool` events. */
      toolCalls?: ToolCall[];
    }
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
  key?: string | undefined;
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
    const body = (await response.json()) as {
      text?: string;
      usage?: Usage;
      finish_reason?: string | null;
      stop_reason?: string;
      tool_calls?: ToolCall[];
    };
    yield {
      kind: 'done',
      text: body.text ?? '',
      usage: body.usage ?? null,
      finishReason: body.finish_reason ?? null,
      stopReason: body.stop_reason ?? null,
      toolCalls: body.tool_calls ?? [],
    };
    return;
  }
  for await (const frame of sseFrames(response.body)) {
    const data = JSON.parse(frame.data) as Record<string, unknown>;
    if (frame.event === 'token') yield { kind: 'token', text: String(data.text ?? '') };
    else if (frame.event === 'tool_start' || frame.event === 'tool_end')
      yield { kind: 'tool', call: data as unknown as ToolCall };
    else if (frame.event === 'done')
      yield {
        kind: 'done',
        usage: (data.usage as Usage | null) ?? null,
        finishReason: (data.finish_reason as string | null) ?? null,
        stopReason: (data.stop_reason as string | undefined) ?? null,
      };
    else if (frame.event === 'error') yield { kind: 'error', problem: data as Problem };
  }
}
