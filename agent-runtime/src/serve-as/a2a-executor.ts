/**
 * The agent's one A2A executor: a message in, the agent's answer out, through the answer seam
 * (routes/answer.ts) like every other door. The SDK's request handler does the protocol.
 *
 * - `SendMessage`: the answer is one agent message (nothing stored).
 * - `SendStreamingMessage`: a task, working, the answer's tokens as appended artifact chunks,
 *   then completed, so clients see text as it is written.
 * - Bad input (no such skill, missing fields): the task is rejected, saying which fields; a model
 *   failure: failed, with the problem and the request id; a client gone or a CancelTask on this
 *   replica: canceled. Never a thrown error: the SDK would show its message to the caller.
 *
 * Every run ends the event bus, whatever happened. The message picks a skill with metadata
 * `skill` (default `generate`); its text fills the skill's text field, a data part its fields.
 */
import { type Message, type Part, Role, type Task, TaskState } from '@a2a-js/sdk';
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server';
import { linkSignals } from '../abort.ts';
import type { AgentRuntime } from '../agent-runtime.ts';
import { invalidInput, Problem } from '../http/problem.ts';
import { errorFields } from '../observability/logger.ts';
import type { AgentSkill } from '../routes/agent-skills.ts';
import { type AnswerRequest, answerStream, answerWhole, problemOf, type Usage } from '../routes/answer.ts';
import { SKILL_METADATA_KEY } from './a2a-card.ts';

/** What the HTTP adapter tells the executor about the call, through the SDK's context state. */
export interface A2aCall {
  signal: AbortSignal;
  requestId: string;
  /** The client asked for a stream (SendStreamingMessage, or message/stream in A2A 0.3). */
  streaming: boolean;
  /** Where the run stands in a chain of agents, and when it must end (tools/run-context.ts). */
  depth: number;
  deadline: number;
  onUsage(usage: Usage | undefined): void;
}
export const A2A_CALL = 'fleetplane.call';

export class AgentAnswers implements AgentExecutor {
  private readonly rt: AgentRuntime;
  private readonly skills: Map<string, AgentSkill>;
  /** Runs of this replica, so CancelTask can stop one. */
  private readonly running = new Map<string, AbortController>();

  constructor(rt: AgentRuntime, skills: AgentSkill[]) {
    this.rt = rt;
    this.skills = new Map(skills.map((skill) => [skill.name, skill]));
  }

  private answerCall(call: A2aCall, signal: AbortSignal) {
    return { signal, requestId: call.requestId, depth: call.depth, deadline: call.deadline };
  }

  async execute(context: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const call = context.context.state.get(A2A_CALL) as A2aCall;
    const run = new Run(context, bus);
    const stop = new AbortController();
    this.running.set(context.taskId, stop);
    const link = linkSignals([call.signal, stop.signal]);
    const { signal } = link;
    try {
      let request: AnswerRequest;
      try {
        request = this.requestOf(context.userMessage);
      } catch (err) {
        if (!(err instanceof Problem)) throw err;
        return run.end(TaskState.TASK_STATE_REJECTED, err.body.detail);
      }
      if (!call.streaming) {
        const answer = await answerWhole(this.rt, request, this.answerCall(call, signal));
        call.onUsage(answer.usage);
        return run.reply(answer.text, { finish_reason: answer.finish_reason, usage: answer.usage });
      }
      run.start();
      let finish: Record<string, unknown> = {};
      for await (const event of await answerStream(this.rt, request, this.answerCall(call, signal))) {
        if (event.type === 'token') run.append(event.text);
        else if (event.type === 'done') {
          call.onUsage(event.usage ?? undefined);
          finish = { finish_reason: event.finish_reason, usage: event.usage };
        }
      }
      run.end(TaskState.TASK_STATE_COMPLETED, undefined, finish);
    } catch (err) {
      if (stop.signal.aborted || (call.signal.aborted && !problemOf(err, call.signal)))
        return run.end(TaskState.TASK_STATE_CANCELED, 'canceled');
      const problem = problemOf(err, signal);
      if (!problem) this.rt.log.error('a2a run failed', { requestId: call.requestId, ...errorFields(err) });
      run.end(
        TaskState.TASK_STATE_FAILED,
        `${problem ? `${problem.body.title}: ${problem.body.detail}` : 'unexpected error'} (request id ${call.requestId})`,
      );
    } finally {
      link.unlink();
      this.running.delete(context.taskId);
      bus.finished();
    }
  }

  async cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    const stop = this.running.get(taskId);
    // Not running any more: it has just ended, its final state is on the bus already.
    if (stop) stop.abort(new Error('canceled by CancelTask'));
    else bus.finished();
  }

  /** The skill the message asks for, and its input from the message's text and data parts. */
  private requestOf(message: Message): AnswerRequest {
    const wanted = message.metadata?.[SKILL_METADATA_KEY] ?? 'generate';
    const skill = typeof wanted === 'string' ? this.skills.get(wanted) : undefined;
    if (!skill)
      throw invalidInput([
        {
          path: `metadata.${SKILL_METADATA_KEY}`,
          rule: 'enum',
          message: `must be one of ${[...this.skills.keys()].map((s) => `"${s}"`).join(', ')} (got ${JSON.stringify(wanted)})`,
        },
      ]);
    const text = message.parts
      .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
      .filter(Boolean)
      .join('\n');
    const data = message.parts.find((part) => part.content?.$case === 'data')?.content?.value;
    const input: Record<string, unknown> = typeof data === 'object' && data !== null ? { ...data } : {};
    if (text && skill.textField) input[skill.textField] ??= text;
    else if (text)
      throw invalidInput([
        {
          path: 'message.parts',
          rule: 'type',
          message: `skill "${skill.name}" takes no text; send its fields as a data part (got ${text.length} characters of text)`,
        },
      ]);
    return skill.request(input);
  }
}

/** One run's events, in the order the SDK accepts them. */
class Run {
  private readonly context: RequestContext;
  private readonly bus: ExecutionEventBus;
  private started = false;
  private chunks = 0;
  private readonly artifactId = crypto.randomUUID();

  constructor(context: RequestContext, bus: ExecutionEventBus) {
    this.context = context;
    this.bus = bus;
  }

  /** The whole answer as one message, without a task. */
  reply(text: string, metadata: Record<string, unknown>): void {
    this.bus.publish(AgentEvent.message(this.message(text, '', metadata)));
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.bus.publish(AgentEvent.task(this.snapshot(TaskState.TASK_STATE_WORKING)));
  }

  append(text: string): void {
    this.bus.publish(
      AgentEvent.artifactUpdate({
        taskId: this.context.taskId,
        contextId: this.context.contextId,
        artifact: {
          artifactId: this.artifactId,
          name: 'answer',
          description: '',
          parts: [textPart(text)],
          metadata: undefined,
          extensions: [],
        },
        append: this.chunks++ > 0,
        lastChunk: false,
        metadata: undefined,
      }),
    );
  }

  /** A final state, with a message saying why when there is one to say. */
  end(state: TaskState, why?: string, metadata?: Record<string, unknown>): void {
    if (!this.started) {
      this.started = true;
      this.bus.publish(AgentEvent.task(this.snapshot(state, why)));
      return;
    }
    this.bus.publish(
      AgentEvent.statusUpdate({
        taskId: this.context.taskId,
        contextId: this.context.contextId,
        status: this.status(state, why),
        metadata,
      }),
    );
  }

  private snapshot(state: TaskState, why?: string): Task {
    return {
      id: this.context.taskId,
      contextId: this.context.contextId,
      status: this.status(state, why),
      artifacts: [],
      history: [],
      metadata: undefined,
    };
  }

  private status(state: TaskState, why: string | undefined) {
    return {
      state,
      message: why === undefined ? undefined : this.message(why, this.context.taskId),
      timestamp: new Date().toISOString(),
    };
  }

  private message(text: string, taskId: string, metadata?: Record<string, unknown>): Message {
    return {
      messageId: crypto.randomUUID(),
      contextId: this.context.contextId,
      taskId,
      role: Role.ROLE_AGENT,
      parts: [textPart(text)],
      metadata,
      extensions: [],
      referenceTaskIds: [],
    };
  }
}

const textPart = (text: string): Part => ({
  content: { $case: 'text', value: text },
  metadata: undefined,
  filename: '',
  mediaType: 'text/plain',
});
