/**
 * Model strings as users write them: "OpenAI gpt-4o", "DigitalOcean llama3.3-70b-instruct",
 * or a bare "gpt-4o-mini" (provider OpenAI). Every provider is reached through an
 * OpenAI-compatible API; the provider name documents intent and picks nothing at runtime.
 *
 * Pure.
 */

export interface ModelRef {
  /** Lower-case provider key: "openai", "digitalocean", ... */
  provider: string;
  /** Model id sent to the provider. */
  id: string;
}

export const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/;
const PROVIDER = /^[A-Za-z][A-Za-z0-9._-]{0,31}$/;

/** Parses a model string; undefined when it is not "<Provider> <model-id>" or "<model-id>". */
export function parseModelRef(text: string): ModelRef | undefined {
  const parts = text.trim().split(/\s+/);
  if (parts.length === 1 && MODEL_ID.test(parts[0] as string))
    return { provider: 'openai', id: parts[0] as string };
  if (parts.length !== 2) return undefined;
  const [provider, id] = parts as [string, string];
  if (!PROVIDER.test(provider) || !MODEL_ID.test(id)) return undefined;
  return { provider: provider.toLowerCase(), id };
}

export function formatModelRef(ref: ModelRef): string {
  return `${ref.provider} ${ref.id}`;
}
