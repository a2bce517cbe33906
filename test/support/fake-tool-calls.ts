/**
 * How the stand-in model (fake-llm.ts, `npm run model:echo`) calls tools, deterministically,
 * so tests and the quick start can show an agent that acts without a real model:
 *
 * - when tools are offered and the last message is the user's, it calls every offered tool
 *   the message names (as a whole word), in the order they appear, all in one reply;
 * - each call's arguments come from the text after the tool's name (up to the next named
 *   tool): `key=value` or `key="a value"` for the tool's parameters, or, for a tool with one
 *   parameter and no `key=`, that whole text (a leading ":" dropped): "weather: Paris";
 * - after tool results it answers with them, one `<tool>: <result>` line per call.
 */

export interface ChatMessage {
  role?: string;
  content?: unknown;
  tool_call_id?: string;
  tool_calls?: { id?: string; function?: { name?: string } }[];
}

export interface OfferedTool {
  type?: string;
  function?: { name?: string; parameters?: { properties?: Record<string, { type?: string }> } };
}

export interface FakeToolCall {
  id: string;
  name: string;
  /** JSON text, as a model writes it. */
  arguments: string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((part) => (typeof part?.text === 'string' ? part.text : '')).join('')
      : '';

/** The tool calls a prompt asks for; none when no offered tool is named or the turn is not the user's. */
export function toolCallsFromPrompt(messages: ChatMessage[], tools: OfferedTool[]): FakeToolCall[] {
  const last = messages.at(-1);
  if (last?.role !== 'user' || tools.length === 0) return [];
  const text = textOf(last.content);
  const found: { at: number; end: number; tool: OfferedTool; name: string }[] = [];
  for (const tool of tools) {
    const name = tool.function?.name;
    if (!name) continue;
    const match = new RegExp(`(?<![A-Za-z0-9_-])${escapeRegExp(name)}(?![A-Za-z0-9_-])`).exec(text);
    if (match) found.push({ at: match.index, end: match.index + name.length, tool, name });
  }
  found.sort((a, b) => a.at - b.at);
  return found.map((hit, index) => {
    const segment = text.slice(hit.end, found[index + 1]?.at ?? text.length);
    return {
      id: `call_${index}_${hit.name}`,
      name: hit.name,
      arguments: JSON.stringify(argumentsFrom(segment, hit.tool.function?.parameters?.properties ?? {})),
    };
  });
}

function argumentsFrom(
  segment: string,
  properties: Record<string, { type?: string }>,
): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(properties)) {
    const match = new RegExp(`(?<![A-Za-z0-9_])${escapeRegExp(key)}=(?:"([^"]*)"|(\\S+))`).exec(segment);
    if (!match) continue;
    args[key] = typed(match[1] ?? (match[2] as string), schema.type);
  }
  const keys = Object.keys(properties);
  if (Object.keys(args).length === 0 && keys.length === 1) {
    const whole = segment.replace(/^\s*:?\s*/, '').trim();
    if (whole !== '') args[keys[0] as string] = typed(whole, properties[keys[0] as string]?.type);
  }
  return args;
}

function typed(value: string, type: string | undefined): unknown {
  if ((type === 'number' || type === 'integer') && Number.isFinite(Number(value))) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** After tool results: `<tool>: <result>` per result, in order; undefined when the last message is not one. */
export function toolResultsReply(messages: ChatMessage[]): string | undefined {
  if (messages.at(-1)?.role !== 'tool') return undefined;
  let first = messages.length - 1;
  while (first > 0 && messages[first - 1]?.role === 'tool') first--;
  const names = new Map<string, string>();
  for (const message of messages)
    for (const call of message.tool_calls ?? [])
      if (call.id && call.function?.name) names.set(call.id, call.function.name);
  return messages
    .slice(first)
    .map((message) => `${names.get(message.tool_call_id ?? '') ?? 'tool'}: ${textOf(message.content)}`)
    .join('\n');
}
