/**
 * What every builder of the pool's objects receives, and their shared metadata. The pool's
 * objects belong to no agent and no fleet: they are the namespace's, shared by every store that
 * deploys pooled agents there, and the control plane never deletes them (see pool.ts).
 *
 * Pure.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { POOL_LABEL, POOL_NAME } from '#agent-runtime/pool-contract';
import { MANAGED_BY, MANAGED_BY_LABEL, TARGET_LABEL } from '../agent-objects/labels.ts';
import type { PlatformSettings } from '../platform.ts';

export interface PoolInput {
  platform: PlatformSettings;
  /** The runtime image (the pool runs its second entry, agent-pool.mjs). */
  image: string;
}

/** Selects every object of the pool, and is the selector of its pods. */
export const POOL_SELECTOR = { [POOL_LABEL]: POOL_NAME };
export const POOL_SELECTOR_TEXT = `${MANAGED_BY_LABEL}=${MANAGED_BY},${POOL_LABEL}=${POOL_NAME}`;

export function poolMeta(input: PoolInput): V1ObjectMeta & { name: string; namespace: string } {
  return {
    name: POOL_NAME,
    namespace: input.platform.namespace,
    labels: {
      'app.kubernetes.io/name': 'fleetplane-pool',
      'app.kubernetes.io/component': 'pool',
      'app.kubernetes.io/part-of': 'fleetplane',
      [MANAGED_BY_LABEL]: MANAGED_BY,
      [TARGET_LABEL]: 'digitalocean',
      ...POOL_SELECTOR,
    },
  };
}
