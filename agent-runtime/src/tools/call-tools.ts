/**
 * Runs the tool calls of one model step, all at once, and turns each into the tool message
 * the model reads next. Whatever happens, a call ends as a result (ok, error or timeout):
 * an unknown tool, arguments that are not a JSON object, a tool that fails or hangs. Only a
 * run that is over (client gone, agent stopping) ends the calls early, and then they throw.
 *
 * Each call: a `tool_start` and a `tool_end` event, one log line (agent, tool, duration,
 * outcome, bytes; never arguments or results), the calls counter and the duration histogram.
 */
import type { ChatCompletionToolMessageParam } from 'openai/resources/chat/completions';
import { linkSignals } from '../abort.ts';
import type { Logger } from '../observability/logger.ts';
import type { AgentMetrics } from '../observability/metrics.ts';
import { MAX_CALLS_PER_STEP } from '../tool-contract.ts';
import { type ToolAnswer, ToolError } from './tool.ts';
import { capText, type ToolOutcome, toolMessageContent } from './tool-result.ts';
import type { Toolbox } from './toolbox.ts';

export interface ToolCallRequest {
  id: string;
  name: string;
  /** As the model wrote them: JSON text, to be checked. */
  arguments: string;
}

/** What a run reports of each call (its answer and its SSE `tool_end` event carry this). */
export interface ToolCallRecord {
  id: string;
  name: string;
  step: number;
  outcome: ToolOutcome;
  duration_ms: number;
  /** Bytes of the result the model read. */
  bytes: number;
  truncated: boolean;
}

export type ToolEvent =
  | { type: 'tool_start'; id: string; name: string; step: number }
  | ({ type: 'tool_end' } & ToolCallRecord);

export interface CallScope {
  signal: AbortSignal;
  requestId: string | undefined;
  depth: number;
  /** When the run must be over, in Date.now() milliseconds. */
  deadline: number;
  step: number;
}

export interface CallDeps {
  toolbox: Toolbox;
  metrics: AgentMetrics;
  log: Logger;
  emit: (event: ToolEvent) => void;
}

/** Thrown into a call that ran out of time: a marker, never shown as is. */
class ToolTimeout extends Error {
  override name = 'ToolTimeout';
}

export function callTools(
  calls: readonly ToolCallRequest[],
  scope: CallScope,
  deps: CallDeps,
): Promise<{ messages: ChatCompletionToolMessageParam[]; records: ToolCallRecord[] }> {
  // A reply with hundreds of calls must not become hundreds of requests at once.
  const run = (call: ToolCallRequest, index: number) =>
    index < MAX_CALLS_PER_STEP
      ? callOne(call, scope, deps)
      : callOne(call, scope, deps, `not run: at most ${MAX_CALLS_PER_STEP} tool calls per step`);
  return Promise.all(calls.map(run)).then((done) => ({
    messages: done.map((d) => d.message),
    records: done.map((d) => d.record),
  }));
}

async function callOne(call: ToolCallRequest, scope: CallScope, deps: CallDeps, refused?: string) {
  const { toolbox, metrics, log, emit } = deps;
  const { timeoutMs, maxResultBytes } = toolbox.limits;
  const tool = toolbox.find(call.name);
  // A name the model made up is shown cut short, and counted under one label (bounded series).
  const name = tool ? tool.name : call.name.slice(0, 64);
  emit({ type: 'tool_start', id: call.id, name, step: scope.step });
  const started = performance.now();
  const budgetMs = Math.max(0, Math.min(timeoutMs, scope.deadline - Date.now()));
  const timer = new AbortController();
  const link = linkSignals([scope.signal, timer.signal]);
  const timeout = setTimeout(() => timer.abort(new ToolTimeout()), budgetMs);
  let outcome: ToolOutcome;
  let answer: ToolAnswer;
  try {
    if (refused) throw new ToolError(refused);
    if (!tool) throw new ToolError(`no tool named "${name}" is offered`);
    const args = parseArguments(call.arguments);
    answer = await Promise.race([
      tool.call(args, {
        signal: link.signal,
        requestId: scope.requestId,
        depth: scope.depth,
        budgetMs,
        maxResultBytes,
      }),
      // A tool that ignores its signal still costs no more than its budget.
      rejectOnAbort(link.signal),
    ]);
    outcome = answer.isError ? 'error' : 'ok';
  } catch (err) {
    if (scope.signal.aborted) throw scope.signal.reason ?? err;
    if (timer.signal.aborted) {
      outcome = 'timeout';
      answer = { text: `the tool did not answer within ${budgetMs} ms` };
    } else {
      outcome = 'error';
      answer = { text: describeFailure(err) };
    }
  } finally {
    clearTimeout(timeout);
    link.unlink();
  }
  const capped = capText(answer.text, maxResultBytes);
  const truncated = capped.truncated || answer.truncated === true;
  const record: ToolCallRecord = {
    id: call.id,
    name,
    step: scope.step,
    outcome,
    duration_ms: Math.round((performance.now() - started) * 10) / 10,
    bytes: capped.bytes,
    truncated,
  };
  const label = tool ? name : '(unknown)';
  metrics.toolCalls.inc({ tool: label, outcome });
  metrics.toolDuration.observe({ tool: label }, record.duration_ms / 1000);
  log.info('tool call', {
    requestId: scope.requestId,
    tool: name,
    kind: tool?.kind,
    step: scope.step,
    outcome,
    durationMs: record.duration_ms,
    bytes: record.bytes,
    truncated,
    ...(outcome === 'error' && !answer.isError ? { error: answer.text.slice(0, 200) } : {}),
  });
  emit({ type: 'tool_end', ...record });
  return {
    record,
    message: {
      role: 'tool' as const,
      tool_call_id: call.id,
      content: toolMessageContent(outcome, capped.text, truncated, maxResultBytes),
    },
  };
}

function parseArguments(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new ToolError('the arguments are not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ToolError('the arguments must be a JSON object');
  return value as Record<string, unknown>;
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** A failure in words the model (and the log) may read: ours, or the error's name and message. */
function describeFailure(err: unknown): string {
  if (err instanceof ToolError) return err.message;
  if (err instanceof Error) {
    const cause =
      err.cause instanceof Error
        ? `: ${(err.cause as Error & { code?: string }).code ?? err.cause.message}`
        : '';
    return `could not call the tool (${err.message}${cause})`.slice(0, 300);
  }
  return 'could not call the tool';
}
