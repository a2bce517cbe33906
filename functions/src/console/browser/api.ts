/**
 * Every call the console makes to the control plane, in one place, so that it can switch to
 * the shared typed client later without touching a page. URLs are relative to the page
 * (/console/ locally, …/fleetplane/console/ on DigitalOcean): `../deployments` is the sibling
 * route or function on the same origin.
 *
 * The token is sent as a bearer header, never in a URL. A 401 asks the user (through
 * `unauthorized`) and the request is tried again with the new token.
 */
import type {
  AgentStatus,
  Deleted,
  DeployAnswer,
  DeploymentsPage,
  DeployResult,
  Health,
  Logs,
  Problem,
  Revisions,
  Template,
  Whoami,
} from './types.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(status: number, problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

export interface ApiOptions {
  /** Base URL of the API: the page's parent path. */
  base: URL;
  token(): string | undefined;
  /** Resolves once the user has given a (new) token; `sent` says whether one was refused. */
  unauthorized(problem: Problem, sent: boolean): Promise<void>;
}

const PAGE_SIZE = 100;

async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Problem;
    if (body && typeof body === 'object') return body;
  } catch {
    // Not JSON: a proxy's or the platform's own error page.
  }
  return {
    status: response.status,
    title: response.statusText,
    detail: text.slice(0, 300) || `HTTP ${response.status}`,
  };
}

export function createApi(options: ApiOptions) {
  async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    for (;;) {
      const token = options.token();
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(new URL(path, options.base), {
        method,
        headers,
        cache: 'no-store',
        credentials: 'omit',
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
      if (response.status === 401) {
        await options.unauthorized(await problemOf(response), Boolean(token));
        continue;
      }
      if (!response.ok) throw new ApiError(response.status, await problemOf(response));
      return (await response.json()) as T;
    }
  }
  const agent = (name: string) => `deployments/${encodeURIComponent(name)}`;

  return {
    /** Every agent, following `continue` across pages. */
    async list(signal?: AbortSignal): Promise<AgentStatus[]> {
      const all: AgentStatus[] = [];
      let next: string | undefined;
      do {
        const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
        if (next) query.set('continue', next);
        const page = await call<DeploymentsPage>('GET', `deployments?${query}`, undefined, signal);
        all.push(...page.deployments);
        next = page.continue;
      } while (next);
      return all;
    },
    get: (name: string, signal?: AbortSignal) => call<AgentStatus>('GET', agent(name), undefined, signal),
    /** The config text exactly as written: the API validates and reports what is wrong. */
    deploy: (configText: string) => call<DeployAnswer>('POST', 'deploy', configText),
    remove: (name: string) => call<Deleted>('DELETE', agent(name)),
    /** The stored config of the current generation, as the platform resolved it. */
    config: (name: string, signal?: AbortSignal) =>
      call<{ name: string; generation: number; updatedAt: string; spec: Record<string, unknown> }>(
        'GET',
        `${agent(name)}/config`,
        undefined,
        signal,
      ),
    revisions: (name: string, signal?: AbortSignal) =>
      call<Revisions>('GET', `${agent(name)}/revisions`, undefined, signal),
    rollback: (name: string, generation?: number) =>
      call<DeployResult>('POST', `${agent(name)}/rollback`, generation === undefined ? {} : { generation }),
    logs: (name: string, tail: number, build = false, signal?: AbortSignal) =>
      call<Logs>('GET', `${agent(name)}/logs?tail=${tail}${build ? '&build=true' : ''}`, undefined, signal),
    templates: async () => (await call<{ templates: Template[] }>('GET', 'templates')).templates,
    /** The scope of the token in use (or of the open local server). */
    whoami: () => call<Whoami>('GET', 'whoami'),
    /** Health answers 503 with the same body when a dependency is down; both are a report. */
    async health(): Promise<Health> {
      const response = await fetch(new URL('health', options.base), {
        cache: 'no-store',
        credentials: 'omit',
      });
      if (response.status !== 200 && response.status !== 503)
        throw new ApiError(response.status, await problemOf(response));
      return (await response.json()) as Health;
    },
  };
}

export type Api = ReturnType<typeof createApi>;
