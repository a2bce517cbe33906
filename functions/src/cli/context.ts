/**
 * What a verb gets: its arguments and flags, the output format, the streams, and a client
 * made from --url/--token or FLEETPLANE_URL/FLEETPLANE_TOKEN (flag > env > default, read per
 * call). The client library is imported only when a verb asks for it.
 */
import type { FleetplaneClient } from '../client/client.ts';
import { UsageError } from './errors.ts';
import type { Io } from './io.ts';

export type OutputFormat = 'text' | 'json' | 'yaml';
export type Flags = Record<string, string | boolean | undefined>;

export interface VerbContext {
  verb: string;
  args: string[];
  flags: Flags;
  output: OutputFormat;
  io: Io;
  debug: boolean;
  /** The control plane's URL as given (flag, env or default). */
  url: string;
  client(): Promise<FleetplaneClient>;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export function urlFrom(flags: Flags, env: Io['env']): string {
  const url = (flags.url as string | undefined) || env.FLEETPLANE_URL || DEFAULT_URL;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`--url (or FLEETPLANE_URL) must be an http:// or https:// URL (got "${url}")`);
  }
  return url;
}

export function clientFactory(flags: Flags, io: Io, url: string): () => Promise<FleetplaneClient> {
  let made: FleetplaneClient | undefined;
  return async () => {
    if (made) return made;
    const { createClient } = await import('../client/client.ts');
    const token = (flags.token as string | undefined) || io.env.FLEETPLANE_TOKEN || undefined;
    made = createClient({ url, ...(token ? { token } : {}) });
    return made;
  };
}

/** A whole number flag, or a usage error naming the flag and the value. */
export function intFlag(flags: Flags, name: string, min = 1): number | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < min)
    throw new UsageError(`--${name} must be a whole number of at least ${min} (got "${String(value)}")`);
  return Number(value);
}

/** Go-style durations: "90s", "5m", "1h30m", "500ms"; a bare number is seconds. */
export function parseDuration(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts.reduce((sum, [, n, u]) => sum + Number(n) * (unit[u as string] as number), 0);
}

export function durationFlag(flags: Flags, name: string, fallbackMs: number): number {
  const value = flags[name];
  if (value === undefined) return fallbackMs;
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined || ms <= 0)
    throw new UsageError(`--${name} must be a duration such as 90s, 5m or 1h30m (got "${String(value)}")`);
  return ms;
}
