/**
 * The agent's Deployment, with secure defaults baked in: non-root, read-only root
 * filesystem, all capabilities dropped, seccomp RuntimeDefault, no service-account token,
 * requests and limits, startup/liveness/readiness probes on the runtime's own paths.
 *
 * The model provider's env pairs OPENAI_API_KEY with OPENAI_BASE_URL so that the platform's
 * key only ever goes with one of the platform's base URLs (its own, or one it allow-lists);
 * any other base URL goes with the agent's own key or with none.
 *
 * Pure. WARNING: with autoscale on, `replicas` is left out on purpose: the HPA owns it, and a
 * server-side apply that set it would fight the HPA on every reconcile.
 * WARNING: every env value is rendered literal (`$` as `$$`, kubernetes-literal.ts): Kubernetes
 * expands `$(NAME)` in env values, and a config's text must never reach another variable.
 * WARNING: the rules of a config are enforced again here, not only at validation: a spec
 * stored before a rule existed (then re-applied by the sweep or a rollback) must not render
 * a reserved name, another agent's Secret or the platform's key beside a foreign base URL.
 */
import type { V1Deployment, V1EnvVar } from '@kubernetes/client-node';
import {
  AGENT_API_KEY_HASHES_ENV,
  CORS_ORIGINS_ENV,
  RUNTIME_CONFIG_ENV,
  RUNTIME_CONFIG_PATH,
  RUNTIME_PORT,
  TRUSTED_PROXIES_ENV,
} from '#agent-runtime/contract';
import { type AgentPolicy, agentPolicyOf, mayReference, platformKeyMayGoTo } from '../agent-policy.ts';
import type { AgentSpec } from '../agent-spec.ts';
import { toolSecretRefs } from '../agent-tools.ts';
import type { PlatformSettings } from '../platform.ts';
import { reservedEnvRule } from '../reserved-env.ts';
import { literalContainer } from './kubernetes-literal.ts';
import { CONFIG_CHECKSUM_ANNOTATION, objectNames, podSelector } from './labels.ts';
import { basePathOf, metaOf, type RenderInput } from './render-input.ts';
import { callerLabels } from './tool-network-rules.ts';

/** UID/GID of the `node` user in the official Node images. */
export const RUNTIME_UID = 1000;
const CONFIG_DIR = RUNTIME_CONFIG_PATH.slice(0, RUNTIME_CONFIG_PATH.lastIndexOf('/'));

/** The pod's hardening, shared with the pool's pods: non-root as the image's `node` user, seccomp. */
export const podSecurity = () => ({
  runAsNonRoot: true,
  runAsUser: RUNTIME_UID,
  runAsGroup: RUNTIME_UID,
  seccompProfile: { type: 'RuntimeDefault' },
});

/** The container's hardening, shared with the pool's: no privilege, read-only root, no capabilities. */
export const containerSecurity = () => ({
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
});

const fromSecret = (name: string, ref: { name: string; key: string }): V1EnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } },
});

/** OPENAI_API_KEY and OPENAI_BASE_URL: the platform's key only beside one of the platform's base URLs. */
function providerEnv(spec: AgentSpec, platform: PlatformSettings, policy: AgentPolicy): V1EnvVar[] {
  const provider = spec.provider;
  const ownKey =
    provider?.apiKey && mayReference(policy, spec.name, provider.apiKey.name) ? provider.apiKey : undefined;
  const baseUrl = provider?.baseUrl ?? platform.openaiBaseUrl;
  const platformKeyFits = !provider?.baseUrl || platformKeyMayGoTo(policy, provider.baseUrl);
  // Neither the agent's own key nor a base URL of the platform's: no key at all (fail closed).
  const key = ownKey ?? (platformKeyFits ? platform.providerSecret : undefined);
  return [
    ...(key ? [fromSecret('OPENAI_API_KEY', key)] : []),
    ...(baseUrl ? [{ name: 'OPENAI_BASE_URL', value: baseUrl }] : []),
  ];
}

function envOf(input: RenderInput): V1EnvVar[] {
  const { spec, platform } = input;
  const policy = agentPolicyOf(platform);
  const env: V1EnvVar[] = [
    { name: RUNTIME_CONFIG_ENV, value: RUNTIME_CONFIG_PATH },
    { name: 'PORT', value: String(RUNTIME_PORT) },
    { name: 'NODE_ENV', value: 'production' },
    ...providerEnv(spec, platform, policy),
    // Whose X-Forwarded-For the agent believes: the ingress or gateway controller's pods only.
    ...(platform.agentCaps.trustedProxies.length
      ? [{ name: TRUSTED_PROXIES_ENV, value: platform.agentCaps.trustedProxies.join(',') }]
      : []),
    // Pages of the platform's console (its playground) may call the agent; no other origin.
    ...(platform.consoleOrigin ? [{ name: CORS_ORIGINS_ENV, value: platform.consoleOrigin }] : []),
  ];
  if (spec.apiKeyHashes && mayReference(policy, spec.name, spec.apiKeyHashes.name))
    env.push(fromSecret(AGENT_API_KEY_HASHES_ENV, spec.apiKeyHashes));
  for (const item of spec.env) {
    if (reservedEnvRule(item.name)) continue;
    if (item.secretRef) {
      if (mayReference(policy, spec.name, item.secretRef.name))
        env.push(fromSecret(item.name, item.secretRef));
    } else env.push({ name: item.name, value: item.value ?? '' });
  }
  // Tool credentials: each from one of the agent's own Secrets, read by that tool alone.
  for (const { env: name, ref } of toolSecretRefs(spec.tools ?? []))
    if (mayReference(policy, spec.name, ref.name)) env.push(fromSecret(name, ref));
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
        metadata: {
          // A caller's pods carry one label per agent it calls, which that agent's policy admits.
          labels: { ...meta.labels, ...callerLabels(spec) },
          annotations: { [CONFIG_CHECKSUM_ANNOTATION]: configChecksum },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          ...(platform.imagePullSecret ? { imagePullSecrets: [{ name: platform.imagePullSecret }] } : {}),
          securityContext: podSecurity(),
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
          // Literal: Kubernetes must never expand a config's `$(OPENAI_API_KEY)` into the key.
          containers: [
            literalContainer({
              name: 'agent',
              image: input.image,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: RUNTIME_PORT, protocol: 'TCP' }],
              env: envOf(input),
              resources: { requests: { ...spec.resources.requests }, limits: { ...spec.resources.limits } },
              startupProbe: probe('/health', 2, 30),
              livenessProbe: probe('/health', 10, 3),
              readinessProbe: probe('/ready', 5, 2),
              securityContext: containerSecurity(),
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            }),
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
