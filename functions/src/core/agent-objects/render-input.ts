/**
 * What every builder receives: the resolved spec, the image to run, the platform settings
 * and the generation being applied, plus the shared metadata helper.
 *
 * Pure.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { AgentSpec } from '../agent-spec.ts';
import type { PlatformSettings } from '../platform.ts';
import {
  agentLabels,
  GENERATION_ANNOTATION,
  INCARNATION_ANNOTATION,
  SPEC_HASH_ANNOTATION,
} from './labels.ts';

export interface RenderInput {
  spec: AgentSpec;
  /** Full image reference, ideally by digest or content-addressed tag. */
  image: string;
  platform: PlatformSettings;
  generation: number;
  specHash: string;
  /** The fleet (store) the objects belong to; unset for a plain `fleetplane render`. */
  fleet?: string;
  /** The incarnation of the agent name being applied. */
  incarnation?: string;
}

/** Metadata of one of the agent's objects: name, namespace, labels, generation annotations. */
export function metaOf(input: RenderInput, name: string): V1ObjectMeta & { name: string; namespace: string } {
  return {
    name,
    namespace: input.platform.namespace,
    labels: agentLabels(input.spec.name, input.spec.template, input.spec.cloud.toLowerCase(), input.fleet),
    annotations: {
      [GENERATION_ANNOTATION]: String(input.generation),
      [SPEC_HASH_ANNOTATION]: input.specHash,
      ...(input.incarnation ? { [INCARNATION_ANNOTATION]: input.incarnation } : {}),
    },
  };
}

/** The agent's public base path; the runtime serves under it, so no rewrite is needed. */
export const basePathOf = (input: RenderInput) => `/${input.spec.name}`;
