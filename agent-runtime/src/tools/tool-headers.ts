/**
 * A tool's request headers, resolved once when the agent starts: plain values as written,
 * credentials from the `FLEETPLANE_TOOL_*` variables the platform fills from the agent's own
 * Secrets. Each tool gets only its own headers, so a credential goes only where it was
 * configured to go.
 *
 * WARNING: the values are credentials. Never log them, never put them in a message.
 */
import type { Logger } from '../observability/logger.ts';
import { type RuntimeToolHeader, TOOL_SECRET_ENV_PREFIX } from '../tool-contract.ts';

/** Reads a tool credential by its variable's name; undefined when it is not set. */
export type ToolSecrets = (envName: string) => string | undefined;

export function resolveHeaders(
  tool: string,
  headers: readonly RuntimeToolHeader[],
  secrets: ToolSecrets,
  log: Logger,
): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const header of headers) {
    if ('value' in header) {
      resolved[header.name.toLowerCase()] = header.value;
      continue;
    }
    // The contract allows only this prefix; checked again so no other variable can be read.
    const value = header.env.startsWith(TOOL_SECRET_ENV_PREFIX) ? secrets(header.env) : undefined;
    if (value === undefined || value === '') {
      log.warn('tool credential missing: calls go without this header', {
        tool,
        header: header.name,
        env: header.env,
      });
      continue;
    }
    resolved[header.name.toLowerCase()] = `${header.prefix ?? ''}${value}`;
  }
  return resolved;
}
