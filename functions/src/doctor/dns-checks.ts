/**
 * Doctor's DNS and TLS section: the agents' host resolves to the load balancer's address (the
 * Gateway's, or the ingress controller's), and what answers there on HTTPS presents a
 * certificate that is valid for that host, and not about to expire.
 *
 * Network access goes through NetProbes (net-probes.ts over node:dns and node:tls).
 */
import { type CheckResult, checksOf, messageOf } from './check.ts';
import type { DoctorSettings } from './settings-checks.ts';

export interface PeerCertificate {
  /** Trusted by the roots given and valid for the host name asked for. */
  authorized: boolean;
  /** Why not, as TLS said it (CERT_HAS_EXPIRED, Hostname/IP does not match ...). */
  error?: string;
  validTo: Date;
  issuer: string;
}

export interface NetProbes {
  /** IPv4 and IPv6 addresses of a host name (an IP resolves to itself). */
  resolve(host: string): Promise<string[]>;
  certificate(host: string, port: number): Promise<PeerCertificate>;
}

export interface DnsCheckInput {
  settings: DoctorSettings;
  net: NetProbes;
  /** The load balancer's addresses (IPs or host names); undefined when they cannot be read here. */
  entryAddresses?: () => Promise<string[]>;
  now?: () => Date;
}

const { ok, warn, fail } = checksOf('dns');
const RENEW_DAYS = 14;
const IP = /^(\d{1,3}\.){3}\d{1,3}$|:/;

/** The host and HTTPS port agents answer on: FLEETPLANE_PUBLIC_URL's, else https://FLEETPLANE_DOMAIN. */
function endpointOf(settings: DoctorSettings) {
  const url = new URL(settings.platform.publicUrl ?? `https://${settings.platform.domain}`);
  return { host: url.hostname, port: Number(url.port || 443), https: url.protocol === 'https:' };
}

async function resolution(input: DnsCheckInput, host: string): Promise<CheckResult> {
  let addresses: string[];
  try {
    addresses = await input.net.resolve(host);
  } catch (error) {
    return fail(
      'resolves',
      `${host} does not resolve (${messageOf(error)})`,
      `create its record once the load balancer has an address: doctl compute domain records create <your domain> --record-type A --record-name <host label> --record-data <that address> (and point the registrar at ns1/ns2/ns3.digitalocean.com)`,
    );
  }
  let entries: string[] | undefined;
  try {
    const named = await input.entryAddresses?.();
    entries =
      named && (await Promise.all(named.map((a) => (IP.test(a) ? [a] : input.net.resolve(a))))).flat();
  } catch {
    entries = undefined;
  }
  if (!entries?.length)
    return warn(
      'resolves',
      `${host} resolves to ${addresses.join(', ')}; the load balancer's address could not be read to compare`,
      'run doctor with an admin kubeconfig once the Gateway or ingress has an address',
    );
  const shared = addresses.filter((address) => entries.includes(address));
  return shared.length
    ? ok('resolves', `${host} resolves to ${shared.join(', ')}, the load balancer's address`)
    : fail(
        'resolves',
        `${host} resolves to ${addresses.join(', ')}, but the load balancer is at ${entries.join(', ')}`,
        `point the record at the load balancer: doctl compute domain records list <your domain>, then update its A record to ${entries[0]}`,
      );
}

async function certificate(input: DnsCheckInput, host: string, port: number): Promise<CheckResult> {
  let peer: PeerCertificate;
  try {
    peer = await input.net.certificate(host, port);
  } catch (error) {
    return fail(
      'tls',
      `nothing answered TLS at ${host}:${port} (${messageOf(error)})`,
      'check the Gateway or ingress and its HTTPS listener',
    );
  }
  if (!peer.authorized)
    return fail(
      'tls',
      `the certificate at ${host}:${port} (from ${peer.issuer}) is not valid for ${host}: ${peer.error ?? 'untrusted'}`,
      'kubectl get certificates -A, and kubectl describe the one for this host (cert-manager says why it is not issued)',
    );
  const days = Math.floor((peer.validTo.getTime() - (input.now?.() ?? new Date()).getTime()) / 86_400_000);
  return days < RENEW_DAYS
    ? warn(
        'tls',
        `the certificate for ${host} expires in ${days} day(s) (${peer.validTo.toISOString()})`,
        'cert-manager renews 30 days ahead by default: kubectl describe the Certificate to see why it did not',
      )
    : ok(
        'tls',
        `the certificate at ${host}:${port} is valid for ${host} until ${peer.validTo.toISOString().slice(0, 10)} (${peer.issuer})`,
      );
}

export async function dnsChecks(input: DnsCheckInput): Promise<CheckResult[]> {
  if (input.settings.platform.routing === 'none')
    return [
      warn(
        'resolves',
        'FLEETPLANE_ROUTING=none: the platform exposes no agent, so DNS and TLS were not checked',
      ),
    ];
  const { host, port, https } = endpointOf(input.settings);
  const results = [await resolution(input, host)];
  if (!https)
    results.push(
      fail(
        'tls',
        `agents answer over plain HTTP (${input.settings.platform.publicUrl})`,
        'FLEETPLANE_PUBLIC_URL should be an https:// URL',
      ),
    );
  else if (results[0]?.status !== 'fail') results.push(await certificate(input, host, port));
  return results;
}
