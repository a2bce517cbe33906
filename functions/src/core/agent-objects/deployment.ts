/**
 * The agent's Deployment, with secure defaults baked in: non-root, read-only root
 * filesystem, all capabilities dropped, seccomp RuntimeDefault, no service-account token,
 * requests and limits, startup/liveness/readiness probes on the runtime's own paths.
 *
 * Pure. WARNING: with autoscale on, `replicas` is left out on purpose: the HPA owns it, and a
 * server-side apply that set it would fight the HPA on every reconcile.
 */
import type { V1Deployment, V1EnvVar } from '@kubernetes/client-node';
import {
  AGENT_API_KEY_HASHES_ENV,
  RUNTIME_CONFIG_ENV,
  RUNTIME_CONFIG_PATH,
  RUNTIME_PORT,
} from '../../../../agent-runtime/src/contract.ts';
import { CONFIG_CHECKSUM_ANNOTATION, objectNames, podSelector } from './labels.ts';
import { basePathOf, metaOf, type RenderInput } from './render-input.ts';

/** UID/GID of the `node` user in the official Node images. */
export const RUNTIME_UID = 1000;
const CONFIG_DIR = RUNTIME_CONFIG_PATH.slice(0, RUNTIME_CONFIG_PATH.lastIndexOf('/'));

function envOf(input: RenderInput): V1EnvVar[] {
  const { spec, platform } = input;
  const env: V1EnvVar[] = [
    { name: RUNTIME_CONFIG_ENV, value: RUNTIME_CONFIG_PATH },
    { name: 'PORT', value: String(RUNTIME_PORT) },
    { name: 'NODE_ENV', value: 'production' },
    {
      name: 'OPENAI_API_KEY',
      valueFrom: { secretKeyRef: { name: platform.providerSecret.name, key: platform.providerSecret.key } },
    },
  ];
  const userSetsBaseUrl = spec.env.some((item) => item.name === 'OPENAI_BASE_URL');
  if (platform.openaiBaseUrl && !userSetsBaseUrl)
    env.push({ name: 'OPENAI_BASE_URL', value: platform.openaiBaseUrl });
  if (spec.apiKeyHashes)
    env.push({
      name: AGENT_API_KEY_HASHES_ENV,
      valueFrom: { secretKeyRef: { name: spec.apiKeyHashes.name, key: spec.apiKeyHashes.key } },
    });
  for (const item of spec.env)
    env.push(
      item.secretRef
        ? {
            name: item.name,
            valueFrom: { secretKeyRef: { name: item.secretRef.name, key: item.secretRef.key } },
          }
        : { name: item.name, value: item.value ?? '' },
    );
  return env;
}

export function buildDeployment(input: RenderInput, configChecksum: string): V1Deployment {
  const { spec, platform } = input;
  const meta = metaOf(input, objectNames.workload(spec.name));
  const basePath = basePathOf(input);
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path: `${basePath}${path}`, port: 'http' },
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 2,
  });
  const replicas = spec.scaling.autoscale ? {} : { replicas: spec.scaling.replicas };
  const spread = spec.scaling.autoscale || spec.scaling.replicas > 1;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta,
    spec: {
      ...replicas,
      selector: { matchLabels: podSelector(spec.name) },
      revisionHistoryLimit: 3,
      progressDeadlineSeconds: 300,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      template: {
        metadata: { labels: meta.labels, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: configChecksum } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          ...(platform.imagePullSecret ? { imagePullSecrets: [{ name: platform.imagePullSecret }] } : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUNTIME_UID,
            runAsGroup: RUNTIME_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          ...(spread
            ? {
                topologySpreadConstraints: [
                  {
                    maxSkew: 1,
                    topologyKey: 'kubernetes.io/hostname',
                    whenUnsatisfiable: 'ScheduleAnyway',
                    labelSelector: { matchLabels: podSelector(spec.name) },
                  },
                ],
              }
            : {}),
          containers: [
            {
              name: 'agent',
              image: input.image,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: RUNTIME_PORT, protocol: 'TCP' }],
              env: envOf(input),
              resources: { requests: { ...spec.resources.requests }, limits: { ...spec.resources.limits } },
              startupProbe: probe('/health', 2, 30),
              livenessProbe: probe('/health', 10, 3),
              readinessProbe: probe('/ready', 5, 2),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: objectNames.configMap(spec.name) } },
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
          ],
        },
      },
    },
  };
}
