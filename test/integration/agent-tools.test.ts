/**
 * An agent with tools on the test cluster, through the control plane's whole app against the
 * real API server: what the API server stored is what the tools need and no more. The
 * caller's NetworkPolicy opens its http tool's port to the internet, its in-cluster MCP
 * server's port to that namespace only, and its callee's pods on the runtime's port; the
 * callee's policy admits pods labelled as its callers, and only the caller's pod template
 * carries that label. Tool credentials are env from the caller's own Secrets, never in the
 * ConfigMap. Tool URLs the platform does not allow are refused before anything is stored.
 */
import { AppsV1Api, CoreV1Api, KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PLATFORM } from '../../functions/src/core/platform.ts';
import { testEnv } from '../env/inject.ts';
import { harness } from '../support/control-plane-harness.ts';

const TOKEN = 'tickets-token-not-in-any-object';
const SECRETS = { 'at-caller.tickets': { token: TOKEN }, 'at-caller.callee': { key: 'callee-key' } };

function admin() {
  const config = new KubeConfig();
  config.loadFromFile(testEnv().kubeconfigPath);
  return {
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    networking: config.makeApiClient(NetworkingV1Api),
  };
}

const { call } = harness({ FLEETPLANE_ALLOWED_TOOL_ORIGINS: 'http://tickets.tools.svc:8080' });
const namespace = () => testEnv().namespace;

beforeAll(async () => {
  const { core } = admin();
  for (const [name, data] of Object.entries(SECRETS)) {
    await core.deleteNamespacedSecret({ name, namespace: namespace() }).catch(() => {});
    await core.createNamespacedSecret({
      namespace: namespace(),
      body: { metadata: { name }, stringData: data },
    });
  }
});

afterAll(async () => {
  for (const name of ['at-caller', 'at-callee']) await call('DELETE', `/deployments/${name}`).catch(() => {});
  const { core } = admin();
  for (const name of Object.keys(SECRETS))
    await core.deleteNamespacedSecret({ name, namespace: namespace() }).catch(() => {});
});

describe('an agent with tools on the cluster', () => {
  it('refuses tool URLs the platform does not allow, storing nothing', async () => {
    const refused = await call('POST', '/deploy', {
      name: 'at-refused',
      tools: [
        { type: 'http', name: 'clear', url: 'http://api.example.com/{q}' },
        { type: 'mcp', name: 'internal', url: 'http://billing.finance.svc:9000/mcp' },
        { type: 'http', name: 'self', url: 'https://localhost:8080/x' },
      ],
    });
    expect(refused.status).toBe(422);
    expect(refused.json.errors.map((e: { path: string; rule: string }) => [e.path, e.rule])).toEqual([
      ['tools[0].url', 'egress'],
      ['tools[1].url', 'egress'],
      ['tools[2].url', 'egress'],
    ]);
    expect(refused.json.errors[1].message).toMatch(
      /FLEETPLANE_ALLOWED_TOOL_ORIGINS \(http:\/\/tickets\.tools\.svc:8080\)/,
    );
    expect((await call('GET', '/deployments/at-refused')).status).toBe(404);
  });

  it('stores policies that open exactly the tools’ hosts and the caller→callee edge, both ways', async () => {
    const deployed = await call('POST', '/deploy', {
      agents: [
        { name: 'at-callee' },
        {
          name: 'at-caller',
          tools: [
            { type: 'http', name: 'weather', url: 'https://api.weather.example:8443/v1/current?city={city}' },
            {
              type: 'mcp',
              name: 'tickets',
              url: 'http://tickets.tools.svc:8080/mcp',
              headers: {
                authorization: { secretRef: { name: 'at-caller.tickets', key: 'token' }, prefix: 'Bearer ' },
              },
            },
            {
              type: 'agent',
              name: 'ask',
              agent: 'at-callee',
              apiKey: { name: 'at-caller.callee', key: 'key' },
            },
          ],
        },
      ],
    });
    expect(deployed.status, deployed.text).toBe(201);
    const { networking, apps, core } = admin();
    const read = (name: string) => networking.readNamespacedNetworkPolicy({ name, namespace: namespace() });
    const caller = await read('at-caller');
    const callee = await read('at-callee');
    // The platform's default deny list (no FLEETPLANE_EGRESS_DENY_CIDRS in the harness).
    const deny = DEFAULT_PLATFORM.egressDenyCidrs;
    // The caller: its own rules (DNS, HTTPS and the model), then exactly what its tools need.
    expect(caller.spec?.egress?.slice(2)).toEqual([
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: deny } }], ports: [{ protocol: 'TCP', port: 8443 }] },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tools' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
      {
        to: [{ podSelector: { matchLabels: { 'fleetplane.io/agent': 'at-callee' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]);
    // The callee: besides the ingress controller, the pods labelled as its callers, on its port.
    expect(callee.spec?.ingress?.map((rule) => rule._from)).toEqual([
      [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
      [{ podSelector: { matchExpressions: [{ key: 'calls.fleetplane.io/at-callee', operator: 'Exists' }] } }],
    ]);
    expect(callee.spec?.egress?.length).toBe(2);

    // Only the caller's pods carry the label the callee admits.
    const deployments = await apps.listNamespacedDeployment({ namespace: namespace() });
    const labelled = deployments.items
      .filter((d) => d.spec?.template.metadata?.labels?.['calls.fleetplane.io/at-callee'] === 'true')
      .map((d) => d.metadata?.name);
    expect(labelled).toEqual(['at-caller']);

    // Credentials: env from the caller's own Secrets; the config file names only the variables.
    const container = deployments.items.find((d) => d.metadata?.name === 'at-caller')?.spec?.template.spec
      ?.containers[0];
    expect(container?.env?.filter((e) => e.name.startsWith('FLEETPLANE_TOOL_'))).toEqual([
      {
        name: 'FLEETPLANE_TOOL_1_AUTHORIZATION',
        valueFrom: { secretKeyRef: { name: 'at-caller.tickets', key: 'token' } },
      },
      {
        name: 'FLEETPLANE_TOOL_2_AUTHORIZATION',
        valueFrom: { secretKeyRef: { name: 'at-caller.callee', key: 'key' } },
      },
    ]);
    const configMap = await core.readNamespacedConfigMap({
      name: 'at-caller-config',
      namespace: namespace(),
    });
    const file = configMap.data?.['agent.json'] ?? '';
    expect(file).not.toContain(TOKEN);
    expect(file).not.toContain('at-caller.tickets');
    expect(JSON.parse(file).tools.map((t: { type: string; url: string }) => [t.type, t.url])).toEqual([
      ['http', 'https://api.weather.example:8443/v1/current?city={city}'],
      ['mcp', 'http://tickets.tools.svc:8080/mcp'],
      ['agent', `http://at-callee.${namespace()}.svc/at-callee`],
    ]);
    const stored = JSON.stringify((await call('GET', '/deployments/at-caller/config')).json);
    expect(stored).not.toContain(TOKEN);
  });
});
