/**
 * manifests/30-tls-and-gateway.yaml can issue certificates on both paths. cert-manager's CRDs
 * are not installed here, so its ClusterIssuers are checked against the fields cert-manager
 * documents (ACMEChallengeSolverHTTP01: exactly one of `ingress` or `gatewayHTTPRoute`; the
 * latter's `parentRefs`, `labels`, `serviceType`, `podTemplate`), and against the Gateway they
 * must fit: the Gateway solver answers on a plain-HTTP listener of that Gateway on port 80 for
 * the same host, open to routes of the Gateway's namespace only. The Gateway itself goes to the
 * real API server (Gateway API CRDs v1.4.1, server-side apply with dryRun=All), which enforces
 * the CRD's schema and validation rules.
 */
import { readFileSync } from 'node:fs';
import {
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_PLATFORM } from '../../functions/src/core/platform.ts';
import { testEnv } from '../env/inject.ts';
import { applyManifestFile } from '../support/apply-manifests.ts';

const manifest = (file: string) => new URL(`../../manifests/${file}`, import.meta.url).pathname;

// biome-ignore lint/suspicious/noExplicitAny: manifests are read as plain YAML
type Any = any;
const objects = parseAllDocuments(readFileSync(manifest('30-tls-and-gateway.yaml'), 'utf8')).map(
  (document) => document.toJS() as Any,
);
const issuers = objects.filter((object) => object.kind === 'ClusterIssuer');
const gateway = objects.find((object) => object.kind === 'Gateway');
const listener = (name: string) => gateway.spec.listeners.find((l: Any) => l.name === name);
const keysOf = (value: object) => Object.keys(value).sort();
const subset = (keys: string[], allowed: string[]) => keys.filter((key) => !allowed.includes(key));

describe('manifests/30-tls-and-gateway.yaml', () => {
  it("holds ClusterIssuers in cert-manager's documented shape, one solver kind each", () => {
    expect(issuers.map((issuer) => issuer.apiVersion)).toEqual(['cert-manager.io/v1', 'cert-manager.io/v1']);
    for (const issuer of issuers) {
      const acme = issuer.spec.acme;
      expect(subset(keysOf(acme), ['server', 'email', 'privateKeySecretRef', 'solvers'])).toEqual([]);
      for (const solver of acme.solvers) {
        expect(keysOf(solver)).toEqual(['http01']);
        // "Only one of Ingress / Gateway can be specified."
        expect(keysOf(solver.http01)).toHaveLength(1);
        expect(subset(keysOf(solver.http01), ['ingress', 'gatewayHTTPRoute'])).toEqual([]);
        const route = solver.http01.gatewayHTTPRoute;
        if (!route) continue;
        expect(subset(keysOf(route), ['parentRefs', 'labels', 'serviceType', 'podTemplate'])).toEqual([]);
        for (const ref of route.parentRefs)
          expect(subset(keysOf(ref), ['group', 'kind', 'name', 'namespace', 'sectionName', 'port'])).toEqual(
            [],
          );
      }
    }
    // Each issuer keeps its own ACME account key.
    const accounts = issuers.map((issuer) => issuer.spec.acme.privateKeySecretRef.name);
    expect(new Set(accounts).size).toBe(accounts.length);
  });

  it('gives the Ingress path the issuer FLEETPLANE_TLS_ISSUER names by default', () => {
    const ingress = issuers.find((issuer) => issuer.metadata.name === DEFAULT_PLATFORM.tlsIssuer);
    expect(ingress?.spec.acme.solvers).toEqual([{ http01: { ingress: {} } }]);
  });

  it('lets the Gateway path answer the HTTP-01 challenge: a solver on an HTTP listener of that Gateway, port 80, same host', () => {
    const name = gateway.metadata.annotations['cert-manager.io/cluster-issuer'];
    const issuer = issuers.find((candidate) => candidate.metadata.name === name);
    expect(issuer, `the Gateway's annotation names ${name}`).toBeDefined();
    const [ref] = issuer.spec.acme.solvers[0].http01.gatewayHTTPRoute.parentRefs;
    expect(ref).toMatchObject({
      kind: 'Gateway',
      name: gateway.metadata.name,
      namespace: gateway.metadata.namespace,
    });
    const http = listener(ref.sectionName);
    const https = listener('https');
    expect(http).toMatchObject({ protocol: 'HTTP', port: 80, hostname: https.hostname });
    expect(http.allowedRoutes).toEqual({ namespaces: { from: 'Same' } });
    expect(https).toMatchObject({ protocol: 'HTTPS', port: 443, tls: { mode: 'Terminate' } });
    expect(https.tls.certificateRefs).toEqual([{ name: DEFAULT_PLATFORM.tlsSecretName }]);
    expect(gateway.metadata).toMatchObject({
      name: DEFAULT_PLATFORM.gateway.name,
      namespace: DEFAULT_PLATFORM.gateway.namespace,
    });
    expect(https.allowedRoutes.namespaces.selector.matchLabels).toEqual({
      'kubernetes.io/metadata.name': 'agents',
    });
  });

  it('holds a Gateway the API server accepts (dryRun=All), and the server would refuse a broken one', async () => {
    const t = testEnv();
    await applyManifestFile(t.kubeconfigPath, manifest('00-namespaces.yaml'));
    const config = new KubeConfig();
    config.loadFromFile(t.kubeconfigPath);
    const api = KubernetesObjectApi.makeApiClient(config);
    const dryRun = (object: KubernetesObject) =>
      api.patch(object, undefined, 'All', 'fleetplane-test', true, PatchStrategy.ServerSideApply);
    const accepted = await dryRun(gateway);
    expect(accepted.kind).toBe('Gateway');
    expect((accepted as Any).spec.listeners.map((l: Any) => l.name)).toEqual(['http', 'https']);
    // The same check refuses what is wrong (the CRD's validation rules run): TLS on the plain-HTTP
    // listener, and the two listeners on one port.
    const refusal = (object: KubernetesObject) =>
      dryRun(object).then(
        () => 'accepted',
        (error: { code?: number; body?: unknown }) => `${error.code} ${String(error.body)}`,
      );
    const tlsOnHttp = structuredClone(gateway);
    tlsOnHttp.spec.listeners[0].tls = { certificateRefs: [{ name: 'x' }] };
    expect(await refusal(tlsOnHttp)).toMatch(/^422 .*tls must not be specified for protocols/);
    const clash = structuredClone(gateway);
    Object.assign(clash.spec.listeners[0], {
      port: 443,
      protocol: 'HTTPS',
      tls: clash.spec.listeners[1].tls,
    });
    expect(await refusal(clash)).toMatch(/^422 .*Combination of port, protocol and hostname must be unique/);
  });
});
