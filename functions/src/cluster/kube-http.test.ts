/**
 * KubeHttp's connections to an HTTPS server on loopback with a certificate of its own (made with
 * the openssl CLI, as test/support/tls-site.ts makes its keys): a batch's requests share a few
 * kept-alive connections instead of a TLS handshake each. The real API server is covered by the
 * integration tests (every list and apply goes through here).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../../../test/support/scratch.ts';
import { KubeHttp } from './kube-http.ts';

const run = promisify(execFile);
let server: Server;
let handshakes = 0;
let kubeConfig: KubeConfig;

beforeAll(async () => {
  const dir = await scratchDir('fleetplane-kube-http-');
  const [key, cert] = [join(dir, 'server.key'), join(dir, 'server.crt')];
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  const certPem = await readFile(cert, 'utf8');
  server = createServer({ key: await readFile(key), cert: certPem }, (req, res) => {
    // Slow enough that the requests of one burst are all in flight together.
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url }));
    }, 20);
  });
  server.on('secureConnection', () => handshakes++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: `https://127.0.0.1:${port}`,
        caData: Buffer.from(certPem).toString('base64'),
        skipTLSVerify: false,
      },
    ],
    users: [{ name: 'u', token: 'a-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
});

afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('KubeHttp', () => {
  it('keeps its connections: a burst of 40 requests opens at most 16, and the next burst none', async () => {
    const http = new KubeHttp(kubeConfig);
    const burst = () =>
      Promise.all(Array.from({ length: 40 }, (_, i) => http.json<{ path: string }>('GET', `/api/v1/x${i}`)));
    handshakes = 0;
    expect((await burst()).map((answer) => answer.path)).toContain('/api/v1/x39');
    expect(handshakes).toBeGreaterThan(0);
    expect(handshakes).toBeLessThanOrEqual(16);
    const first = handshakes;
    await burst();
    expect(handshakes).toBe(first);
  });
});
