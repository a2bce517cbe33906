import { describe, expect, it } from 'vitest';
import { DEFAULT_PLATFORM } from '../core/platform.ts';
import { isIpv4Cidr, platformSettingsFromEnv } from './settings.ts';

/** Every variable settings.ts reads, for the "empty means unset" test. */
const EVERY_SETTING = [
  'FLEETPLANE_NAMESPACE',
  'FLEETPLANE_BUILD_NAMESPACE',
  'FLEETPLANE_DOMAIN',
  'FLEETPLANE_ROUTING',
  'FLEETPLANE_TLS_SECRET',
  'FLEETPLANE_GATEWAY_NAME',
  'FLEETPLANE_GATEWAY_NAMESPACE',
  'FLEETPLANE_GATEWAY_SECTION',
  'FLEETPLANE_PROVIDER_SECRET',
  'FLEETPLANE_PROVIDER_SECRET_KEY',
  'FLEETPLANE_REGISTRY',
  'FLEETPLANE_INGRESS_CLASS',
  'FLEETPLANE_TLS_ISSUER',
  'FLEETPLANE_OPENAI_BASE_URL',
  'FLEETPLANE_PUBLIC_URL',
  'FLEETPLANE_IMAGE_PULL_SECRET',
  'FLEETPLANE_MAX_CPU_REQUEST',
  'FLEETPLANE_MAX_MEMORY_REQUEST',
  'FLEETPLANE_MAX_CPU_LIMIT',
  'FLEETPLANE_MAX_MEMORY_LIMIT',
  'FLEETPLANE_MAX_REPLICAS',
  'FLEETPLANE_ALLOWED_BASE_URLS',
  'FLEETPLANE_EGRESS_DENY_CIDRS',
  'FLEETPLANE_INGRESS_NAMESPACES',
];

describe('platform settings from the environment', () => {
  it('treats every variable set to "" as unset: the defaults apply', () => {
    const empty = Object.fromEntries(EVERY_SETTING.map((name) => [name, '']));
    expect(platformSettingsFromEnv(empty)).toEqual(platformSettingsFromEnv({}));
    expect(platformSettingsFromEnv({})).toEqual(DEFAULT_PLATFORM);
  });

  it("reads what every agent's own API allows, trusting no proxy when the platform routes nothing", () => {
    expect(platformSettingsFromEnv({}).agentCaps).toEqual(DEFAULT_PLATFORM.agentCaps);
    expect(
      platformSettingsFromEnv({
        FLEETPLANE_AGENT_MAX_TOKENS: '16000',
        FLEETPLANE_AGENT_MAX_CHOICES: '4',
        FLEETPLANE_AGENT_AUTH_FAILURES_PER_MINUTE: '30',
        FLEETPLANE_AGENT_TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7',
      }).agentCaps,
    ).toEqual({
      maxTokens: 16000,
      maxChoices: 4,
      authFailuresPerMinute: 30,
      trustedProxies: ['10.0.0.0/8', '192.168.1.7'],
    });
    expect(platformSettingsFromEnv({ FLEETPLANE_ROUTING: 'none' }).agentCaps.trustedProxies).toEqual([]);
    expect(
      platformSettingsFromEnv({ FLEETPLANE_AGENT_TRUSTED_PROXIES: 'none' }).agentCaps.trustedProxies,
    ).toEqual([]);
    expect(() => platformSettingsFromEnv({ FLEETPLANE_AGENT_MAX_TOKENS: 'lots' })).toThrow(
      'FLEETPLANE_AGENT_MAX_TOKENS must be a whole number from 1 to 1000000 (got "lots")',
    );
    expect(() => platformSettingsFromEnv({ FLEETPLANE_AGENT_TRUSTED_PROXIES: 'ingress' })).toThrow(
      /FLEETPLANE_AGENT_TRUSTED_PROXIES must be addresses or CIDRs/,
    );
  });

  it("reads the console's origin, which agents then allow (CORS), and refuses anything but an origin", () => {
    expect(platformSettingsFromEnv({}).consoleOrigin).toBeUndefined();
    expect(
      platformSettingsFromEnv({ FLEETPLANE_CONSOLE_ORIGIN: 'https://console.example.com' }).consoleOrigin,
    ).toBe('https://console.example.com');
    expect(() =>
      platformSettingsFromEnv({
        FLEETPLANE_CONSOLE_ORIGIN: 'https://console.example.com/api/v1/web/ns/fleetplane/console',
      }),
    ).toThrow(
      /FLEETPLANE_CONSOLE_ORIGIN must be an origin, scheme and host only, such as https:\/\/console.example.com/,
    );
  });

  it('refuses an agent address that is not one: agents publish it in their A2A cards', () => {
    expect(platformSettingsFromEnv({ FLEETPLANE_PUBLIC_URL: 'http://127.0.0.1:8080' }).publicUrl).toBe(
      'http://127.0.0.1:8080',
    );
    expect(platformSettingsFromEnv({ FLEETPLANE_DOMAIN: 'agents.corp.example' }).domain).toBe(
      'agents.corp.example',
    );
    expect(() => platformSettingsFromEnv({ FLEETPLANE_PUBLIC_URL: 'agents.example.com' })).toThrow(
      'FLEETPLANE_PUBLIC_URL must be an http(s) URL such as https://agents.example.com (got "agents.example.com")',
    );
    expect(() => platformSettingsFromEnv({ FLEETPLANE_PUBLIC_URL: 'ftp://agents.example.com' })).toThrow(
      /FLEETPLANE_PUBLIC_URL must be an http\(s\) URL/,
    );
    expect(() => platformSettingsFromEnv({ FLEETPLANE_DOMAIN: 'https://agents.example.com' })).toThrow(
      'FLEETPLANE_DOMAIN must be a host name such as agents.example.com (got "https://agents.example.com")',
    );
    expect(() => platformSettingsFromEnv({ FLEETPLANE_DOMAIN: 'agents example' })).toThrow(
      /FLEETPLANE_DOMAIN/,
    );
  });

  it('reads the per-agent bounds', () => {
    const settings = platformSettingsFromEnv({
      FLEETPLANE_MAX_CPU_REQUEST: '1500m',
      FLEETPLANE_MAX_MEMORY_REQUEST: '3Gi',
      FLEETPLANE_MAX_CPU_LIMIT: '3',
      FLEETPLANE_MAX_MEMORY_LIMIT: '6Gi',
      FLEETPLANE_MAX_REPLICAS: '8',
    });
    expect(settings.agentBounds).toEqual({
      maxRequests: { cpu: '1500m', memory: '3Gi' },
      maxLimits: { cpu: '3', memory: '6Gi' },
      maxReplicas: 8,
    });
  });

  it('reads the network settings: allowed base URLs, denied ranges, who may reach agents', () => {
    const settings = platformSettingsFromEnv({
      FLEETPLANE_ALLOWED_BASE_URLS: 'http://vllm.models.svc:8000/v1, https://api.openai.com/v1',
      FLEETPLANE_EGRESS_DENY_CIDRS: '10.0.0.0/8,169.254.0.0/16',
      FLEETPLANE_INGRESS_NAMESPACES: 'envoy-gateway-system,monitoring',
    });
    expect(settings.allowedBaseUrls).toEqual(['http://vllm.models.svc:8000/v1', 'https://api.openai.com/v1']);
    expect(settings.egressDenyCidrs).toEqual(['10.0.0.0/8', '169.254.0.0/16']);
    expect(settings.ingressNamespaces).toEqual(['envoy-gateway-system', 'monitoring']);
    expect(platformSettingsFromEnv({ FLEETPLANE_EGRESS_DENY_CIDRS: 'none' }).egressDenyCidrs).toEqual([]);
    expect(
      platformSettingsFromEnv({ FLEETPLANE_INGRESS_NAMESPACES: ' , ' }).ingressNamespaces,
    ).toBeUndefined();
  });

  it.each([
    [
      'FLEETPLANE_ROUTING',
      'traefik',
      /FLEETPLANE_ROUTING must be one of ingress, gateway, none \(got "traefik"\)/,
    ],
    [
      'FLEETPLANE_MAX_CPU_REQUEST',
      'lots',
      /FLEETPLANE_MAX_CPU_REQUEST must be a positive Kubernetes quantity .*\(got "lots"\)/,
    ],
    [
      'FLEETPLANE_MAX_MEMORY_LIMIT',
      '1e999',
      /FLEETPLANE_MAX_MEMORY_LIMIT must be a positive Kubernetes quantity/,
    ],
    [
      'FLEETPLANE_MAX_REPLICAS',
      '0',
      /FLEETPLANE_MAX_REPLICAS must be a whole number from 1 to 100 \(got "0"\)/,
    ],
    ['FLEETPLANE_MAX_REPLICAS', '2.5', /whole number/],
    [
      'FLEETPLANE_ALLOWED_BASE_URLS',
      'https://u:p@x.example/v1',
      /FLEETPLANE_ALLOWED_BASE_URLS: each entry must not carry credentials/,
    ],
    [
      'FLEETPLANE_EGRESS_DENY_CIDRS',
      '10.244.0.1/16',
      /FLEETPLANE_EGRESS_DENY_CIDRS must list IPv4 CIDRs .*\(got "10.244.0.1\/16"\)/,
    ],
    ['FLEETPLANE_EGRESS_DENY_CIDRS', 'fd00::/8', /IPv4 CIDRs/],
    [
      'FLEETPLANE_INGRESS_NAMESPACES',
      'Ingress_Nginx',
      /FLEETPLANE_INGRESS_NAMESPACES must list namespace names/,
    ],
  ])('refuses %s=%s, naming the variable and the value', (name, value, message) => {
    expect(() => platformSettingsFromEnv({ [name]: value })).toThrow(message);
  });

  it.each([
    ['0.0.0.0/0', true],
    ['10.244.0.0/16', true],
    ['169.254.169.254/32', true],
    ['10.244.0.0/33', false],
    ['256.0.0.0/8', false],
    ['10.244.1.0/16', false],
    ['10.244.0.0', false],
  ])('isIpv4Cidr(%s) is %s', (cidr, valid) => {
    expect(isIpv4Cidr(cidr)).toBe(valid);
  });
});
