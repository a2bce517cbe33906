/**
 * JSON-lines logger with a level threshold; lines go to an injected sink (stdout on Node,
 * console on workerd).
 *
 * It must never be handed secrets (API keys, Authorization headers) or full prompts at info:
 * callers log sizes and ids, and only `debug` may carry a short prompt preview.
 */
import type { LogLevel } from '../contract.ts';

export type LogFields = Record<string, unknown>;
export type LogSink = (line: string) => void;

export interface Logger {
  enabled(level: LogLevel): boolean;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(level: LogLevel, sink: LogSink, base: LogFields = {}): Logger {
  const threshold = rank[level];
  const write = (lvl: LogLevel, msg: string, fields?: LogFields) => {
    if (rank[lvl] < threshold) return;
    sink(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...base, ...fields }));
  };
  return {
    enabled: (lvl) => rank[lvl] >= threshold,
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}

/** Error fields safe to log: name and message, never the cause chain's request bodies. */
export function errorFields(err: unknown): LogFields {
  if (err instanceof Error) return { error: err.name, errorMessage: err.message.slice(0, 500) };
  return { error: String(err).slice(0, 500) };
}
