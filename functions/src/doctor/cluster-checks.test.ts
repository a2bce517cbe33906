/**
 * The one cluster verdict the test environment cannot stage for real (the integration test runs
 * the rest on a real API server): cert-manager started BEFORE the Gateway API CRDs existed,
 * which would need the CRDs deleted and made again under every other test. The cluster's reads
 * come from a stand-in here, holding what such a cluster would answer.
 */
import { describe, expect, it } from 'vitest';
import { admissionParamsData } from '../core/admission-params.ts';
import { admissionInstallationFromEnv } from '../wiring/admission-from-env.ts';
import { type AdminClusterView, clusterChecks, type FunctionsClusterView } from './cluster-checks.ts';
import { type DoctorSettings, settingsChecks } from './settings-checks.ts';

const settings = settingsChecks(
  {
    FLEETPLANE_STORE: 's3://bucket',
    FLEETPLANE_ROUTING: 'gateway',
    FLEETPLANE_RUNTIME_IMAGE: 'registry.example/agent-runtime:abc',
    FLEETPLANE_DOMAIN: 'agents.example.net',
  },
  '.env',
).settings as DoctorSettings;

const functions: FunctionsClusterView = {
  version: async () => 'v1.35.4',
  canI: async (reviews) => reviews.map(() => true),
};

function cluster(certManagerStarted: Date, gatewayApiEnabled = true): AdminClusterView {
  return {
    namespaceLabels: async (name) => ({
      'pod-security.kubernetes.io/enforce': name === 'agents' ? 'restricted' : 'baseline',
      'fleetplane.io/fenced': 'true',
    }),
    secretKeys: async () => ['OPENAI_API_KEY'],
    ingressClasses: async () => [],
    loadBalancerAddresses: async () => [],
    gateway: async () => ({
      addresses: ['203.0.113.7'],
      conditions: [{ type: 'Programmed', status: 'True' }],
      listeners: [
        { name: 'http', hostname: 'agents.example.net' },
        { name: 'https', hostname: 'agents.example.net' },
      ],
      annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt-gateway' },
    }),
    crd: async (name) => ({
      createdAt: new Date(name.startsWith('gateways.') ? '2026-03-01T10:00:00Z' : '2026-03-01T09:00:00Z'),
      established: true,
    }),
    clusterIssuer: async () => ({ conditions: [{ type: 'Ready', status: 'True' }] }),
    admissionPolicy: async () => ({ bound: true }),
    configMapKeys: async () => Object.keys(admissionParamsData(admissionInstallationFromEnv({}))),
    certManagerControllers: async () => [
      {
        namespace: 'cert-manager',
        name: 'cert-manager-6d9f',
        startedAt: certManagerStarted,
        gatewayApiEnabled,
      },
    ],
  };
}

describe('the Gateway API before cert-manager', () => {
  it('fails when cert-manager started before the Gateway API CRDs existed, and says to restart it', async () => {
    const results = await clusterChecks({
      settings,
      functions,
      admin: cluster(new Date('2026-03-01T09:30:00Z')),
    });
    const order = results.find((r) => r.id === 'cluster.gateway-api-order');
    expect(order).toMatchObject({
      status: 'fail',
      summary:
        "cert-manager's controller (cert-manager/cert-manager-6d9f) started before the Gateway API CRDs existed (2026-03-01T10:00:00.000Z), so it never issues the Gateway's certificate",
      fix: 'kubectl -n cert-manager rollout restart deployment cert-manager',
    });
  });

  it('is ok when it started after them, with every other check of that cluster ok', async () => {
    const results = await clusterChecks({
      settings,
      functions,
      admin: cluster(new Date('2026-03-01T10:05:00Z')),
    });
    expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
    expect(results.map((r) => r.id)).toContain('cluster.gateway-api-order');
  });

  it('fails a cert-manager whose configuration does not enable the Gateway API, saying which Helm value', async () => {
    const results = await clusterChecks({
      settings,
      functions,
      admin: cluster(new Date('2026-03-01T10:05:00Z'), false),
    });
    expect(results.find((r) => r.id === 'cluster.gateway-api-enabled')).toMatchObject({
      status: 'fail',
      fix: 'helm upgrade cert-manager with --reuse-values --set config.enableGatewayAPI=true (the README, Deploying to DigitalOcean, step 2)',
    });
  });
});

describe('the namespaces', () => {
  it('fails a namespace the control plane writes in that the admission policy does not fence, saying how to label it', async () => {
    const admin = cluster(new Date('2026-03-01T10:05:00Z'));
    const unfenced: AdminClusterView = {
      ...admin,
      namespaceLabels: async (name) => ({
        'pod-security.kubernetes.io/enforce': name === 'agents' ? 'restricted' : 'baseline',
        ...(name === 'agents' ? {} : { 'fleetplane.io/fenced': 'true' }),
      }),
    };
    const results = await clusterChecks({ settings, functions, admin: unfenced });
    expect(results.find((r) => r.id === 'cluster.namespaces')).toMatchObject({
      status: 'fail',
      summary:
        'agents is not labelled fleetplane.io/fenced=true, so the admission policy does not fence the control plane there',
    });
  });
});
