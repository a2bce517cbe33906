/**
 * Doctor's cluster section. As the functions' ServiceAccount (FLEETPLANE_KUBECONFIG_DATA): the
 * API server answers, and a SelfSubjectAccessReview allows every row of the control plane's
 * access table. With an admin's read access (KUBECONFIG): the admission policy, the namespaces
 * and their Pod Security level, the Secrets agents and builds read (their keys, never their
 * values), the way in (IngressClass or Gateway) and its address, cert-manager's CRDs and
 * issuer, and whether cert-manager started after the Gateway API CRDs existed.
 *
 * Reads only. The views are interfaces; cluster/kube-inspect.ts implements them.
 */
import {
  type AccessNeed,
  accessName,
  CONTROL_PLANE_ACCESS,
  CONTROL_PLANE_ADMISSION_POLICY,
  POD_SECURITY,
} from '../core/control-plane-access.ts';
import { defaultIngressNamespaces } from '../core/platform.ts';
import { type CheckResult, checksOf, messageOf } from './check.ts';
import type { DoctorSettings } from './settings-checks.ts';

export interface AccessReview {
  namespace: string;
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
}

/** The cluster as the functions see it: their own kubeconfig. */
export interface FunctionsClusterView {
  /** The API server's version (a 401 or 403 throws). */
  version(): Promise<string>;
  /** One SelfSubjectAccessReview per review: allowed or not, in order. */
  canI(reviews: AccessReview[]): Promise<boolean[]>;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface GatewayView {
  addresses: string[];
  conditions: Condition[];
  listeners: { name: string; hostname?: string }[];
  annotations: Record<string, string>;
}

export interface CertManagerController {
  namespace: string;
  name: string;
  startedAt?: Date;
  gatewayApiEnabled: boolean;
}

/** The cluster as an admin reads it (get and list only). */
export interface AdminClusterView {
  namespaceLabels(name: string): Promise<Record<string, string> | undefined>;
  /** The keys of a Secret, never its values; undefined when there is no such Secret. */
  secretKeys(namespace: string, name: string): Promise<string[] | undefined>;
  ingressClasses(): Promise<{ name: string; isDefault: boolean }[]>;
  /** Addresses of LoadBalancer Services in these namespaces (IPs or host names). */
  loadBalancerAddresses(namespaces: string[]): Promise<string[]>;
  gateway(namespace: string, name: string): Promise<GatewayView | undefined>;
  crd(name: string): Promise<{ createdAt: Date; established: boolean } | undefined>;
  clusterIssuer(name: string): Promise<{ conditions: Condition[] } | undefined>;
  admissionPolicy(name: string): Promise<{ bound: boolean } | undefined>;
  /**
   * cert-manager's controller pods, wherever they run: when their running container started
   * (undefined while it is not running), and whether its configuration enables the Gateway API.
   */
  certManagerControllers(): Promise<CertManagerController[]>;
}

export interface ClusterCheckInput {
  settings: DoctorSettings;
  functions: FunctionsClusterView;
  /** Undefined when no admin kubeconfig is at hand: those checks warn that they were skipped. */
  admin?: AdminClusterView;
}

const { ok, warn, fail } = checksOf('cluster');

const CERT_MANAGER_CRDS = ['certificates.cert-manager.io', 'clusterissuers.cert-manager.io'];
const GATEWAY_CRD = 'gateways.gateway.networking.k8s.io';
const RBAC_FIX = 'kubectl apply -f manifests/10-control-plane-rbac.yaml -f manifests/15-builds.yaml';
const conditionOf = (conditions: Condition[], type: string) => conditions.find((c) => c.type === type);

async function access(input: ClusterCheckInput): Promise<CheckResult> {
  const { platform, builds } = input.settings;
  const namespaceOf = (need: AccessNeed) =>
    need.scope === 'agents' ? platform.namespace : platform.buildNamespace;
  const needs = CONTROL_PLANE_ACCESS.filter((need) => builds || need.scope === 'agents');
  const allowed = await input.functions.canI(
    needs.map((need) => ({
      namespace: namespaceOf(need),
      group: need.group,
      resource: need.resource,
      ...(need.subresource ? { subresource: need.subresource } : {}),
      verb: need.verb,
    })),
  );
  const denied = needs.filter((_, index) => !allowed[index]);
  if (denied.length)
    return fail(
      'access',
      `the functions' ServiceAccount may not ${denied
        .map((need) => `${need.verb} ${accessName(need)} in ${namespaceOf(need)} (${need.why})`)
        .join('; ')}`,
      RBAC_FIX,
    );
  const where = builds ? `${platform.namespace} and ${platform.buildNamespace}` : platform.namespace;
  return ok(
    'access',
    `the functions' ServiceAccount may do all ${needs.length} things the control plane does in ${where}`,
  );
}

async function namespaces(input: ClusterCheckInput, admin: AdminClusterView): Promise<CheckResult[]> {
  const { platform, builds } = input.settings;
  const wanted: [string, string | undefined][] = [[platform.namespace, POD_SECURITY.agents]];
  if (builds) wanted.push([platform.buildNamespace, POD_SECURITY.builds]);
  if (platform.routing === 'gateway') wanted.push([platform.gateway.namespace, undefined]);
  const problems: string[] = [];
  for (const [name, level] of wanted) {
    const labels = await admin.namespaceLabels(name);
    if (!labels) problems.push(`${name} does not exist`);
    else if (level && labels['pod-security.kubernetes.io/enforce'] !== level)
      problems.push(
        `${name} enforces Pod Security ${labels['pod-security.kubernetes.io/enforce'] ?? '(none)'}, not ${level}`,
      );
  }
  if (problems.length)
    return [
      fail(
        'namespaces',
        problems.join('; '),
        'kubectl apply -f manifests/00-namespaces.yaml (or create the namespaces the settings name, labelled as it labels them)',
      ),
    ];
  return [
    ok(
      'namespaces',
      wanted.map(([name, level]) => (level ? `${name} (${level})` : name)).join(', ') + ' exist',
    ),
  ];
}

async function secrets(input: ClusterCheckInput, admin: AdminClusterView): Promise<CheckResult[]> {
  const { platform, builds, job } = input.settings;
  const wanted: { namespace: string; name: string; keys: string[]; fix: string }[] = [
    {
      namespace: platform.namespace,
      name: platform.providerSecret.name,
      keys: [platform.providerSecret.key],
      fix: `kubectl -n ${platform.namespace} create secret generic ${platform.providerSecret.name} --from-literal=${platform.providerSecret.key}=<your model key>`,
    },
  ];
  if (builds)
    wanted.push(
      {
        namespace: platform.buildNamespace,
        name: job.s3Secret,
        keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
        fix: `kubectl -n ${platform.buildNamespace} create secret generic ${job.s3Secret} --from-literal=AWS_ACCESS_KEY_ID=<builds key> --from-literal=AWS_SECRET_ACCESS_KEY=<builds secret>`,
      },
      {
        namespace: platform.buildNamespace,
        name: job.registrySecret,
        keys: ['.dockerconfigjson'],
        fix: `kubectl -n ${platform.buildNamespace} create secret generic ${job.registrySecret} --type=kubernetes.io/dockerconfigjson --from-file=.dockerconfigjson=docker-config.json`,
      },
    );
  if (platform.imagePullSecret)
    wanted.push({
      namespace: platform.namespace,
      name: platform.imagePullSecret,
      keys: ['.dockerconfigjson'],
      fix: `doctl kubernetes cluster registry add <cluster> (it creates ${platform.imagePullSecret} in every namespace), or unset FLEETPLANE_IMAGE_PULL_SECRET`,
    });
  const results: CheckResult[] = [];
  for (const secret of wanted) {
    const keys = await admin.secretKeys(secret.namespace, secret.name);
    const id = secret.name === platform.providerSecret.name ? 'provider-secret' : `secret.${secret.name}`;
    const missing = secret.keys.filter((key) => !keys?.includes(key));
    results.push(
      !keys
        ? fail(id, `the Secret ${secret.namespace}/${secret.name} does not exist`, secret.fix)
        : missing.length
          ? fail(
              id,
              `the Secret ${secret.namespace}/${secret.name} has no key ${missing.join(', ')}`,
              secret.fix,
            )
          : ok(id, `the Secret ${secret.namespace}/${secret.name} holds ${secret.keys.join(', ')}`),
    );
  }
  return results;
}

/** The addresses agents are reached at: the Gateway's, or the ingress controller's load balancer. */
export async function entryAddresses(settings: DoctorSettings, admin: AdminClusterView): Promise<string[]> {
  const { platform } = settings;
  if (platform.routing === 'gateway')
    return (await admin.gateway(platform.gateway.namespace, platform.gateway.name))?.addresses ?? [];
  if (platform.routing === 'ingress')
    return admin.loadBalancerAddresses(platform.ingressNamespaces ?? defaultIngressNamespaces(platform));
  return [];
}

async function routing(input: ClusterCheckInput, admin: AdminClusterView): Promise<CheckResult[]> {
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

async function certManager(input: ClusterCheckInput, admin: AdminClusterView): Promise<CheckResult[]> {
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

async function adminChecks(input: ClusterCheckInput, admin: AdminClusterView): Promise<CheckResult[]> {
  const policy = await admin.admissionPolicy(CONTROL_PLANE_ADMISSION_POLICY);
  return [
    policy?.bound
      ? ok(
          'admission-policy',
          `the ValidatingAdmissionPolicy ${CONTROL_PLANE_ADMISSION_POLICY} and its binding are installed`,
        )
      : warn(
          'admission-policy',
          policy
            ? `the ValidatingAdmissionPolicy ${CONTROL_PLANE_ADMISSION_POLICY} is installed, but no binding applies it`
            : `the ValidatingAdmissionPolicy ${CONTROL_PLANE_ADMISSION_POLICY} is not installed: nothing fences what the control plane's ServiceAccount may create`,
          'kubectl apply -f the admission policy in manifests/, when your checkout has it',
        ),
    ...(await namespaces(input, admin)),
    ...(await secrets(input, admin)),
    ...(await routing(input, admin)),
    ...(await certManager(input, admin)),
  ];
}

export async function clusterChecks(input: ClusterCheckInput): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  try {
    const version = await input.functions.version();
    results.push(ok('reachable', `the API server answers the functions' kubeconfig (Kubernetes ${version})`));
    results.push(await access(input));
  } catch (error) {
    const message = messageOf(error);
    results.push(
      fail(
        'reachable',
        `the cluster could not be used with the functions' kubeconfig: ${message}`,
        /\b401\b|Unauthorized/i.test(message)
          ? 'the token in FLEETPLANE_KUBECONFIG_DATA is refused: make it again (npx fleetplane kubeconfig --base64, with an admin KUBECONFIG)'
          : 'check FLEETPLANE_KUBECONFIG_DATA (npx fleetplane kubeconfig --base64) and that the cluster answers from here',
      ),
    );
  }
  const { admin } = input;
  if (!admin)
    return [
      ...results,
      warn(
        'admin',
        "namespaces, Secrets, routing and cert-manager were not checked: the functions' ServiceAccount may not read them",
        'give doctor a kubeconfig that may read them: KUBECONFIG=<admin kubeconfig>, or --kubeconfig <file>',
      ),
    ];
  try {
    results.push(...(await adminChecks(input, admin)));
  } catch (error) {
    results.push(
      fail(
        'admin',
        `the admin kubeconfig could not read the cluster: ${messageOf(error)}`,
        'check KUBECONFIG (or --kubeconfig): kubectl get namespaces must work with it',
      ),
    );
  }
  return results;
}
