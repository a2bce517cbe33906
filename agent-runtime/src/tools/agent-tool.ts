/**
 * An `agent` tool: another agent of the fleet, asked through its `POST /generate`; its
 * answer's text is the result. The call carries the chain's depth (the callee offers no
 * agent tools at MAX_AGENT_DEPTH), what is left of the caller's time (the callee's run ends
 * by then), the request id (one id across the chain's logs) and the caller's name.
 *
 * The callee's key, when it requires one, is a header of this tool (from the caller's own
 * Secret); nothing else of the caller's travels.
 */

import {
  AGENT_DEPTH_HEADER,
  CALLER_HEADER,
  DEADLINE_HEADER,
  MAX_AGENT_DEPTH,
  type RuntimeAgentTool,
} from '../tool-contract.ts';
import { functionDefinition, type Tool, type ToolAnswer, ToolError } from './tool.ts';
import { readBodyCapped } from './tool-result.ts';

/** JSON escapes a byte as at most 6 (`\u00XX`); the envelope around the text is small. */
const answerBytes = (maxResultBytes: number) => maxResultBytes * 6 + 65_536;

export const AGENT_TOOL_PARAMETERS = {
  type: 'object',
  properties: { prompt: { type: 'string', description: 'What to ask the agent' } },
  required: ['prompt'],
  additionalProperties: false,
};

export function agentTool(
  config: RuntimeAgentTool,
  headers: Record<string, string>,
  fetchFn: typeof fetch,
  caller: string,
): Tool {
  const endpoint = `${config.url.replace(/\/+$/, '')}/generate`;
  return {
    kind: 'agent',
    name: config.name,
    definition: functionDefinition(config.name, config.description, AGENT_TOOL_PARAMETERS),
    async call(args, ctx): Promise<ToolAnswer> {
      if (ctx.depth >= MAX_AGENT_DEPTH)
        throw new ToolError(`agents may call agents at most ${MAX_AGENT_DEPTH} deep`);
      if (typeof args.prompt !== 'string' || args.prompt === '')
        throw new ToolError('argument "prompt" is required: a non-empty string');
      const response = await fetchFn(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          [AGENT_DEPTH_HEADER]: String(ctx.depth + 1),
          [DEADLINE_HEADER]: String(Math.max(1, Math.floor(ctx.budgetMs))),
          [CALLER_HEADER]: caller,
          ...(ctx.requestId ? { 'x-request-id': ctx.requestId } : {}),
          ...headers,
        },
        body: JSON.stringify({ prompt: args.prompt }),
        redirect: 'manual',
        signal: ctx.signal,
      });
      const { text, truncated } = await readBodyCapped(response, answerBytes(ctx.maxResultBytes));
      if (truncated) throw new ToolError(`the agent ${config.agent} answered more than the tool may read`);
      let body: { text?: unknown; detail?: unknown } | undefined;
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        body = undefined;
      }
      if (!response.ok) {
        const detail = typeof body?.detail === 'string' ? `: ${body.detail}` : '';
        return { text: `the agent ${config.agent} answered ${response.status}${detail}`, isError: true };
      }
      if (typeof body?.text !== 'string')
        throw new ToolError(`the agent ${config.agent} answered without a text`);
      return { text: body.text };
    },
  };
}
