/**
 * An `mcp` tool: a remote MCP server over Streamable HTTP, through the official SDK's client.
 * The agent connects and lists the server's tools when it starts (again when the server says
 * its list changed, or after a failed listing when a run needs them), offers the `allow`ed
 * ones to the model as `<name>__<tool>`, and calls them.
 *
 * What a server says is untrusted like any tool output: descriptions and schemas are bounded
 * before they reach the model, responses are read within a byte budget, an `isError` result
 * is an error result. The server's own words never reach the log (only statuses and names).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Tool as McpToolInfo } from '@modelcontextprotocol/sdk/types.js';
import { errorFields, type Logger } from '../observability/logger.ts';
import type { RuntimeMcpTool } from '../tool-contract.ts';
import { functionDefinition, type Tool, type ToolAnswer, ToolError } from './tool.ts';

const MAX_DESCRIPTION_CHARS = 1_024;
const MAX_SCHEMA_CHARS = 16_384;
/** Least time between two listings after a failure (a run asks again when it starts). */
const RELIST_AFTER_FAILURE_MS = 30_000;
const FUNCTION_NAME_CHARS = /[^A-Za-z0-9_-]/g;

export interface McpServerOptions {
  headers: Record<string, string>;
  fetch: typeof fetch;
  log: Logger;
  version: string;
  /** Most bytes one response of the server may have (a result, a tool list). */
  maxResponseBytes: number;
  /** How long connecting and listing may take. */
  timeoutMs: number;
  /** Called after every listing that changed what the server offers. */
  onChange: () => void;
}

/** The model-facing name of a server's tool: `<name>__<tool>`, within OpenAI's 64 characters. */
export const mcpFunctionName = (server: string, tool: string) =>
  `${server}__${tool.replace(FUNCTION_NAME_CHARS, '_')}`.slice(0, 64);

export class McpServer {
  readonly config: RuntimeMcpTool;
  private readonly options: McpServerOptions;
  private client: Client | undefined;
  private listing: Promise<void> | undefined;
  private failedAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  tools: Tool[] = [];

  constructor(config: RuntimeMcpTool, options: McpServerOptions) {
    this.config = config;
    this.options = options;
  }

  /** Connects and lists; never throws (a failure is logged, and retried by `refreshIfFailed`). */
  start(): Promise<void> {
    this.listing ??= this.connectAndList().finally(() => {
      this.listing = undefined;
    });
    return this.listing;
  }

  /** After a failed listing, lists again (at most every 30 s); resolves when that is done. */
  refreshIfFailed(now: number): Promise<void> | undefined {
    if (this.client || this.closed || now - this.failedAt < RELIST_AFTER_FAILURE_MS) return this.listing;
    return this.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => {});
  }

  private async connectAndList(): Promise<void> {
    try {
      const client = this.client ?? (await this.connect());
      await this.list(client);
    } catch (err) {
      this.failedAt = Date.now();
      await this.drop();
      this.options.log.warn('mcp server unavailable: its tools are not offered', {
        tool: this.config.name,
        ...reason(err),
      });
    }
  }

  private async connect(): Promise<Client> {
    const transport = new StreamableHTTPClientTransport(new URL(this.config.url), {
      requestInit: { headers: this.options.headers },
      fetch: cappedFetch(this.options.fetch, this.options.maxResponseBytes),
    });
    const client = new Client(
      { name: 'fleetplane-agent', version: this.options.version },
      {
        listChanged: {
          tools: {
            autoRefresh: false,
            onChanged: () => {
              if (this.client === client) void this.list(client).catch(() => this.start());
            },
          },
        },
      },
    );
    client.onerror = () => {};
    await client.connect(transport, { timeout: this.options.timeoutMs });
    if (this.closed) {
      await client.close();
      throw new Error('closed');
    }
    this.client = client;
    return client;
  }

  private async drop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => {});
  }

  private async list(client: Client): Promise<void> {
    const found: McpToolInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, { timeout: this.options.timeoutMs });
      found.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor && found.length < 1_000);
    const allow = this.config.allow ? new Set(this.config.allow) : undefined;
    const tools: Tool[] = [];
    for (const info of found) {
      if (allow && !allow.has(info.name)) continue;
      const schema = JSON.stringify(info.inputSchema ?? {});
      if (schema.length > MAX_SCHEMA_CHARS) {
        this.options.log.warn('mcp tool skipped: its input schema is too large', {
          tool: this.config.name,
          mcpTool: info.name.slice(0, 64),
          schemaChars: schema.length,
        });
        continue;
      }
      tools.push(this.toolOf(info));
    }
    for (const name of allow ?? [])
      if (!found.some((info) => info.name === name))
        this.options.log.warn('mcp tool in allow is not offered by the server', {
          tool: this.config.name,
          mcpTool: name,
        });
    this.tools = tools;
    this.options.log.info('mcp tools listed', {
      tool: this.config.name,
      offered: tools.length,
      listed: found.length,
    });
    this.options.onChange();
  }

  private toolOf(info: McpToolInfo): Tool {
    const name = mcpFunctionName(this.config.name, info.name);
    const description = (info.description ?? info.title ?? info.name).slice(0, MAX_DESCRIPTION_CHARS);
    const parameters = { ...(info.inputSchema as Record<string, unknown>), type: 'object' };
    return {
      kind: 'mcp',
      name,
      definition: functionDefinition(name, description, parameters),
      call: (args, ctx) => this.call(info.name, args, ctx.signal, ctx.budgetMs),
    };
  }

  private async call(
    tool: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<ToolAnswer> {
    const once = async () => {
      const client = this.client ?? (await this.connect());
      return (await client.callTool({ name: tool, arguments: args }, undefined, {
        signal,
        timeout: timeoutMs,
      })) as CallToolResult;
    };
    let result: CallToolResult;
    try {
      result = await once();
    } catch (err) {
      // The server forgot our session (it restarted): connect afresh and ask once more. The
      // call did not run there, so asking again cannot do its work twice.
      if (!(err instanceof StreamableHTTPError && err.code === 404) || signal.aborted) throw asToolError(err);
      await this.drop();
      try {
        result = await once();
      } catch (again) {
        throw asToolError(again);
      }
    }
    return { text: textOf(result), isError: result.isError === true };
  }
}

/** A result's content as text: text parts as they are, other parts named, not inlined. */
function textOf(result: CallToolResult): string {
  const parts = (result.content ?? []).map((part) => {
    switch (part.type) {
      case 'text':
        return part.text;
      case 'resource':
        return 'text' in part.resource ? part.resource.text : `[resource ${part.resource.uri} omitted]`;
      case 'resource_link':
        return `[resource link: ${part.uri}]`;
      default:
        return `[${part.type} content omitted: only text reaches the model]`;
    }
  });
  if (parts.length === 0 && result.structuredContent !== undefined)
    return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

function asToolError(err: unknown): ToolError | unknown {
  if (err instanceof StreamableHTTPError) return new ToolError(`the MCP server answered ${err.code}`);
  if (err instanceof Error && err.name === 'McpError') return new ToolError(err.message.slice(0, 500));
  return err;
}

/** What a log line may say about a failure: never the server's own words. */
function reason(err: unknown): Record<string, unknown> {
  if (err instanceof StreamableHTTPError) return { error: 'http', status: err.code };
  const { error, errorMessage } = errorFields(err) as { error: string; errorMessage?: string };
  return { error, ...(errorMessage ? { errorMessage: errorMessage.slice(0, 200) } : {}) };
}

/**
 * The transport's fetch, with each response body to a POST bounded: a server that streams
 * without end costs the agent `maxBytes`, then the request fails. The long-lived GET stream
 * of notifications is left alone (it carries only small notifications).
 */
function cappedFetch(fetchFn: typeof fetch, maxBytes: number): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const response = await fetchFn(input, init);
    if ((init?.method ?? 'GET') !== 'POST' || !response.body) return response;
    let seen = 0;
    const limit = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes)
          controller.error(new ToolError(`the MCP server answered more than ${maxBytes} bytes`));
        else controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(limit), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }) as typeof fetch;
}
