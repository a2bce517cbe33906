/**
 * The client's address on Node, for the rate limiter: the socket's peer, unless that peer is
 * a trusted proxy (FLEETPLANE_AGENT_TRUSTED_PROXIES), in which case X-Forwarded-For is
 * walked from the right, past every trusted hop, to the first address no trusted proxy
 * vouches for.
 *
 * WARNING: never read X-Forwarded-For when the peer is not trusted. Any client can send
 * the header, and trusting it would give every request a fresh rate-limit bucket.
 * IPv6 clients are identified by their /64 (one host usually holds a whole /64).
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { Context } from 'hono';

/** Env var: comma-separated CIDRs or addresses of proxies whose X-Forwarded-For is honoured. */
export { TRUSTED_PROXIES_ENV } from '../contract.ts';

import { TRUSTED_PROXIES_ENV } from '../contract.ts';

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly count: number;

  /** Parses "10.244.0.0/16, 127.0.0.1, fd00::/8"; throws naming the first bad entry. */
  constructor(spec: string | undefined) {
    const entries = (spec ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    for (const entry of entries) {
      const [address = '', prefix, ...rest] = entry.split('/');
      const family = isIP(address);
      const bits = family === 4 ? 32 : 128;
      const length = prefix === undefined ? bits : Number(prefix);
      if (
        family === 0 ||
        rest.length > 0 ||
        (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) ||
        !(length >= 0 && length <= bits)
      )
        throw new Error(
          `${TRUSTED_PROXIES_ENV}: "${entry}" is not an IP address or CIDR (expected e.g. 10.244.0.0/16 or 127.0.0.1)`,
        );
      this.list.addSubnet(address, length, family === 4 ? 'ipv4' : 'ipv6');
    }
    this.count = entries.length;
  }

  trusts(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** The client address of a request (see the module comment); undefined if unknown. */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | null | undefined,
  trusted: TrustedProxies,
): string | undefined {
  let client = normalize(peer);
  if (client === undefined || !forwardedFor || trusted.count === 0) return identity(client);
  const hops = forwardedFor.split(',');
  for (let i = hops.length - 1; i >= 0 && trusted.trusts(client); i--) {
    const hop = normalize(hops[i]);
    // Not an address: stop at the last one a trusted proxy vouched for.
    if (hop === undefined) break;
    client = hop;
  }
  return identity(client);
}

/** `deps.clientAddress` for the Node entry, reading the socket through node-server's env. */
export function nodeClientAddress(trusted: TrustedProxies): (c: Context) => string | undefined {
  return (c) =>
    clientAddress(
      (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress,
      trusted.count === 0 ? undefined : c.req.header('x-forwarded-for'),
      trusted,
    );
}

/** A bare address from a peer or a hop ("1.2.3.4:80", "[::1]:80", "::ffff:1.2.3.4"). */
function normalize(raw: string | undefined): string | undefined {
  let text = raw?.trim().toLowerCase() ?? '';
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) text = bracketed[1] as string;
  else if (/^[\d.]+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  if (text.startsWith('::ffff:') && isIP(text.slice(7)) === 4) text = text.slice(7);
  return isIP(text) === 0 ? undefined : text;
}

function identity(address: string | undefined): string | undefined {
  return address !== undefined && isIP(address) === 6 ? `${prefix64(address)}::/64` : address;
}

/** The first four groups of an IPv6 address, expanded ("2001:db8::1" -> "2001:db8:0:0"). */
function prefix64(address: string): string {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  if (tail !== undefined) {
    const right = tail === '' ? [] : tail.split(':');
    // An embedded IPv4 tail (a.b.c.d) counts as two groups.
    const rightGroups = right.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
    left.push(...Array<string>(Math.max(0, 8 - left.length - rightGroups)).fill('0'), ...right);
  }
  return left
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':');
}
