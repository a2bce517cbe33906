/**
 * Doctor's checks of cert-manager: its CRDs, the issuer of the agents' certificate Ready, and,
 * with Gateway routing, its Gateway API support on and started after the Gateway API CRDs
 * existed (it looks for them only when it starts).
 */
import { type CheckResult, checksOf } from './check.ts';
import {
  type AdminClusterView,
  type CertManagerController,
  type ClusterCheckInput,
  conditionOf,
} from './cluster-views.ts';

const { ok, warn, fail } = checksOf('cluster');
const CERT_MANAGER_CRDS = ['certificates.cert-manager.io', 'clusterissuers.cert-manager.io'];
const GATEWAY_CRD = 'gateways.gateway.networking.k8s.io';

export async function certManager(input: ClusterCheckInput, admin: AdminClusterView): Promise<CheckResult[]> {
  const { platform } = input.settings;
  if (platform.routing === 'none') return [];
  const missing: string[] = [];
  for (const name of CERT_MANAGER_CRDS) if (!(await admin.crd(name))?.established) missing.push(name);
  if (missing.length)
    return [
      fail(
        'cert-manager',
        `cert-manager's CRDs are not installed (${missing.join(', ')})`,
        'helm install cert-manager (see the README, Deploying to DigitalOcean, step 2)',
      ),
    ];
  const results = [ok('cert-manager', "cert-manager's CRDs are installed")];
  let issuer = platform.tlsIssuer;
  if (platform.routing === 'gateway') {
    const gateway = await admin.gateway(platform.gateway.namespace, platform.gateway.name);
    issuer = gateway?.annotations['cert-manager.io/cluster-issuer'];
    if (gateway && !issuer)
      results.push(
        warn(
          'issuer',
          `the Gateway ${platform.gateway.namespace}/${platform.gateway.name} has no cert-manager.io/cluster-issuer annotation: nothing issues its certificate`,
          'apply manifests/30-tls-and-gateway.yaml, which annotates it',
        ),
      );
  }
  if (issuer) {
    const found = await admin.clusterIssuer(issuer);
    const ready = found && conditionOf(found.conditions, 'Ready');
    results.push(
      !found
        ? fail(
            'issuer',
            `the ClusterIssuer ${issuer} does not exist`,
            'edit the e-mail in manifests/30-tls-and-gateway.yaml and kubectl apply -f it',
          )
        : ready?.status === 'True'
          ? ok('issuer', `the ClusterIssuer ${issuer} is Ready`)
          : fail(
              'issuer',
              `the ClusterIssuer ${issuer} is not Ready${ready ? ` (${ready.reason}: ${ready.message})` : ''}`,
              `kubectl describe clusterissuer ${issuer}`,
            ),
    );
  }
  if (platform.routing === 'gateway') results.push(...(await gatewayApiBeforeCertManager(admin)));
  return results;
}

/**
 * cert-manager looks for the Gateway API only when it starts, and only when its configuration
 * enables it (Helm value config.enableGatewayAPI=true): a controller running since before the
 * CRDs existed never watches Gateways, and one without the setting never does either.
 */
async function gatewayApiBeforeCertManager(admin: AdminClusterView): Promise<CheckResult[]> {
  const crd = await admin.crd(GATEWAY_CRD);
  if (!crd)
    return [
      fail(
        'gateway-api-order',
        `the Gateway API CRDs are not installed (${GATEWAY_CRD})`,
        'install a Gateway API implementation (Envoy Gateway installs the CRDs), then restart cert-manager',
      ),
    ];
  const controllers = await admin.certManagerControllers();
  if (!controllers.length)
    return [
      warn(
        'gateway-api-order',
        "cert-manager's controller pod was not found",
        'kubectl get pods -A -l app.kubernetes.io/name=cert-manager',
      ),
    ];
  const named = (pods: CertManagerController[]) =>
    pods.map((pod) => `${pod.namespace}/${pod.name}`).join(', ');
  const restart = `kubectl -n ${controllers[0]?.namespace} rollout restart deployment cert-manager`;
  const results: CheckResult[] = [];
  const disabled = controllers.filter((pod) => !pod.gatewayApiEnabled);
  results.push(
    disabled.length
      ? fail(
          'gateway-api-enabled',
          `cert-manager's controller (${named(disabled)}) does not have the Gateway API enabled, so it never issues the Gateway's certificate`,
          'helm upgrade cert-manager with --reuse-values --set config.enableGatewayAPI=true (the README, Deploying to DigitalOcean, step 2)',
        )
      : ok('gateway-api-enabled', "cert-manager's configuration enables the Gateway API"),
  );
  const stopped = controllers.filter((pod) => !pod.startedAt);
  const early = controllers.filter((pod) => pod.startedAt && pod.startedAt < crd.createdAt);
  results.push(
    stopped.length
      ? fail(
          'gateway-api-order',
          `cert-manager's controller (${named(stopped)}) is not running`,
          `kubectl -n ${stopped[0]?.namespace} logs deployment/cert-manager`,
        )
      : early.length
        ? fail(
            'gateway-api-order',
            `cert-manager's controller (${named(early)}) started before the Gateway API CRDs existed (${crd.createdAt.toISOString()}), so it never issues the Gateway's certificate`,
            restart,
          )
        : ok('gateway-api-order', "cert-manager's controller started after the Gateway API CRDs existed"),
  );
  return results;
}
