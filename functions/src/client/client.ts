/**
 * `createClient({url, token})`: typed methods for every route of the fleetplane API, on ky.
 * The CLI, the example programs and the web console all call the API through this.
 *
 * Browser-safe: imports ky and nothing from Node. Retries only idempotent calls (GET, DELETE)
 * on network errors and 408/429/5xx, honouring Retry-After; it never retries a POST, since a
 * repeated deploy or rollback could make a generation the caller did not ask for.
 */
import ky, { type KyInstance, type Options } from 'ky';
import { apiErrorOf, translate } from './errors.ts';
import type {
  AgentConfig,
  AgentConfigView,
  DeleteResult,
  DeployBatch,
  DeployBatchResponse,
  Deployment,
  DeploymentPage,
  DeployResult,
  GcReport,
  Health,
  Logs,
  Revisions,
  Template,
  Whoami,
} from './types.ts';

export interface ClientOptions {
  /** Where the API answers, e.g. http://127.0.0.1:8080 (a path prefix is kept). */
  url: string;
  /** Bearer token; omit for a local server that runs open. */
  token?: string;
  /** A fetch to use instead of the global one (tests, proxies, in-process apps). */
  fetch?: typeof fetch;
  /** Per attempt; default 30 s. */
  timeoutMs?: number;
  /** Retries of idempotent calls; default 2. */
  retries?: number;
  /** Extra headers on every request (e.g. a user agent). */
  headers?: Record<string, string>;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides `retries` for this call (idempotent calls only; POST is never retried). */
  retries?: number;
}

export interface ListOptions extends CallOptions {
  /** Page size to ask for; the server picks one when omitted. */
  limit?: number;
}

export interface LogsOptions extends CallOptions {
  /** Lines per pod; the server's default is 100. */
  tail?: number;
  /** The image build's log instead of the agent's pods. */
  build?: boolean;
}

export interface GcOptions extends CallOptions {
  /** False deletes what nothing references; anything else only lists it (the default). */
  dryRun?: boolean;
}

export interface FleetplaneClient {
  readonly url: string;
  /** POST /deploy with one config: the agent's result, or an ApiError (422 carries field errors). */
  deploy(config: AgentConfig, options?: CallOptions): Promise<DeployResult>;
  /** POST /deploy with `{agents}`: a result per agent; one agent's failure is in its result. */
  deploy(batch: DeployBatch, options?: CallOptions): Promise<DeployBatchResponse>;
  deploy(body: AgentConfig | DeployBatch, options?: CallOptions): Promise<DeployResult | DeployBatchResponse>;
  /** Every agent, following `continue` tokens page by page. */
  list(options?: ListOptions): Promise<Deployment[]>;
  /** One page of GET /deployments. */
  listPage(options?: ListOptions & { continue?: string }): Promise<DeploymentPage>;
  get(name: string, options?: CallOptions): Promise<Deployment>;
  /** `pending` is true (HTTP 202) while the cluster side is still being removed. */
  delete(name: string, options?: CallOptions): Promise<DeleteResult>;
  revisions(name: string, options?: CallOptions): Promise<Revisions>;
  /** The stored config of its current generation, every default resolved. */
  config(name: string, options?: CallOptions): Promise<AgentConfigView>;
  /** A rollback is a new generation with an older spec; without `generation`, the previous one. */
  rollback(name: string, generation?: number, options?: CallOptions): Promise<DeployResult>;
  logs(name: string, options?: LogsOptions): Promise<Logs>;
  templates(options?: CallOptions): Promise<Template[]>;
  /** Build contexts and images nothing references: GET /gc lists them, `dryRun: false` deletes them. */
  gc(options?: GcOptions): Promise<GcReport>;
  /** The health report, also when degraded (HTTP 503): check `status`. */
  health(options?: CallOptions): Promise<Health>;
  /** The scope of this client's token: its role and the agent names it reaches. */
  whoami(options?: CallOptions): Promise<Whoami>;
}

const RETRY_STATUS = [408, 429, 500, 502, 503, 504];

/** A batch answer carries `results`, whatever its HTTP status (207, or 4xx/5xx when all failed alike). */
const isBatchAnswer = (data: unknown): data is DeployBatchResponse =>
  typeof data === 'object' && data !== null && Array.isArray((data as DeployBatchResponse).results);

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function createClient(options: ClientOptions): FleetplaneClient {
  const url = options.url.replace(/\/+$/, '');
  const api: KyInstance = ky.create({
    prefix: url,
    headers: {
      accept: 'application/json, application/problem+json',
      ...options.headers,
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    timeout: options.timeoutMs ?? 30_000,
    retry: {
      limit: options.retries ?? 2,
      methods: ['get', 'delete'],
      statusCodes: RETRY_STATUS,
      afterStatusCodes: [429, 503],
      // A server asking for minutes is better answered by the caller than by a silent wait.
      maxRetryAfter: 30_000,
      backoffLimit: 5_000,
    },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  const path = (...segments: string[]) => segments.map(encodeURIComponent).join('/');

  async function send(method: 'get' | 'post' | 'delete', target: string, init: Options = {}) {
    const call = `${method.toUpperCase()} /${target}`;
    try {
      return await api(target, { method, ...init });
    } catch (error) {
      throw translate(error, call, url);
    }
  }

  async function json<T>(method: 'get' | 'post' | 'delete', target: string, init: Options = {}) {
    const call = `${method.toUpperCase()} /${target}`;
    const response = await send(method, target, init);
    try {
      return { data: (await response.json()) as T, response };
    } catch (error) {
      throw translate(error, call, url);
    }
  }

  const perCall = (call: CallOptions | undefined): Options => ({
    ...(call?.signal ? { signal: call.signal } : {}),
    ...(call?.retries !== undefined ? { retry: { limit: call.retries } } : {}),
  });

  async function deploy(body: AgentConfig | DeployBatch, call?: CallOptions) {
    // Never retried, and errors are read here: a batch that failed as a whole still answers per agent.
    const response = await send('post', 'deploy', {
      json: body,
      retry: 0,
      throwHttpErrors: false,
      ...(call?.signal ? { signal: call.signal } : {}),
    });
    const data = await readBody(response);
    if (isBatchAnswer(data)) return data;
    if (!response.ok) throw apiErrorOf('POST /deploy', response, data);
    return data as DeployResult;
  }

  const client: FleetplaneClient = {
    url,
    deploy: deploy as FleetplaneClient['deploy'],

    async listPage(call) {
      const searchParams: Record<string, string> = {};
      if (call?.limit !== undefined) searchParams.limit = String(call.limit);
      if (call?.continue) searchParams.continue = call.continue;
      const { data } = await json<DeploymentPage>('get', 'deployments', { searchParams, ...perCall(call) });
      return data;
    },

    async list(call) {
      const all: Deployment[] = [];
      let token: string | undefined;
      do {
        const page = await client.listPage({ ...call, ...(token ? { continue: token } : {}) });
        all.push(...page.deployments);
        token = page.continue || undefined;
      } while (token);
      return all;
    },

    async get(name, call) {
      return (await json<Deployment>('get', path('deployments', name), perCall(call))).data;
    },

    async delete(name, call) {
      const { data, response } = await json<DeleteResult>('delete', path('deployments', name), perCall(call));
      return { ...data, pending: data.pending ?? response.status === 202 };
    },

    async revisions(name, call) {
      return (await json<Revisions>('get', path('deployments', name, 'revisions'), perCall(call))).data;
    },

    async config(name, call) {
      return (await json<AgentConfigView>('get', path('deployments', name, 'config'), perCall(call))).data;
    },

    async rollback(name, generation, call) {
      const target = path('deployments', name, 'rollback');
      return (
        await json<DeployResult>('post', target, {
          json: generation === undefined ? {} : { generation },
          retry: 0,
          ...(call?.signal ? { signal: call.signal } : {}),
        })
      ).data;
    },

    async logs(name, call) {
      const searchParams: Record<string, string> = {};
      if (call?.tail !== undefined) searchParams.tail = String(call.tail);
      if (call?.build) searchParams.build = 'true';
      return (await json<Logs>('get', path('deployments', name, 'logs'), { searchParams, ...perCall(call) }))
        .data;
    },

    async templates(call) {
      return (await json<{ templates: Template[] }>('get', 'templates', perCall(call))).data.templates;
    },

    async gc(call) {
      if (call?.dryRun !== false) return (await json<GcReport>('get', 'gc', perCall(call))).data;
      // Deleting is never retried: a repeat would only find less, but it is not ours to repeat.
      return (
        await json<GcReport>('post', 'gc', {
          json: { dryRun: false },
          retry: 0,
          ...(call?.signal ? { signal: call.signal } : {}),
        })
      ).data;
    },

    async whoami(call) {
      return (await json<Whoami>('get', 'whoami', perCall(call))).data;
    },

    async health(call) {
      // A degraded control plane answers 503 with the report: that is an answer, not a failure to retry.
      const response = await send('get', 'health', {
        throwHttpErrors: false,
        retry: 0,
        ...(call?.signal ? { signal: call.signal } : {}),
      });
      const data = await readBody(response);
      if ((response.ok || response.status === 503) && typeof data === 'object' && data && 'checks' in data)
        return data as Health;
      throw apiErrorOf('GET /health', response, data);
    },
  };
  return client;
}
