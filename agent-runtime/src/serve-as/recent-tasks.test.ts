import { type Part, Role, type Task, TaskState } from '@a2a-js/sdk';
import { ServerCallContext } from '@a2a-js/sdk/server';
import { describe, expect, it } from 'vitest';
import { RecentTasks } from './recent-tasks.ts';

const text = (value: string): Part => ({
  content: { $case: 'text', value },
  metadata: undefined,
  filename: '',
  mediaType: 'text/plain',
});

const task = (id: string, parts: Part[] = [], at = '2026-01-01T00:00:00.000Z'): Task => ({
  id,
  contextId: 'ctx',
  status: { state: TaskState.TASK_STATE_COMPLETED, message: undefined, timestamp: at },
  artifacts: [
    { artifactId: 'a', name: 'answer', description: '', parts, metadata: undefined, extensions: [] },
  ],
  history: [
    {
      messageId: 'm',
      contextId: 'ctx',
      taskId: id,
      role: Role.ROLE_USER,
      parts: [text('a long question')],
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    },
  ],
  metadata: undefined,
});

describe('RecentTasks', () => {
  it('keeps at most its bound, dropping the least recently written first', async () => {
    const store = new RecentTasks(2);
    await store.save(task('one'));
    await store.save(task('two'));
    await store.save(task('one'));
    await store.save(task('three'));
    expect(store.size).toBe(2);
    expect(await store.load('two')).toBeUndefined();
    expect((await store.load('one'))?.id).toBe('one');
    expect((await store.load('three'))?.id).toBe('three');
  });

  it('keeps no history and joins an answer streamed in many text parts into one', async () => {
    const store = new RecentTasks(10);
    const data: Part = { ...text(''), content: { $case: 'data', value: { k: 1 } } };
    await store.save(task('t', [text('one '), text('two '), text('three'), data, text('after')]));
    const kept = await store.load('t');
    expect(kept?.history).toEqual([]);
    expect(kept?.artifacts[0]?.parts.map((p) => p.content)).toEqual([
      { $case: 'text', value: 'one two three' },
      { $case: 'data', value: { k: 1 } },
      { $case: 'text', value: 'after' },
    ]);
  });

  it('hands out copies: changing one changes nothing kept', async () => {
    const store = new RecentTasks(10);
    const written = task('t', [text('x')]);
    await store.save(written);
    written.id = 'changed';
    const loaded = await store.load('t');
    if (loaded) loaded.contextId = 'changed';
    expect((await store.load('t'))?.contextId).toBe('ctx');
  });

  it('lists with the SDK’s own filters and paging, newest first', async () => {
    const store = new RecentTasks(10);
    await store.save(task('old', [], '2026-01-01T00:00:00.000Z'));
    await store.save(task('new', [], '2026-01-02T00:00:00.000Z'));
    const context = new ServerCallContext();
    const page = await store.list(
      {
        tenant: '',
        contextId: 'ctx',
        status: TaskState.TASK_STATE_UNSPECIFIED,
        pageSize: 1,
        pageToken: '',
        historyLength: undefined,
        statusTimestampAfter: undefined,
        includeArtifacts: false,
      },
      context,
    );
    expect(page.tasks.map((t) => t.id)).toEqual(['new']);
    expect(page.nextPageToken).not.toBe('');
  });
});
