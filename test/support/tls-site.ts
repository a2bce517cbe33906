/**
 * An HTTPS host on loopback with a certificate from a CA of its own, standing in for the
 * agents' host behind the load balancer with a Let's Encrypt certificate (no public CA, DNS or
 * load balancer can take part here). Keys come from the openssl CLI, fresh each time, by
 * test/env/pki.ts, which makes the environment's; the server is node:tls.
 *
 *   const site = await startTlsSite({ names: ['localhost'], days: 30 });
 *   ... connect to 127.0.0.1:site.port with SNI localhost, trusting site.caPem ...
 *   await site.stop();
 *
 * Must never listen beyond 127.0.0.1.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:tls';
import { createCa, issue } from '../env/pki.ts';
import { scratchDir } from './scratch.ts';

export interface TlsSite {
  port: number;
  /** The CA that signed the site's certificate, to trust instead of the system's roots. */
  caPem: string;
  stop(): Promise<void>;
}

export interface TlsSiteOptions {
  /** DNS names the certificate is valid for. */
  names: string[];
  /** Days until the certificate expires (default 30). */
  days?: number;
}

export async function startTlsSite(options: TlsSiteOptions): Promise<TlsSite> {
  const ca = await createCa(
    await scratchDir('fleetplane-tls-site-'),
    '/O=fleetplane test CA/CN=fleetplane-test-ca',
  );
  const { cert, key } = await issue(
    ca,
    'site',
    `/CN=${options.names[0]}`,
    [`subjectAltName=${options.names.map((name) => `DNS:${name}`).join(',')}`, 'extendedKeyUsage=serverAuth'],
    options.days ?? 30,
  );
  const server = createServer({ key: await readFile(key), cert: await readFile(cert) }, (socket) =>
    socket.end(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    caPem: await readFile(ca.caCert, 'utf8'),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
