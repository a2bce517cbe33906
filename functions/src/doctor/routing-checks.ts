/**
 * Doctor's checks of the way in: the IngressClass (or the cluster's default) and its load
 * balancer's address, or the Gateway the settings name, Programmed, with an address, a listener
 * by the settings' section name, and its HTTPS listener for the agents' host.
 */
import { defaultIngressNamespaces } from '../core/platform.ts';
import { type CheckResult, checksOf } from './check.ts';
import { type AdminClusterView, type ClusterCheckInput, conditionOf } from './cluster-views.ts';
import type { DoctorSettings } from './settings-checks.ts';

const { ok, warn, fail } = checksOf('cluster');

/** The addresses agents are reached at: the Gateway's, or the ingress controller's load balancer. */
export async function entryAddresses(settings: DoctorSettings, admin: AdminClusterView): Promise<string[]> {
  const { platform } = settings;
  if (platform.routing === 'gateway')
    return (await admin.gateway(platform.gateway.namespace, platform.gateway.name))?.addresses ?? [];
  if (platform.routing === 'ingress')
    return admin.loadBalancerAddresses(platform.ingressNamespaces ?? defaultIngressNamespaces(platform));
  return [];
}

export async function routing(input: ClusterCheckInput, admin: AdminClusterView): Promise<CheckResult[]> {
  const { platform } = input.settings;
  if (platform.routing === 'none')
    return [ok('routing', 'FLEETPLANE_ROUTING=none: the platform exposes no agent (you route to them)')];
  if (platform.routing === 'ingress') {
    const classes = await admin.ingressClasses();
    const wanted = platform.ingressClass;
    const found = wanted ? classes.find((c) => c.name === wanted) : classes.find((c) => c.isDefault);
    const namespaces = platform.ingressNamespaces ?? defaultIngressNamespaces(platform);
    const addresses = found ? await admin.loadBalancerAddresses(namespaces) : [];
    return [
      !found
        ? fail(
            'routing',
            wanted
              ? `the IngressClass ${wanted} does not exist (there are: ${classes.map((c) => c.name).join(', ') || 'none'})`
              : `FLEETPLANE_INGRESS_CLASS is unset and no IngressClass is the cluster's default (there are: ${classes.map((c) => c.name).join(', ') || 'none'})`,
            'install an ingress controller, set FLEETPLANE_INGRESS_CLASS to its class, or use FLEETPLANE_ROUTING=gateway',
          )
        : addresses.length
          ? ok(
              'routing',
              `the IngressClass ${found.name} exists; its load balancer is at ${addresses.join(', ')}`,
            )
          : warn(
              'routing',
              `the IngressClass ${found.name} exists, but no LoadBalancer Service in ${namespaces.join(', ')} has an address yet`,
              'wait for the load balancer (kubectl get svc -A); set FLEETPLANE_INGRESS_NAMESPACES to where the controller runs',
            ),
    ];
  }
  const { name, namespace, sectionName } = platform.gateway;
  const gateway = await admin.gateway(namespace, name);
  if (!gateway)
    return [
      fail(
        'routing',
        `the Gateway ${namespace}/${name} does not exist`,
        'edit manifests/30-tls-and-gateway.yaml (host, e-mail, gatewayClassName) and kubectl apply -f it',
      ),
    ];
  const results: CheckResult[] = [];
  const programmed = conditionOf(gateway.conditions, 'Programmed');
  if (sectionName && !gateway.listeners.some((l) => l.name === sectionName))
    results.push(
      fail(
        'routing',
        `the Gateway ${namespace}/${name} has no listener ${sectionName}`,
        'correct FLEETPLANE_GATEWAY_SECTION, or add the listener',
      ),
    );
  else if (programmed?.status !== 'True')
    results.push(
      fail(
        'routing',
        `the Gateway ${namespace}/${name} is not Programmed${programmed ? ` (${programmed.reason}: ${programmed.message})` : ' (no controller has taken it: is its gatewayClassName right?)'}`,
        `kubectl -n ${namespace} describe gateway ${name}`,
      ),
    );
  else if (!gateway.addresses.length)
    results.push(
      warn(
        'routing',
        `the Gateway ${namespace}/${name} is Programmed but has no address yet`,
        'wait for its load balancer, then look again',
      ),
    );
  else
    results.push(
      ok('routing', `the Gateway ${namespace}/${name} is Programmed at ${gateway.addresses.join(', ')}`),
    );
  const host = platform.publicUrl ? new URL(platform.publicUrl).hostname : platform.domain;
  const https = gateway.listeners.find((l) => l.name === (sectionName ?? 'https'));
  if (https?.hostname && https.hostname !== host)
    results.push(
      fail(
        'listener-host',
        `the Gateway's ${https.name} listener is for ${https.hostname}, but agents answer at ${host}`,
        'set the same host in manifests/30-tls-and-gateway.yaml (both listeners) and FLEETPLANE_DOMAIN',
      ),
    );
  return results;
}
