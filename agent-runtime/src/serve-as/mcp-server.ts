/**
 * The agent's MCP server (mounted by mcp.ts, loaded on the first request): Streamable HTTP
 * through the official SDK's web-standard transport, stateless (a fresh server and transport
 * per request, nothing kept between requests, so any replica answers any request), answering
 * JSON rather than SSE.
 *
 * Its tools are the agent's skills (routes/agent-skills.ts): `generate` and one per custom endpoint.
 * A call goes through the answer seam (routes/answer.ts) like the HTTP routes; bad arguments
 * and model failures become `isError` results the client's model can read, never a JSON-RPC
 * error, and never an internal message. The API key, when the agent requires one, is checked
 * by the access guard before any of this runs.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { Context } from 'hono';
import type { AgentRuntime } from '../agent-runtime.ts';
import type { AgentEnv } from '../http/agent-env.ts';
import { Problem } from '../http/problem.ts';
import { errorFields } from '../observability/logger.ts';
import type { AgentSkill } from '../routes/agent-skills.ts';
import { answerWhole } from '../routes/answer.ts';
import { runScopeOf } from '../tools/run-context.ts';

/** Answers one POST to /mcp. */
export function mcpServer(
  rt: AgentRuntime,
  agentSkills: AgentSkill[],
): (c: Context<AgentEnv>) => Promise<Response> {
  const skills = new Map(agentSkills.map((skill) => [skill.name, skill]));
  const tools: Tool[] = [...skills.values()].map(({ name, title, description, inputSchema }) => ({
    name,
    title,
    description,
    inputSchema,
  }));
  const info = { name: rt.config.name, title: `${rt.config.name} (a fleetplane agent)`, version: rt.version };
  const instructions = `The fleetplane agent ${rt.config.name} (${rt.config.template}, model ${rt.config.model.id}). Each tool asks it one question and returns its answer as text.`;
  // WHY one for the app: the SDK builds a new Ajv (compiling its meta-schemas) per Server
  // otherwise, and this builds a Server per request. It only checks elicitation, unused here.
  const validator = new AjvJsonSchemaValidator();

  return async (c) => {
    const server = new Server(info, {
      capabilities: { tools: {} },
      instructions,
      jsonSchemaValidator: validator,
    });
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
    server.setRequestHandler(CallToolRequestSchema, ({ params }) => {
      const skill = skills.get(params.name);
      if (!skill)
        throw new McpError(
          ErrorCode.InvalidParams,
          `unknown tool "${params.name}"; this agent's tools are ${[...skills.keys()].join(', ')}`,
        );
      return callTool(c, rt, skill, params.arguments ?? {});
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      enableJsonResponse: true,
      maxRequestBodySize: rt.config.limits.maxBodyBytes,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      // The JSON answer is complete here: nothing of this request outlives it.
      void server.close();
    }
  };
}

async function callTool(
  c: Context<AgentEnv>,
  rt: AgentRuntime,
  skill: AgentSkill,
  input: unknown,
): Promise<CallToolResult> {
  const requestId = c.get('requestId');
  try {
    const answer = await answerWhole(rt, skill.request(input), {
      signal: c.req.raw.signal,
      requestId,
      ...runScopeOf(c, rt),
    });
    c.set('usage', answer.usage);
    return { content: [{ type: 'text', text: answer.text }] };
  } catch (err) {
    if (err instanceof Problem)
      return failed(`${err.body.title}: ${err.body.detail} (request id ${requestId})`);
    rt.log.error('mcp tool failed', { requestId, tool: skill.name, ...errorFields(err) });
    return failed(`unexpected error; quote request id ${requestId}`);
  }
}

const failed = (text: string): CallToolResult => ({ isError: true, content: [{ type: 'text', text }] });
