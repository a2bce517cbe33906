/**
 * The network behind doctor's DNS and TLS checks: node:dns for addresses (the system's
 * resolver, as a browser would use), node:tls for the certificate a host presents with SNI,
 * verified against the system's roots (or the ones given) and the host name.
 */
import { lookup } from 'node:dns/promises';
import { connect } from 'node:tls';
import type { NetProbes, PeerCertificate } from './dns-checks.ts';

export interface NetProbeOptions {
  /** Roots to trust instead of the system's (a test's own CA). */
  ca?: string;
  timeoutMs?: number;
}

export function netProbes(options: NetProbeOptions = {}): NetProbes {
  const timeout = options.timeoutMs ?? 10_000;
  return {
    async resolve(host) {
      const found = await lookup(host, { all: true });
      return [...new Set(found.map((entry) => entry.address))];
    },
    certificate(host, port) {
      return new Promise<PeerCertificate>((resolve, reject) => {
        const socket = connect({
          host,
          port,
          servername: host,
          rejectUnauthorized: false,
          ...(options.ca ? { ca: options.ca } : {}),
        });
        socket.setTimeout(timeout, () =>
          socket.destroy(new Error(`no TLS answer within ${timeout / 1000} s`)),
        );
        socket.once('error', reject);
        socket.once('secureConnect', () => {
          const peer = socket.getPeerCertificate();
          // rejectUnauthorized is off so that an untrusted certificate can be described; authorized says the rest.
          const issuer = peer.issuer?.O ?? peer.issuer?.CN ?? 'an unknown issuer';
          const error = socket.authorizationError ? String(socket.authorizationError) : undefined;
          socket.end();
          resolve({
            authorized: socket.authorized,
            ...(error ? { error } : {}),
            validTo: new Date(peer.valid_to),
            issuer: Array.isArray(issuer) ? issuer.join(', ') : issuer,
          });
        });
      });
    },
  };
}
