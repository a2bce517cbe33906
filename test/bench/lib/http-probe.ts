/**
 * Sequential requests over one keep-alive connection (node:http), timed one by one: the way to
 * see sub-millisecond differences that a load generator's millisecond resolution hides. The
 * first 50 requests warm up and are not counted. A status other than 200, or an answer that
 * `check` refuses, fails the probe: a fast error must never pass for a fast answer.
 */
import { Agent, request } from 'node:http';

export interface ProbeOptions {
  /** Time to the first body byte instead of to the end of the answer. */
  ttfb?: boolean;
  headers?: Record<string, string>;
  /** Throws when an answer's body is not what the target should answer. */
  check?: (body: string) => void;
}

export async function probe(
  url: string,
  body: string,
  n: number,
  opts: ProbeOptions = {},
): Promise<{ p50: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...opts.headers,
  };
  const times: number[] = [];
  try {
    for (let i = 0; i < n + 50; i++) {
      const elapsed = await new Promise<number>((resolve, reject) => {
        const started = performance.now();
        const req = request(url, { method: 'POST', agent, headers }, (res) => {
          let first = 0;
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => {
            if (first === 0) first = performance.now() - started;
            if (opts.check) chunks.push(chunk);
          });
          res.on('end', () => {
            const done = performance.now() - started;
            if (res.statusCode !== 200) return reject(new Error(`${url} answered ${res.statusCode}`));
            try {
              opts.check?.(Buffer.concat(chunks).toString('utf8'));
            } catch (error) {
              return reject(error);
            }
            resolve(opts.ttfb ? first : done);
          });
        });
        req.on('error', reject);
        req.end(body);
      });
      if (i >= 50) times.push(elapsed);
    }
  } finally {
    agent.destroy();
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
}
