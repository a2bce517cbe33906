/**
 * Plain JSON requests to the Kubernetes API, with the kubeconfig's credentials. Lists and
 * server-side applies go through here instead of client-node's typed models, for two reasons:
 * the models rename wire fields (a NetworkPolicy rule's `from` is `_from` there), so what we
 * render and what we read back would never compare equal; and a list of a thousand objects
 * costs no model traversal. Failures carry `{code, body}` like client-node's ApiException, so
 * kube-errors.ts maps both the same way.
 */
import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface KubeHttpFailure extends Error {
  code: number;
  body: unknown;
}

const TIMEOUT_MS = 30_000;
/**
 * Connections to the API server at most, kept open between requests (an idle one closes after
 * TIMEOUT_MS, well within the API server's own idle timeout): a batch's applies queue for them
 * instead of each opening its own.
 */
const MAX_SOCKETS = 16;

/** The API path of a namespaced collection: /api/v1/... for the core group, /apis/<group>/<version>/... else. */
export function collectionPath(apiVersion: string, plural: string, namespace: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}

export class KubeHttp {
  private readonly kubeConfig: KubeConfig;
  private readonly server: URL;
  private keepAlive: { from: HttpsAgent; agent: HttpsAgent } | undefined;

  constructor(kubeConfig: KubeConfig) {
    this.kubeConfig = kubeConfig;
    this.server = new URL(kubeConfig.getCurrentCluster()?.server ?? 'https://kubernetes.default.svc');
  }

  /** One request; resolves with the parsed JSON body of a 2xx answer, rejects with `{code, body}` else. */
  async json<T>(
    method: string,
    path: string,
    options: {
      query?: Record<string, string | undefined>;
      body?: unknown;
      contentType?: string;
      /** Another representation, e.g. a Table (`application/json;as=Table;g=meta.k8s.io;v=v1`). */
      accept?: string;
    } = {},
  ): Promise<T> {
    const url = new URL(`${this.server.pathname.replace(/\/$/, '')}${path}`, this.server);
    for (const [key, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(key, value);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const requestOptions: RequestOptions = {
      method,
      headers: {
        accept: options.accept ?? 'application/json',
        ...(body === undefined ? {} : { 'content-type': options.contentType ?? 'application/json' }),
      },
      timeout: TIMEOUT_MS,
    };
    await this.kubeConfig.applyToHTTPSOptions(requestOptions);
    // WARNING: client-node's agent does not keep connections alive, so every request paid a new
    // TLS handshake on both sides (a batch of 100 pooled agents: over 100). Ours keeps them, with
    // the same TLS options; a proxy's agent (a subclass) is left as it is.
    if (requestOptions.agent?.constructor === HttpsAgent)
      requestOptions.agent = this.keptAlive(requestOptions.agent as HttpsAgent);
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, requestOptions, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON (a proxy's error page): keep the text for the error message.
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(parsed as T);
          const failure = new Error(`HTTP ${status} from ${method} ${url.pathname}`) as KubeHttpFailure;
          failure.code = status;
          failure.body = parsed;
          reject(failure);
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** An agent like client-node's (same TLS options) that keeps its connections, made once. */
  private keptAlive(from: HttpsAgent): HttpsAgent {
    if (this.keepAlive?.from !== from)
      this.keepAlive = {
        from,
        agent: new HttpsAgent({
          ...from.options,
          keepAlive: true,
          scheduling: 'lifo',
          maxSockets: MAX_SOCKETS,
          timeout: TIMEOUT_MS,
        }),
      };
    return this.keepAlive.agent;
  }
}
