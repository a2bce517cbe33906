/**
 * What an agent can be asked to do, as other protocols list it: `generate` and one skill per
 * custom endpoint, each with a name, a description, the JSON Schema of its input and the way
 * from a valid input to an `AnswerRequest`. The MCP server offers them as tools and the A2A
 * card as skills, so both list exactly what the HTTP routes serve, from the same zod schemas.
 *
 * Pure: no I/O. Inputs are untrusted; `request` validates them (a 422 Problem naming each field).
 */
import { z } from 'zod';
import type { AgentRuntime } from '../agent-runtime.ts';
import type { RuntimeCustomEndpoint } from '../contract.ts';
import { validate } from '../http/read-json.ts';
import type { AnswerRequest } from './answer.ts';
import { endpointInput, endpointRequest } from './custom-endpoints.ts';
import { generateBody, generateRequest } from './generate.ts';

export interface AgentSkill {
  /** The MCP tool's name and the A2A skill's id: `generate`, or the endpoint's path (`/` as `_`). */
  name: string;
  title: string;
  description: string;
  /** JSON Schema (2020-12) of the input object. */
  inputSchema: { type: 'object'; [keyword: string]: unknown };
  /** The one field a plain text message fills (`prompt`, or an endpoint's only slot), if any. */
  textField: string | undefined;
  /** Validates `input` and turns it into a question; throws a 422 Problem naming the fields. */
  request(input: unknown): AnswerRequest;
}

const built = new WeakMap<AgentRuntime, AgentSkill[]>();

/**
 * The skills of `rt`, built on first use and then shared by the MCP server, the A2A server and
 * GET / (which asks on every request): building them turns zod schemas into JSON Schema.
 */
export function skillsOf(rt: AgentRuntime): AgentSkill[] {
  let skills = built.get(rt);
  if (!skills) {
    skills = agentSkills(rt);
    built.set(rt, skills);
  }
  return skills;
}

export function agentSkills(rt: AgentRuntime): AgentSkill[] {
  const skills: AgentSkill[] = [];
  const names = new Set<string>();
  if (rt.config.endpoints.includes('generate')) {
    const schema = generateBody(rt.config.limits.maxTokensCap).omit({ stream: true });
    names.add('generate');
    skills.push({
      name: 'generate',
      title: `Ask ${rt.config.name}`,
      description: `Generate text with the agent ${rt.config.name} (${rt.config.template}, model ${rt.config.model.id}) from a prompt, as POST /generate does.`,
      inputSchema: jsonSchemaOf(schema),
      textField: 'prompt',
      request: (input) => generateRequest(rt, validate(schema, input)),
    });
  }
  for (const endpoint of rt.config.customEndpoints) {
    const name = toolName(endpoint.path, names);
    names.add(name);
    skills.push(endpointSkill(rt, endpoint, name));
  }
  return skills;
}

function endpointSkill(rt: AgentRuntime, endpoint: RuntimeCustomEndpoint, name: string): AgentSkill {
  const schema = endpointInput(endpoint.slots, false);
  return {
    name,
    title: endpoint.description,
    description: `${endpoint.description} (${endpoint.method} /${endpoint.path} of the agent ${rt.config.name}).`,
    inputSchema: jsonSchemaOf(schema),
    textField: endpoint.slots.length === 1 ? endpoint.slots[0] : undefined,
    request: (input) => endpointRequest(rt, endpoint, validate(schema, input) as Record<string, string>),
  };
}

/**
 * An endpoint path as a tool name: MCP clients (and the models behind them) accept letters,
 * digits, `_` and `-`, so `review/code` becomes `review_code`; a name already taken (by
 * `review_code` itself) gets `_2`, `_3`, ... in config order, so every tool stays reachable.
 */
export function toolName(path: string, taken: ReadonlySet<string>): string {
  const base = path.replaceAll('/', '_');
  if (!taken.has(base)) return base;
  let n = 2;
  while (taken.has(`${base}_${n}`)) n++;
  return `${base}_${n}`;
}

function jsonSchemaOf(schema: z.ZodType): AgentSkill['inputSchema'] {
  // 2020-12 is MCP's default dialect, so `$schema` would only repeat it.
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return { ...json, type: 'object' };
}
