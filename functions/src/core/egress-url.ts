/**
 * The one rule every URL a config names goes through before an agent may call it (a model's
 * `provider.baseUrl`, a tool's URL): its host must not be an address of the platform's own
 * networks. IP literals in private (RFC 1918), loopback, link-local (where cloud metadata
 * services answer), shared (CGNAT), unspecified, unique-local and link-local IPv6, and
 * IPv4-mapped IPv6 forms of any of those, are refused; so are `localhost` names. The local
 * server may allow loopback: it serves its one user, on that user's machine.
 *
 * Pure. WARNING: hosts are judged as WHATWG URL parsing leaves them, so `http://2130706433/`,
 * `http://0x7f.1/` and `http://0177.0.0.1/` are 127.0.0.1 here exactly as they are to the
 * agent's HTTP client; never judge the text a user wrote. A host *name* that resolves to such
 * an address cannot be seen here: the agent's NetworkPolicy denies those ranges on the wire.
 */
import ipaddr from 'ipaddr.js';

export interface EgressUrlOptions {
  /** Whether loopback hosts are acceptable (the local server's own agents only). */
  allowLoopback: boolean;
}

type Address = ReturnType<typeof ipaddr.parse>;

/** Why each non-public range is refused, by ipaddr.js's range name. */
const RANGE_REASONS: Record<string, string> = {
  loopback: 'a loopback address (127.0.0.0/8, ::1)',
  private: 'a private address (RFC 1918: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)',
  linkLocal: 'a link-local address (169.254.0.0/16, fe80::/10), where cloud metadata services answer',
  carrierGradeNat: 'a shared address (100.64.0.0/10, carrier-grade NAT)',
  uniqueLocal: 'a unique-local IPv6 address (fc00::/7)',
  unspecified: 'the unspecified address (0.0.0.0/8, ::), which reaches the host itself',
};

const bareHost = (hostname: string) =>
  hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;

/** The address a URL's host names, or undefined when the host is a name. */
function addressOf(hostname: string): Address | undefined {
  const bare = bareHost(hostname);
  if (!ipaddr.isValid(bare)) return undefined;
  const address = ipaddr.parse(bare);
  // ::ffff:a.b.c.d reaches a.b.c.d: judge the IPv4 address it carries.
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

const isLoopbackName = (hostname: string) => hostname === 'localhost' || hostname.endsWith('.localhost');

/**
 * Why an agent may not be sent to `url`, as a phrase that starts with "must" (the caller adds
 * the field and the value), or undefined when its host may be reached. A URL that does not
 * parse is left to the syntax rules of its field.
 */
export function egressUrlProblem(url: string, options: EgressUrlOptions): string | undefined {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return undefined;
  }
  const address = addressOf(hostname);
  if (!address) {
    if (isLoopbackName(hostname) && !options.allowLoopback)
      return `must not name a loopback host (${hostname}): agents in the cluster may reach only hosts outside the platform's networks`;
    return undefined;
  }
  const range = address.range();
  if (range === 'unicast' || (range === 'loopback' && options.allowLoopback)) return undefined;
  const why = RANGE_REASONS[range] ?? `not a public unicast address (${range})`;
  return `must not name ${why.startsWith('not ') ? 'an address that is ' : ''}${why}${
    address.toString() === bareHost(hostname) ? '' : ` (the host is ${address.toString()})`
  }: agents may reach only hosts outside the platform's networks${
    range === 'loopback' ? ' (loopback is allowed only for agents the local server runs as processes)' : ''
  }`;
}
