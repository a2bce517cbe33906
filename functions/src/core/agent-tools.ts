/**
 * An agent's tools from config to runtime: defaults resolved into the spec (method, a
 * description, parameters derived from the URL's slots), then compiled into the flat form
 * the runtime reads (runtime contract `tools`, `toolLimits`): each agent tool with its
 * callee's URL, each credential as the `FLEETPLANE_TOOL_<i>_<HEADER>` variable the Deployment
 * fills from the agent's own Secret. The runtime never resolves a reference.
 *
 * Pure. WARNING: a credential appears here only as a Secret's name and key, never its value.
 */
import {
  type HTTP_TOOL_METHODS,
  type RuntimeTool,
  type RuntimeToolHeader,
  type RuntimeToolLimits,
  urlTemplateSlots,
} from '#agent-runtime/contract';
import type { AgentConfig } from './agent-config.ts';
import { type PlatformSettings, runsOnLocalServer, TOOL_LIMIT_DEFAULTS, type ToolCaps } from './platform.ts';

interface SecretRef {
  name: string;
  key: string;
}
export type ToolHeader = string | { secretRef: SecretRef; prefix?: string };

/** A tool as the spec holds it: every default resolved. */
export type SpecTool =
  | {
      type: 'http';
      name: string;
      description: string;
      method: (typeof HTTP_TOOL_METHODS)[number];
      url: string;
      parameters: { type: 'object'; [key: string]: unknown };
      headers?: Record<string, ToolHeader>;
    }
  | { type: 'mcp'; name: string; url: string; headers?: Record<string, ToolHeader>; allow?: string[] }
  | { type: 'agent'; name: string; description: string; agent: string; apiKey?: SecretRef };

export interface SpecToolLimits {
  maxSteps?: number;
  timeoutMs?: number;
  maxResultBytes?: number;
}

type ConfigTool = NonNullable<AgentConfig['tools']>[number];

export function resolveTools(tools: readonly ConfigTool[]): SpecTool[] {
  return tools.map((tool): SpecTool => {
    if (tool.type === 'agent')
      return {
        type: 'agent',
        name: tool.name,
        description: tool.description ?? `Ask the agent ${tool.agent}; its answer is the result`,
        agent: tool.agent,
        ...(tool.apiKey ? { apiKey: tool.apiKey } : {}),
      };
    if (tool.type === 'mcp') return { ...tool };
    const slots = urlTemplateSlots(tool.url);
    const method = tool.method ?? 'GET';
    return {
      ...tool,
      method,
      description: tool.description ?? `Calls ${method} ${tool.url}`,
      parameters: tool.parameters ?? {
        type: 'object',
        properties: Object.fromEntries(slots.map((slot) => [slot, { type: 'string' }])),
        required: slots,
      },
    };
  });
}

/** The variable that carries a tool's credential header into the pod. */
export const toolSecretEnv = (index: number, header: string) =>
  `FLEETPLANE_TOOL_${index}_${header.toUpperCase().replace(/-/g, '_')}`;

/** Every credential of the agent's tools: the variable, the Secret it comes from, and its field's path. */
export function toolSecretRefs(tools: readonly SpecTool[]): { env: string; ref: SecretRef; path: string }[] {
  return tools.flatMap((tool, index) => {
    if (tool.type === 'agent')
      return tool.apiKey
        ? [{ env: toolSecretEnv(index, 'authorization'), ref: tool.apiKey, path: `tools[${index}].apiKey` }]
        : [];
    return Object.entries(tool.headers ?? {}).flatMap(([header, value]) =>
      typeof value === 'string'
        ? []
        : [
            {
              env: toolSecretEnv(index, header),
              ref: value.secretRef,
              path: `tools[${index}].headers.${header}`,
            },
          ],
    );
  });
}

function runtimeHeaders(index: number, headers: Record<string, ToolHeader> | undefined): RuntimeToolHeader[] {
  return Object.entries(headers ?? {}).map(([name, value]) =>
    typeof value === 'string'
      ? { name, value }
      : { name, env: toolSecretEnv(index, name), ...(value.prefix ? { prefix: value.prefix } : {}) },
  );
}

/** Where an agent reaches another: the local server for local agents, else the callee's Service. */
export function calleeUrl(
  spec: { cloud: string },
  callee: string,
  platform: Pick<PlatformSettings, 'namespace' | 'localServer'>,
): string {
  if (runsOnLocalServer(spec, platform) && platform.localServer)
    return `${platform.localServer.url.replace(/\/+$/, '')}/${callee}`;
  return `http://${callee}.${platform.namespace}.svc/${callee}`;
}

/** A spec's tool limits with the platform's defaults and caps applied (a lowered cap clamps). */
export function toolLimitsOf(written: SpecToolLimits | undefined, caps: ToolCaps): RuntimeToolLimits {
  return {
    maxSteps: Math.min(written?.maxSteps ?? TOOL_LIMIT_DEFAULTS.maxSteps, caps.maxSteps),
    timeoutMs: Math.min(written?.timeoutMs ?? TOOL_LIMIT_DEFAULTS.timeoutMs, caps.maxTimeoutMs),
    maxResultBytes: Math.min(
      written?.maxResultBytes ?? TOOL_LIMIT_DEFAULTS.maxResultBytes,
      caps.maxResultBytes,
    ),
    maxTools: caps.maxTools,
  };
}

/** The runtime's `tools`: flat, each with only its own headers, credentials by variable name. */
export function runtimeToolsOf(
  spec: { cloud: string; tools?: readonly SpecTool[] },
  platform: Pick<PlatformSettings, 'namespace' | 'localServer'>,
): RuntimeTool[] {
  return (spec.tools ?? []).map((tool, index): RuntimeTool => {
    switch (tool.type) {
      case 'http':
        return { ...tool, headers: runtimeHeaders(index, tool.headers) };
      case 'mcp':
        return { ...tool, headers: runtimeHeaders(index, tool.headers) };
      default:
        return {
          type: 'agent',
          name: tool.name,
          description: tool.description,
          agent: tool.agent,
          url: calleeUrl(spec, tool.agent, platform),
          headers: tool.apiKey
            ? [{ name: 'authorization', env: toolSecretEnv(index, 'authorization'), prefix: 'Bearer ' }]
            : [],
        };
    }
  });
}
