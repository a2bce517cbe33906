/**
 * The pool's Deployment: the agent image's second entry (`node /app/agent-pool.mjs`), with the
 * same hardening as an agent's pod, the platform's provider key and base URL (the only Secret its
 * pods get), its pod's name and uid from the downward API (what its report Leases are named and
 * owned by), and its own ServiceAccount, which manifests/13-pool-rbac.yaml creates with the
 * least RBAC that watching ConfigMaps and writing its Leases needs. The HPA owns `replicas`.
 *
 * Pure.
 */
import type { V1Deployment, V1EnvVar } from '@kubernetes/client-node';
import { CORS_ORIGINS_ENV, RUNTIME_PORT, TRUSTED_PROXIES_ENV } from '#agent-runtime/contract';
import { POOL_NAME, POOL_NODE_FLAGS, POOL_PATHS } from '#agent-runtime/pool-contract';
import { containerSecurity, podSecurity } from '../agent-objects/deployment.ts';
import { literalContainer } from '../agent-objects/kubernetes-literal.ts';
import { formatCpu, formatMemory, parseQuantity } from '../quantity.ts';
import { POOL_SELECTOR, type PoolInput, poolMeta } from './pool-input.ts';

/** The pool's entry in the agent image (build-jobs/Dockerfile copies it there), with its Node flags. */
export const POOL_COMMAND = ['node', ...POOL_NODE_FLAGS, '/app/agent-pool.mjs'];
/** The ServiceAccount manifests/13-pool-rbac.yaml creates for the pool. */
export const POOL_SERVICE_ACCOUNT = POOL_NAME;

const fromPod = (name: string, fieldPath: string): V1EnvVar => ({
  name,
  valueFrom: { fieldRef: { fieldPath } },
});

function envOf({ platform }: PoolInput): V1EnvVar[] {
  return [
    { name: 'FLEETPLANE_POOL_SOURCE', value: 'kubernetes' },
    fromPod('FLEETPLANE_NAMESPACE', 'metadata.namespace'),
    fromPod('POD_NAME', 'metadata.name'),
    fromPod('POD_UID', 'metadata.uid'),
    { name: 'PORT', value: String(RUNTIME_PORT) },
    { name: 'NODE_ENV', value: 'production' },
    { name: 'FLEETPLANE_POOL_AGENT_CONCURRENCY', value: String(platform.pool.perAgentConcurrency) },
    {
      name: 'OPENAI_API_KEY',
      valueFrom: { secretKeyRef: { name: platform.providerSecret.name, key: platform.providerSecret.key } },
    },
    ...(platform.openaiBaseUrl ? [{ name: 'OPENAI_BASE_URL', value: platform.openaiBaseUrl }] : []),
    ...(platform.agentCaps.trustedProxies.length
      ? [{ name: TRUSTED_PROXIES_ENV, value: platform.agentCaps.trustedProxies.join(',') }]
      : []),
    ...(platform.consoleOrigin ? [{ name: CORS_ORIGINS_ENV, value: platform.consoleOrigin }] : []),
  ];
}

export function buildPoolDeployment(input: PoolInput): V1Deployment {
  const { platform } = input;
  const { cpu, memory } = platform.pool;
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: 'http' },
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 2,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: poolMeta(input),
    spec: {
      selector: { matchLabels: POOL_SELECTOR },
      revisionHistoryLimit: 3,
      progressDeadlineSeconds: 300,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      template: {
        metadata: { labels: poolMeta(input).labels },
        spec: {
          serviceAccountName: POOL_SERVICE_ACCOUNT,
          // The pool watches ConfigMaps and writes its Leases with this token (and only this).
          automountServiceAccountToken: true,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          ...(platform.imagePullSecret ? { imagePullSecrets: [{ name: platform.imagePullSecret }] } : {}),
          securityContext: podSecurity(),
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: POOL_SELECTOR },
            },
          ],
          // Literal, as an agent's: no value here is ever expanded by Kubernetes.
          containers: [
            literalContainer({
              name: 'pool',
              image: input.image,
              imagePullPolicy: 'IfNotPresent',
              command: [...POOL_COMMAND],
              ports: [{ name: 'http', containerPort: RUNTIME_PORT, protocol: 'TCP' }],
              env: envOf(input),
              resources: {
                requests: { cpu, memory },
                limits: {
                  cpu: formatCpu((parseQuantity(cpu) as number) * 2),
                  memory: formatMemory((parseQuantity(memory) as number) * 2),
                },
              },
              startupProbe: probe(POOL_PATHS.health, 2, 30),
              livenessProbe: probe(POOL_PATHS.health, 10, 3),
              readinessProbe: probe(POOL_PATHS.ready, 5, 2),
              securityContext: containerSecurity(),
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            }),
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
        },
      },
    },
  };
}
