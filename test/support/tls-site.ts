/**
 * An HTTPS host on loopback with a certificate from a CA of its own, standing in for the
 * agents' host behind the load balancer with a Let's Encrypt certificate (no public CA, DNS or
 * load balancer can take part here). Keys come from the openssl CLI, fresh each time, as
 * test/env/pki.ts makes the environment's; the server is node:tls.
 *
 *   const site = await startTlsSite({ names: ['localhost'], days: 30 });
 *   ... connect to 127.0.0.1:site.port with SNI localhost, trusting site.caPem ...
 *   await site.stop();
 *
 * Must never listen beyond 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import { promisify } from 'node:util';
import { scratchDir } from './scratch.ts';

const run = promisify(execFile);
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

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
  const dir = await scratchDir('fleetplane-tls-site-');
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  await run('openssl', [
    'req',
    '-x509',
    ...EC,
    '-days',
    '30',
    '-subj',
    '/O=fleetplane test CA/CN=fleetplane-test-ca',
    '-keyout',
    caKey,
    '-out',
    caCert,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  const key = join(dir, 'site.key');
  const cert = join(dir, 'site.crt');
  await run('openssl', [
    'req',
    '-x509',
    ...EC,
    '-CA',
    caCert,
    '-CAkey',
    caKey,
    '-days',
    String(options.days ?? 30),
    '-subj',
    `/CN=${options.names[0]}`,
    '-keyout',
    key,
    '-out',
    cert,
    '-addext',
    `subjectAltName=${options.names.map((name) => `DNS:${name}`).join(',')}`,
    '-addext',
    'extendedKeyUsage=serverAuth',
  ]);
  const server = createServer({ key: await readFile(key), cert: await readFile(cert) }, (socket) =>
    socket.end(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    caPem: await readFile(caCert, 'utf8'),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
