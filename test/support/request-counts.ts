/**
 * How many requests the servers of the test environment have served, read from their own
 * Prometheus metrics, so a test or benchmark can count what a piece of code cost:
 *
 *   const before = await apiServerRequestCounts(env.kubeconfigPath);
 *   ... the code under test ...
 *   const after = await apiServerRequestCounts(env.kubeconfigPath);
 *   requestsBetween(before, after)   // { 'LIST deployments': 1, 'PATCH configmaps': 2, ... }
 *
 * `apiServerCounts` also reads how many objects the server's LISTs answered, per resource: what a
 * list call actually listed, beside how many calls it made.
 *
 * Counters cover every client of the server (controllers, kwok, other tests), so count what only
 * the code under test does, or filter: e.g. `scope: 'namespace'` leaves out the controllers'
 * cluster-wide informers. Reading the API server's metrics is itself a request (GET, no resource).
 * Must never change anything on the servers it reads.
 */
import { request } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { SignJWT } from 'jose';
import type { S3Endpoint } from '../env/types.ts';
import { parsePrometheusText, type Sample } from './prometheus-text.ts';

export interface RequestCounts {
  /** Requests per key: `<VERB> <resource>[/<subresource>]` for the API server, the S3 API name for MinIO. */
  byKey: Record<string, number>;
  /** The samples read, with all their labels. */
  samples: Sample[];
  /** Requests whose samples carry every label given (all requests when none is). */
  count(labels?: Record<string, string>): number;
}

function counts(samples: Sample[], keyOf: (labels: Record<string, string>) => string): RequestCounts {
  const byKey: Record<string, number> = {};
  for (const sample of samples) {
    const key = keyOf(sample.labels);
    byKey[key] = (byKey[key] ?? 0) + sample.value;
  }
  return {
    byKey,
    samples,
    count: (labels = {}) =>
      samples
        .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        .reduce((sum, s) => sum + s.value, 0),
  };
}

/** The non-zero differences per key, `after` minus `before`. */
export function requestsBetween(before: RequestCounts, after: RequestCounts): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, value] of Object.entries(after.byKey)) {
    const d = value - (before.byKey[key] ?? 0);
    if (d !== 0) delta[key] = d;
  }
  return delta;
}

async function getText(url: URL, options: Parameters<typeof request>[1]): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...options, method: 'GET', timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`GET ${url} answered ${res.statusCode}: ${body.slice(0, 300)}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The samples of the named metrics from the /metrics of the API server in the kubeconfig. */
async function apiServerSamples(kubeconfigPath: string, names: ReadonlySet<string>): Promise<Sample[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error(`no current cluster in ${kubeconfigPath}`);
  const options: Parameters<typeof request>[1] = {};
  await kc.applyToHTTPSOptions(options);
  const text = await getText(new URL('/metrics', server), options);
  return parsePrometheusText(text, (name) => names.has(name));
}

const REQUESTS = 'apiserver_request_total';
/** Objects a LIST answered, served from the watch cache or from etcd (a LIST is one or the other). */
const LISTED = [
  'apiserver_cache_list_returned_objects_total',
  'apiserver_storage_list_returned_objects_total',
];

/**
 * `apiserver_request_total` of the API server in the kubeconfig (which must be allowed to GET
 * /metrics: the environment's admin is). Labels: verb (LIST, GET, WATCH, CREATE, PATCH, APPLY is
 * PATCH with the apply content type, ...), group, version, resource, subresource, scope
 * (cluster, namespace, resource), code, component, dry_run.
 */
export async function apiServerRequestCounts(kubeconfigPath: string): Promise<RequestCounts> {
  return (await apiServerCounts(kubeconfigPath)).requests;
}

/**
 * Requests (as `apiServerRequestCounts`) and the objects LISTs answered, per resource (`listed`:
 * keys like `deployments`, `pods`), from one read of the API server's metrics. The object counts
 * carry no namespace or client label: they cover every LIST the server answered, the
 * controllers' relists included.
 */
export async function apiServerCounts(
  kubeconfigPath: string,
): Promise<{ requests: RequestCounts; listed: RequestCounts }> {
  const samples = await apiServerSamples(kubeconfigPath, new Set([REQUESTS, ...LISTED]));
  return {
    requests: counts(
      samples.filter((sample) => sample.name === REQUESTS),
      (l) => `${l.verb} ${l.resource}${l.subresource ? `/${l.subresource}` : ''}`,
    ),
    listed: counts(
      samples.filter((sample) => sample.name !== REQUESTS),
      (l) => l.resource ?? '',
    ),
  };
}

/**
 * MinIO's S3 request counters by API name (PutObject, GetObject, ListObjectsV2, HeadObject, ...)
 * from its v3 metrics, read with a bearer token made from the S3 keys (as `mc admin prometheus
 * generate` makes it). `bucket` counts only requests to that bucket. Not for S3 endpoints other
 * than MinIO.
 */
export async function minioRequestCounts(
  s3: S3Endpoint,
  options: { bucket?: string } = {},
): Promise<RequestCounts> {
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS512' })
    .setIssuer('prometheus')
    .setSubject(s3.accessKeyId)
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(s3.secretAccessKey));
  const path = options.bucket
    ? `/minio/metrics/v3/bucket/api/${encodeURIComponent(options.bucket)}`
    : '/minio/metrics/v3/api/requests';
  const metric = options.bucket ? 'minio_bucket_api_total' : 'minio_api_requests_total';
  const url = new URL(path, s3.endpoint);
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  const samples = parsePrometheusText(text, (name) => name === metric);
  return counts(samples, (l) => l.name ?? '');
}
