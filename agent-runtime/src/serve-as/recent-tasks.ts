/**
 * The A2A tasks this replica ran lately, for the SDK's request handler: every task of an agent
 * ends within the request that started it, so the store only serves the handler during that
 * request and a GetTask, ListTasks or CancelTask shortly after, on the same replica.
 *
 * Bounded, so an agent's memory does not grow with its traffic: at most `max` tasks (the least
 * recently written go first), each kept without its history (the agent keeps no conversation;
 * A2A lets a server return less history than asked) and with its answer's text parts joined,
 * so a streamed answer is one part however many tokens it arrived in.
 */
import type { Part, Task } from '@a2a-js/sdk';
import { InMemoryTaskStore, type ServerCallContext, type TaskStore } from '@a2a-js/sdk/server';

type ListTasks = TaskStore['list'];

export class RecentTasks implements TaskStore {
  private readonly tasks = new Map<string, Task>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  async load(taskId: string): Promise<Task | undefined> {
    const task = this.tasks.get(taskId);
    return task && structuredClone(task);
  }

  async save(task: Task): Promise<void> {
    this.tasks.delete(task.id);
    this.tasks.set(task.id, compact(task));
    if (this.tasks.size > this.max) this.tasks.delete(this.tasks.keys().next().value as string);
  }

  /** The SDK's own filtering and paging, over a copy of what is kept (a rare call). */
  async list(params: Parameters<ListTasks>[0], context: ServerCallContext): ReturnType<ListTasks> {
    const view = new InMemoryTaskStore();
    for (const task of this.tasks.values()) await view.save(task, context);
    return view.list(params, context);
  }

  get size(): number {
    return this.tasks.size;
  }
}

function compact(task: Task): Task {
  const kept = structuredClone({ ...task, history: [] });
  for (const artifact of kept.artifacts) artifact.parts = joinText(artifact.parts);
  return kept;
}

function joinText(parts: Part[]): Part[] {
  const joined: Part[] = [];
  for (const part of parts) {
    const last = joined.at(-1);
    if (part.content?.$case === 'text' && last?.content?.$case === 'text' && !part.metadata && !last.metadata)
      last.content = { $case: 'text', value: last.content.value + part.content.value };
    else joined.push(part);
  }
  return joined;
}
