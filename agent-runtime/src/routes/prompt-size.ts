/**
 * The agent's prompt-size limit (limits.maxPromptChars), counted over everything the client
 * sends to the model: prompt, history, filled slots. The agent's own instruction is exempt.
 */
import { invalidInput } from '../http/problem.ts';

export function checkPromptSize(path: string, chars: number, max: number): void {
  if (chars <= max) return;
  throw invalidInput([
    { path, rule: 'max', message: `must total at most ${max} characters (got ${chars} characters)` },
  ]);
}

/** Characters of text in an OpenAI message content (string or parts). */
export function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const part of content) if (typeof part?.text === 'string') n += part.text.length;
  return n;
}
