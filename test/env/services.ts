/**
 * The command line of every service, from one layout (ports, directories, certificates).
 * Flags follow controller-runtime's envtest and kwokctl, trimmed for a 2-core machine.
 * Must never bind anything but 127.0.0.1, and never start a controller the tests do not need.
 */
import { join } from 'node:path';
import { basicAuthorization } from './registry-auth.ts';
import type { RegistryAuth, ServiceName, ServiceRecord } from './types.ts';
import type { Artefacts } from './versions.ts';

export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
  minio: number;
  minioConsole: number;
  registry: number;
}

export interface Layout {
  dir: string;
  logs: string;
  ports: Ports;
  bin: Artefacts;
  stagesFile: string;
  /** kwok config with the ClusterLogs that make kwok serve container logs (kwokLogsConfigYaml). */
  kwokLogsConfig: string;
  registryConfig: string;
  pki: {
    caCert: string;
    servingCert: string;
    servingKey: string;
    kwokCert: string;
    kwokKey: string;
    saKey: string;
    saPub: string;
  };
  kubeconfigs: { admin: string; controllerManager: string; scheduler: string };
  minioCredentials: { user: string; password: string };
  /** The registry's htpasswd user; its health check authenticates as it. */
  registryAuth: RegistryAuth;
}

export const SERVICE_ORDER: ServiceName[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'minio',
  'registry',
];

/** Controllers the control plane's behaviour depends on; the rest stay off to save CPU. */
const CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'job-controller',
  'cronjob-controller',
  'ttl-after-finished-controller',
  'horizontal-pod-autoscaler-controller',
  'disruption-controller',
  'namespace-controller',
  'garbage-collector-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'endpointslice-controller',
  'resourcequota-controller',
  'pod-garbage-collector-controller',
  // Fills the built-in admin/edit/view ClusterRoles, which RBAC for the control plane may bind.
  'clusterrole-aggregation-controller',
];

/** distribution v3 exports OpenTelemetry traces to localhost:4318 by default. */
export const REGISTRY_ENV = { OTEL_TRACES_EXPORTER: 'none', OTEL_SDK_DISABLED: 'true' };

const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node=fake';

export function serviceRecords(l: Layout): Record<ServiceName, ServiceRecord> {
  const loop = '127.0.0.1';
  const log = (name: ServiceName) => join(l.logs, `${name}.log`);
  const etcdUrl = `http://${loop}:${l.ports.etcdClient}`;
  const peerUrl = `http://${loop}:${l.ports.etcdPeer}`;
  const componentFlags = (kubeconfig: string, port: number) => [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    `--bind-address=${loop}`,
    `--secure-port=${port}`,
    '--leader-elect=false',
    '--v=1',
  ];
  return {
    etcd: {
      name: 'etcd',
      argv: [
        l.bin.etcd,
        '--name=default',
        `--data-dir=${join(l.dir, 'etcd-data')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      env: {},
      log: log('etcd'),
      health: { url: `${etcdUrl}/health` },
      pid: null,
    },
    'kube-apiserver': {
      name: 'kube-apiserver',
      argv: [
        l.bin.kubeApiserver,
        `--etcd-servers=${etcdUrl}`,
        `--bind-address=${loop}`,
        `--advertise-address=${loop}`,
        `--secure-port=${l.ports.apiserver}`,
        `--tls-cert-file=${l.pki.servingCert}`,
        `--tls-private-key-file=${l.pki.servingKey}`,
        `--client-ca-file=${l.pki.caCert}`,
        '--authorization-mode=Node,RBAC',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${l.pki.saPub}`,
        `--service-account-signing-key-file=${l.pki.saKey}`,
        '--allow-privileged=true',
        // Nothing routes to the kubernetes Service from here; skip maintaining its endpoints.
        '--endpoint-reconciler-type=none',
        // TaintNodesByCondition taints new nodes not-ready until node-lifecycle-controller lifts it;
        // kwok nodes have no kubelet leases for that controller, so neither runs.
        '--disable-admission-plugins=TaintNodesByCondition',
        '--profiling=false',
        // pods/log goes to the node's kubelet, here kwok: dial the InternalIP kwok advertises
        // (127.0.0.1; the Hostname does not resolve) on its daemonEndpoints port, and verify kwok's
        // certificate against our CA.
        '--kubelet-preferred-address-types=InternalIP',
        `--kubelet-certificate-authority=${l.pki.caCert}`,
        '--v=1',
      ],
      env: {},
      log: log('kube-apiserver'),
      health: { url: `https://${loop}:${l.ports.apiserver}/readyz`, tls: 'admin' },
      pid: null,
    },
    'kube-controller-manager': {
      name: 'kube-controller-manager',
      argv: [
        l.bin.kubeControllerManager,
        ...componentFlags(l.kubeconfigs.controllerManager, l.ports.controllerManager),
        `--controllers=${CONTROLLERS.join(',')}`,
        `--service-account-private-key-file=${l.pki.saKey}`,
        `--root-ca-file=${l.pki.caCert}`,
        // Each controller acts with its own service account, so RBAC is exercised as in a real cluster.
        '--use-service-account-credentials=true',
        '--service-cluster-ip-range=10.0.0.0/24',
      ],
      env: {},
      log: log('kube-controller-manager'),
      health: { url: `https://${loop}:${l.ports.controllerManager}/healthz`, tls: 'insecure' },
      pid: null,
    },
    'kube-scheduler': {
      name: 'kube-scheduler',
      argv: [l.bin.kubeScheduler, ...componentFlags(l.kubeconfigs.scheduler, l.ports.scheduler)],
      env: {},
      log: log('kube-scheduler'),
      health: { url: `https://${loop}:${l.ports.scheduler}/healthz`, tls: 'insecure' },
      pid: null,
    },
    kwok: {
      name: 'kwok',
      argv: [
        l.bin.kwok,
        `--kubeconfig=${l.kubeconfigs.admin}`,
        `--config=${l.stagesFile}`,
        `--config=${l.kwokLogsConfig}`,
        '--manage-all-nodes=false',
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}`,
        '--cidr=10.244.0.0/16',
        // kwok is the nodes' kubelet server: nodes advertise 127.0.0.1 and this port (node-initialize
        // stage), and kwok answers /containerLogs there over TLS (plain HTTP too, for /healthz).
        `--node-ip=${loop}`,
        `--node-port=${l.ports.kwok}`,
        `--server-address=${loop}:${l.ports.kwok}`,
        `--tls-cert-file=${l.pki.kwokCert}`,
        `--tls-private-key-file=${l.pki.kwokKey}`,
      ],
      // WARNING: kwok also loads ~/.kwok/kwok.yaml when present; HOME points into the state dir.
      env: {},
      log: log('kwok'),
      health: { url: `http://${loop}:${l.ports.kwok}/healthz` },
      pid: null,
    },
    minio: {
      name: 'minio',
      argv: [
        l.bin.minio,
        'server',
        join(l.dir, 'minio-data'),
        `--address=${loop}:${l.ports.minio}`,
        `--console-address=${loop}:${l.ports.minioConsole}`,
        `--certs-dir=${join(l.dir, 'minio-certs')}`,
        '--quiet',
      ],
      env: {
        MINIO_ROOT_USER: l.minioCredentials.user,
        MINIO_ROOT_PASSWORD: l.minioCredentials.password,
        MINIO_BROWSER: 'off',
        MINIO_UPDATE: 'off',
      },
      log: log('minio'),
      health: { url: `http://${loop}:${l.ports.minio}/minio/health/live` },
      pid: null,
    },
    registry: {
      name: 'registry',
      argv: [l.bin.registry, 'serve', l.registryConfig],
      env: REGISTRY_ENV,
      log: log('registry'),
      // /v2/ answers 401 without credentials: a 200 proves the htpasswd file was loaded.
      health: {
        url: `http://${loop}:${l.ports.registry}/v2/`,
        authorization: basicAuthorization(l.registryAuth),
      },
      pid: null,
    },
  };
}

/** CRI log format, which kwok reads: `<time> <stream> F <line>`. */
function criLines(lines: { time: string; stream: 'stdout' | 'stderr'; text: string }[]): string {
  return lines.map((line) => `${line.time} ${line.stream} F ${line.text}\n`).join('');
}

/** What every container in the agents namespace "printed": JSON lines like the agent runtime's logger. */
export function agentLogFile(writtenAt: Date): string {
  const t = (ms: number) => new Date(writtenAt.getTime() - 3000 + ms).toISOString();
  const lines = [
    { time: t(0), level: 'info', msg: 'listening', host: '0.0.0.0', port: 8080, version: 'testenv' },
    { time: t(1500), level: 'info', msg: 'request', method: 'GET', path: '/health', status: 200, ms: 1 },
    { time: t(3000), level: 'info', msg: 'request', method: 'POST', path: '/generate', status: 200, ms: 42 },
  ];
  return criLines(lines.map((line) => ({ time: line.time, stream: 'stdout', text: JSON.stringify(line) })));
}

/**
 * What every container in the builds namespace "printed": Kaniko's logrus lines (on stderr) for a
 * two-step Dockerfile. One file serves every build pod, successful or not (kwok picks logs by
 * namespace, not by image tag), so it stops before the push, where a real log would diverge.
 */
export function buildLogFile(writtenAt: Date): string {
  const t = (ms: number) => new Date(writtenAt.getTime() - 4000 + ms).toISOString();
  const steps = [
    'Retrieving image manifest node:24-slim',
    'Retrieving image node:24-slim from registry index.docker.io',
    'Built cross stage deps: map[]',
    'Executing 0 build triggers',
    "Building stage 'node:24-slim' [idx: '0', base-idx: '-1']",
    'Unpacking rootfs as cmd COPY runtime.mjs /app/runtime.mjs requires it.',
    'COPY runtime.mjs /app/runtime.mjs',
    'Taking snapshot of files...',
    'USER 1000',
    'ENTRYPOINT ["node", "/app/runtime.mjs"]',
  ];
  return criLines(
    steps.map((step, i) => ({
      time: t(i * 400),
      stream: 'stderr',
      text: `INFO[${String(i).padStart(4, '0')}] ${step}`,
    })),
  );
}

/** kwok serves each file as the log of every container of every pod in its namespace. */
export function kwokLogsConfigYaml(logs: { namespace: string; file: string }[]): string {
  return logs
    .map(
      ({ namespace, file }) => `apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: ${namespace}-containers
spec:
  selector:
    matchNamespaces: [${JSON.stringify(namespace)}]
  logs:
    - logsFile: ${JSON.stringify(file)}
      previousLogsFile: ${JSON.stringify(file)}
`,
    )
    .join('---\n');
}

/** How a registry authenticates: htpasswd basic auth, or the token flow of the distribution spec. */
export type RegistryAuthConfig =
  | { htpasswd: string }
  | { token: { realm: string; service: string; issuer: string; jwks: string } };

function registryAuthYaml(auth: RegistryAuthConfig | null): string {
  if (!auth) return '';
  if ('htpasswd' in auth)
    return `auth:
  htpasswd:
    realm: fleetplane-test-registry
    path: ${JSON.stringify(auth.htpasswd)}
`;
  // jwks instead of a rootcertbundle: the token issuer's key goes in by its `kid`, no X.509 needed.
  return `auth:
  token:
    realm: ${JSON.stringify(auth.token.realm)}
    service: ${JSON.stringify(auth.token.service)}
    issuer: ${JSON.stringify(auth.token.issuer)}
    jwks: ${JSON.stringify(auth.token.jwks)}
`;
}

/** A plain-HTTP registry on loopback; `auth` null leaves it open. */
export function registryConfigYaml(dataDir: string, port: number, auth: RegistryAuthConfig | null): string {
  const authYaml = registryAuthYaml(auth);
  return `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${dataDir}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
${authYaml}`;
}
