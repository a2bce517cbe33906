import { describe, expect, it } from 'vitest';
import { agentPolicyOf } from './agent-policy.ts';
import { checkDeployBody, type DeployTarget, deployBodyErrors } from './deploy-request.ts';
import { egressUrlProblem } from './egress-url.ts';
import { DEFAULT_PLATFORM } from './platform.ts';

const cluster = { allowLoopback: false };
const local = { allowLoopback: true };

describe('egressUrlProblem: hosts of the platform’s own networks', () => {
  it.each([
    ['http://10.0.0.1/v1', /private address \(RFC 1918/],
    ['http://172.16.5.4:8000/v1', /private address/],
    ['http://192.168.1.10/v1', /private address/],
    ['http://169.254.169.254/latest/meta-data', /link-local address .* metadata/],
    ['http://100.64.0.1/v1', /shared address \(100.64.0.0\/10/],
    ['http://0.0.0.0:8080/v1', /unspecified address/],
    ['http://[fd12:3456::1]/v1', /unique-local IPv6/],
    ['http://[fe80::1]/v1', /link-local address/],
    ['http://[::ffff:10.0.0.1]/v1', /private address .*\(the host is 10.0.0.1\)/],
    ['http://[::ffff:169.254.169.254]/v1', /link-local address/],
    ['http://[64:ff9b::a00:1]/v1', /not a public unicast address \(rfc6052\)/],
    ['http://[2002:a00:1::]/v1', /not a public unicast address \(6to4\)/],
  ])('refuses %s wherever the agent runs', (url, message) => {
    expect(egressUrlProblem(url, cluster)).toMatch(message);
    expect(egressUrlProblem(url, local)).toMatch(message);
  });

  it.each([
    // WHATWG URL parsing turns these into 127.0.0.1, as the agent's HTTP client does.
    'http://2130706433/v1',
    'http://0x7f.1/v1',
    'http://0x7f000001/v1',
    'http://0177.0.0.1/v1',
    'http://127.1/v1',
    'http://127.0.0.1:11434/v1',
    'http://[::1]:11434/v1',
    'http://[::ffff:127.0.0.1]/v1',
    'http://[0:0:0:0:0:ffff:7f00:1]/v1',
    'http://localhost:11434/v1',
    'http://models.localhost/v1',
  ])(
    'refuses the loopback host of %s in the cluster, and allows it to the local server’s own agents',
    (url) => {
      expect(egressUrlProblem(url, cluster)).toMatch(/must not name a loopback (address|host)/);
      expect(egressUrlProblem(url, local)).toBeUndefined();
    },
  );

  it.each([
    'http://10.1.2.3.nip.io/v1', // a name: the NetworkPolicy denies what it resolves to
    'https://api.openai.com/v1',
    'https://8.8.8.8/v1',
    'http://[2606:4700::1111]/v1',
    'http://vllm.models.svc:8000/v1',
    'not a url',
  ])('leaves %s to the other rules', (url) => {
    expect(egressUrlProblem(url, cluster)).toBeUndefined();
  });
});

describe('a deploy whose provider.baseUrl names the platform’s networks', () => {
  const own = { name: 'probe.llm', key: 'key' };
  const errorsOf = (baseUrl: string, target: DeployTarget, extra: object = {}) =>
    deployBodyErrors(
      checkDeployBody({ name: 'probe', provider: { baseUrl, apiKey: own }, ...extra }, target),
    );
  const functions: DeployTarget = { localAgents: false, localProcesses: 'none' };

  it('is refused with a 422-style field error naming the field, the rule and the value', () => {
    expect(errorsOf('http://169.254.169.254/v1', functions)).toEqual([
      {
        path: 'provider.baseUrl',
        message: expect.stringMatching(
          /^must not name a link-local address .*: agents may reach only hosts outside the platform's networks \(got "http:\/\/169.254.169.254\/v1"\)$/,
        ),
      },
    ]);
    expect(errorsOf('http://2130706433/v1', functions)[0]?.message).toMatch(
      /loopback.*\(got "http:\/\/2130706433\/v1"\)/,
    );
  });

  it('allows loopback only for agents the local server runs as processes', () => {
    expect(errorsOf('http://127.0.0.1:11434/v1', { localAgents: true, localProcesses: 'all' })).toEqual([]);
    const beside = { localAgents: true, localProcesses: 'cloud-local' } as const;
    expect(errorsOf('http://127.0.0.1:11434/v1', beside, { cloud: 'local' })).toEqual([]);
    expect(errorsOf('http://127.0.0.1:11434/v1', beside)[0]?.path).toBe('provider.baseUrl');
    expect(errorsOf('http://127.0.0.1:11434/v1', functions)[0]?.path).toBe('provider.baseUrl');
  });

  it('in the cluster needs https:// for a host the platform does not list', () => {
    expect(errorsOf('http://llm.example.org/v1', functions)[0]?.message).toMatch(
      /^must use https:\/\/ unless the platform lists it/,
    );
    expect(errorsOf('https://llm.example.org/v1', functions)).toEqual([]);
    expect(errorsOf('http://llm.example.org/v1', { localAgents: true, localProcesses: 'all' })).toEqual([]);
  });

  it('passes a base URL the platform lists: the operator chose it', () => {
    const vpc = 'http://10.116.0.7:8000/v1';
    const policy = agentPolicyOf({
      ...DEFAULT_PLATFORM,
      allowedBaseUrls: [vpc, 'http://vllm.models.svc:8000/v1'],
    });
    const target = { ...functions, policy };
    expect(deployBodyErrors(checkDeployBody({ name: 'probe', provider: { baseUrl: vpc } }, target))).toEqual(
      [],
    );
    expect(
      deployBodyErrors(
        checkDeployBody({ name: 'probe', provider: { baseUrl: 'http://vllm.models.svc:8000/v1' } }, target),
      ),
    ).toEqual([]);
  });
});
