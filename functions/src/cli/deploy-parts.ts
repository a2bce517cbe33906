/**
 * A batch larger than one request may carry goes to POST /deploy in parts, in order: at most
 * MAX_AGENTS_PER_REQUEST agents and at most what DigitalOcean accepts (720 KiB of JSON; its
 * 1 MB includes base64 encoding) each, the smaller limit, so the same file deploys anywhere.
 * Field errors of a part name the agent by its place in the whole file.
 *
 * Pure: sizes and indices only; the verb sends the parts.
 */
import { DIGITALOCEAN_LIMITS, MAX_AGENTS_PER_REQUEST, sizeText } from '../core/request-limits.ts';
import { InputError } from './errors.ts';

export interface PartLimits {
  maxAgents: number;
  maxBytes: number;
}

export const PART_LIMITS: PartLimits = {
  maxAgents: MAX_AGENTS_PER_REQUEST,
  maxBytes: DIGITALOCEAN_LIMITS.maxDeployBodyBytes,
};

export interface DeployPart {
  /** Index of the part's first agent in the whole batch. */
  first: number;
  agents: unknown[];
}

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** Splits a batch's agents, greedily and in order, into parts that each fit one request. */
export function deployParts(agents: unknown[], limits: PartLimits = PART_LIMITS): DeployPart[] {
  const envelope = bytesOf({ agents: [] });
  const parts: DeployPart[] = [];
  let current: DeployPart | undefined;
  let bytes = 0;
  agents.forEach((agent, index) => {
    const size = bytesOf(agent);
    if (envelope + size > limits.maxBytes)
      throw new InputError(
        `agents[${index}] alone is ${size} bytes of JSON, over the ${sizeText(limits.maxBytes)} one request may carry on DigitalOcean`,
      );
    const separator = current?.agents.length ? 1 : 0;
    if (!current || current.agents.length >= limits.maxAgents || bytes + separator + size > limits.maxBytes) {
      current = { first: index, agents: [] };
      parts.push(current);
      bytes = envelope;
    }
    bytes += (current.agents.length ? 1 : 0) + size;
    current.agents.push(agent);
  });
  return parts;
}

/** `agents[3].name` of a part that starts at agent 50 is `agents[53].name` of the file. */
export function inWholeBatch<T extends { path: string }>(errors: readonly T[], first: number): T[] {
  return errors.map((error) => ({
    ...error,
    path: error.path.replace(/^agents\[(\d+)\]/, (_, index: string) => `agents[${first + Number(index)}]`),
  }));
}
