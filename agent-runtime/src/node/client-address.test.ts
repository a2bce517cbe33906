import { describe, expect, it } from 'vitest';
import { clientAddress, TrustedProxies } from './client-address.ts';

const none = new TrustedProxies(undefined);
const ingress = new TrustedProxies('10.244.0.0/16, 127.0.0.1');

describe('clientAddress', () => {
  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress('203.0.113.7', '1.1.1.1', none)).toBe('203.0.113.7');
    expect(clientAddress('::ffff:203.0.113.7', '1.1.1.1, 2.2.2.2', none)).toBe('203.0.113.7');
    expect(clientAddress(undefined, '1.1.1.1', none)).toBeUndefined();
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(clientAddress('203.0.113.7', '1.1.1.1', ingress)).toBe('203.0.113.7');
  });

  it('walks from the right past trusted hops to the first untrusted address', () => {
    expect(clientAddress('10.244.1.5', '198.51.100.4', ingress)).toBe('198.51.100.4');
    // The client made up the leftmost hop; the ingress appended the real peer.
    expect(clientAddress('10.244.1.5', '1.1.1.1, 198.51.100.4', ingress)).toBe('198.51.100.4');
    // Two trusted hops (a node-local proxy, then the ingress).
    expect(clientAddress('127.0.0.1', '198.51.100.4, 10.244.0.9', ingress)).toBe('198.51.100.4');
    // Every hop trusted: the leftmost is the best we know.
    expect(clientAddress('127.0.0.1', '10.244.0.8, 10.244.0.9', ingress)).toBe('10.244.0.8');
  });

  it('stops at the last vouched-for address when a hop is not an address', () => {
    expect(clientAddress('10.244.1.5', 'not-an-ip, 10.244.0.3', ingress)).toBe('10.244.0.3');
    expect(clientAddress('10.244.1.5', '', ingress)).toBe('10.244.1.5');
  });

  it('reads hops with ports and brackets, and mapped IPv4', () => {
    expect(clientAddress('::ffff:10.244.1.5', '198.51.100.4:5555', ingress)).toBe('198.51.100.4');
    expect(clientAddress('10.244.1.5', '[2001:db8:1:2:3:4:5:6]:443', ingress)).toBe('2001:db8:1:2::/64');
  });

  it('identifies IPv6 clients by their /64', () => {
    expect(clientAddress('2001:db8:aa:bb:1::9', undefined, none)).toBe('2001:db8:aa:bb::/64');
    expect(clientAddress('2001:db8:aa:bb:ffff::1', undefined, none)).toBe('2001:db8:aa:bb::/64');
    expect(clientAddress('2001:db8::1', undefined, none)).toBe('2001:db8:0:0::/64');
    expect(clientAddress('::1', undefined, none)).toBe('0:0:0:0::/64');
    expect(clientAddress('64:ff9b::192.0.2.1', undefined, none)).toBe('64:ff9b:0:0::/64');
  });
});

describe('TrustedProxies', () => {
  it('accepts CIDRs and single addresses of both families', () => {
    const t = new TrustedProxies(' 10.0.0.0/8 ,192.0.2.1, fd00::/8 ,::1');
    expect(t.count).toBe(4);
    expect(t.trusts('10.1.2.3')).toBe(true);
    expect(t.trusts('192.0.2.1')).toBe(true);
    expect(t.trusts('192.0.2.2')).toBe(false);
    expect(t.trusts('fd12::1')).toBe(true);
    expect(t.trusts('::1')).toBe(true);
    expect(t.trusts('11.0.0.1')).toBe(false);
  });

  it('treats an empty value as unset', () => {
    expect(new TrustedProxies('').count).toBe(0);
    expect(new TrustedProxies(' , ').count).toBe(0);
  });

  it.each(['ingress', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/8/1', 'fd00::/129', '10.0.0.0/-1', '10.0.0/8'])(
    'refuses %j, naming it',
    (entry) => {
      expect(() => new TrustedProxies(`127.0.0.1,${entry}`)).toThrow(
        `FLEETPLANE_AGENT_TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR`,
      );
    },
  );
});
