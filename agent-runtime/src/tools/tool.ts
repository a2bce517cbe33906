/**
 * What every tool is to the loop: a function the model may call (its name, description and
 * JSON Schema of arguments, as OpenAI function calling offers it) and the call itself.
 *
 * A call answers text (the tool's output, not yet capped) or throws. A `ToolError`'s message
 * is written for the model and the log (it must never hold a credential); anything else
 * thrown is reported by its name and message only.
 */
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';

export type ToolKind = 'http' | 'mcp' | 'agent';

/** What a call knows about the run it belongs to. */
export interface ToolCallContext {
  /** Aborted when the call times out, the run ends or the client goes. */
  signal: AbortSignal;
  requestId: string | undefined;
  /** Agent hops that led to this run (an agent tool sends depth + 1). */
  depth: number;
  /** Milliseconds this call may still take (what an agent tool passes on to its callee). */
  budgetMs: number;
  /** Largest result the loop keeps, in bytes: a tool may stop reading past it. */
  maxResultBytes: number;
}

/** What a tool answered: text for the model, and whether it reports a failure of its own. */
export interface ToolAnswer {
  text: string;
  /** The tool said it failed (an MCP `isError`, an HTTP error status): an error result. */
  isError?: boolean;
  /** Bytes the tool sent beyond what was read (the text was cut at the source). */
  truncated?: boolean;
}

export interface Tool {
  kind: ToolKind;
  /** As the model sees it; also the `tool` label of the metrics. */
  name: string;
  definition: ChatCompletionFunctionTool;
  call(args: Record<string, unknown>, ctx: ToolCallContext): Promise<ToolAnswer>;
}

/** A failure a tool reports in words of its own, for the model and the log. */
export class ToolError extends Error {
  override name = 'ToolError';
}

export const functionDefinition = (
  name: string,
  description: string,
  parameters: Record<string, unknown>,
): ChatCompletionFunctionTool => ({
  type: 'function',
  function: { name, description, parameters },
});
