/**
 * The ConfigMap carrying the runtime's config file (with the agent's public URL, which its A2A
 * card names). Its checksum goes onto the pod template, so a prompt or model change is a
 * rolling update, not a rebuild.
 *
 * Pure.
 */
import type { V1ConfigMap } from '@kubernetes/client-node';
import { POOLED_CONFIG_KEY } from '#agent-runtime/pool-contract';
import { runtimeConfigOf } from '../agent-spec.ts';
import { sha256Hex } from '../hash.ts';
import { agentUrl } from '../platform.ts';
import { objectNames, POOLED, TIER_LABEL } from './labels.ts';
import { basePathOf, metaOf, type RenderInput } from './render-input.ts';

export const RUNTIME_CONFIG_FILE = POOLED_CONFIG_KEY;

export function buildConfigMap(input: RenderInput): V1ConfigMap {
  const runtimeConfig = runtimeConfigOf(
    input.spec,
    basePathOf(input),
    input.platform,
    // The URL the API reports for the agent, without its trailing slash.
    agentUrl(input.platform, input.spec.name).replace(/\/+$/, ''),
  );
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metaOf(input, objectNames.configMap(input.spec.name)),
    data: { [RUNTIME_CONFIG_FILE]: `${JSON.stringify(runtimeConfig, null, 2)}\n` },
  };
}

/** Checksum of the ConfigMap's data, for the pod template annotation. */
export function configChecksum(configMap: V1ConfigMap): string {
  return sha256Hex(JSON.stringify(configMap.data ?? {}));
}

/**
 * A pooled agent's ConfigMap, its only object: the same runtime config, labelled as pooled so
 * the pool's watch loads it. The generation annotation tells the pool what it is loading.
 */
export function buildPooledConfigMap(input: RenderInput): V1ConfigMap {
  const configMap = buildConfigMap(input);
  const metadata = metaOf(input, objectNames.pooledConfig(input.spec.name));
  return {
    ...configMap,
    metadata: { ...metadata, labels: { ...metadata.labels, [TIER_LABEL]: POOLED } },
  };
}
