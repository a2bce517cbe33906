/**
 * The agent's tools as one set: built once from the runtime config (each tool with only its
 * own headers), MCP servers listed in the background, and the functions offered to the model
 * kept ready to send (no work per step). Names are unique and at most `maxTools` are offered;
 * at the last agent depth, agent tools are not offered at all.
 *
 * It never throws after construction: an MCP server that cannot be reached offers nothing
 * until a later listing succeeds.
 */
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import type { ResolvedRuntimeConfig } from '../contract.ts';
import type { Logger } from '../observability/logger.ts';
import { MAX_AGENT_DEPTH, type RuntimeToolLimits } from '../tool-contract.ts';
import { agentTool } from './agent-tool.ts';
import { httpTool } from './http-tool.ts';
import { McpServer } from './mcp-server.ts';
import type { Tool } from './tool.ts';
import { resolveHeaders, type ToolSecrets } from './tool-headers.ts';

export interface ToolboxOptions {
  secrets: ToolSecrets;
  fetch: typeof fetch;
  log: Logger;
  version: string;
}

/** One MCP response may be this much larger than a result: JSON escaping, schemas, envelope. */
const mcpResponseBytes = (maxResultBytes: number) => maxResultBytes * 6 + 1_048_576;

export class Toolbox {
  readonly limits: RuntimeToolLimits;
  private readonly log: Logger;
  /** Tools and MCP servers in config order (an MCP server stands for the tools it lists). */
  private readonly entries: (Tool | McpServer)[];
  private byName = new Map<string, Tool>();
  private all: ChatCompletionFunctionTool[] = [];
  private withoutAgents: ChatCompletionFunctionTool[] = [];

  constructor(config: ResolvedRuntimeConfig, options: ToolboxOptions) {
    this.limits = config.toolLimits;
    this.log = options.log;
    const userAgent = `fleetplane-agent/${options.version} (${config.name})`;
    this.entries = config.tools.map((tool) => {
      const headers = resolveHeaders(tool.name, tool.headers, options.secrets, options.log);
      switch (tool.type) {
        case 'http':
          return httpTool(tool, headers, options.fetch, userAgent);
        case 'agent':
          return agentTool(tool, headers, options.fetch, config.name);
        default:
          return new McpServer(tool, {
            headers,
            fetch: options.fetch,
            log: options.log,
            version: options.version,
            maxResponseBytes: mcpResponseBytes(this.limits.maxResultBytes),
            timeoutMs: this.limits.timeoutMs,
            onChange: () => this.rebuild(),
          });
      }
    });
    this.rebuild();
    for (const server of this.servers()) void server.start();
  }

  /** The tool the model named, if it is offered. */
  find(name: string): Tool | undefined {
    return this.byName.get(name);
  }

  /** The functions to offer the model at this agent depth (the same array while nothing changes). */
  definitions(depth: number): ChatCompletionFunctionTool[] {
    return depth >= MAX_AGENT_DEPTH ? this.withoutAgents : this.all;
  }

  /**
   * Before a run: waits (at most `withinMs`) for MCP listings in progress, and lists again a
   * server whose last listing failed, so a run sees every tool that can be had.
   */
  async ready(withinMs: number): Promise<void> {
    const now = Date.now();
    const pending = this.servers()
      .map((server) => server.refreshIfFailed(now))
      .filter((listing) => listing !== undefined);
    if (pending.length === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(pending),
      new Promise((resolve) => {
        timer = setTimeout(resolve, Math.max(0, withinMs));
      }),
    ]);
    clearTimeout(timer);
  }

  /** What GET / says: each configured tool and the functions it offers the model now. */
  describe(): { name: string; type: string; offered: string[] }[] {
    return this.entries.map((entry) =>
      entry instanceof McpServer
        ? {
            name: entry.config.name,
            type: 'mcp',
            offered: entry.tools.map((tool) => tool.name).filter((name) => this.byName.has(name)),
          }
        : { name: entry.name, type: entry.kind, offered: this.byName.has(entry.name) ? [entry.name] : [] },
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.servers().map((server) => server.close()));
  }

  private servers(): McpServer[] {
    return this.entries.filter((entry): entry is McpServer => entry instanceof McpServer);
  }

  private rebuild(): void {
    const tools = this.entries.flatMap((entry) => (entry instanceof McpServer ? entry.tools : [entry]));
    const byName = new Map<string, Tool>();
    for (const tool of tools) {
      if (byName.has(tool.name)) {
        this.log.warn('tool skipped: another tool has its name', { tool: tool.name });
        continue;
      }
      if (byName.size === this.limits.maxTools) {
        this.log.warn('tools skipped: the agent offers at most maxTools', {
          maxTools: this.limits.maxTools,
          skipped: tools.length - tools.indexOf(tool),
        });
        break;
      }
      byName.set(tool.name, tool);
    }
    this.byName = byName;
    this.all = [...byName.values()].map((tool) => tool.definition);
    this.withoutAgents = [...byName.values()].filter((t) => t.kind !== 'agent').map((t) => t.definition);
  }
}
