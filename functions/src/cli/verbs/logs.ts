/**
 * `fleetplane logs <name> [--tail N] [--build] [--follow]`: the tail of each pod's log (or the
 * image build's). --follow polls every 2 s and prints only lines it has not printed, until
 * Ctrl-C (exit 0) or the agent goes away. An empty tail is said on stderr, with its likely cause.
 */
import type { FleetplaneClient } from '../../client/client.ts';
import type { Logs } from '../../client/types.ts';
import { intFlag, type VerbContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { newLines } from '../log-follow.ts';
import { printData } from '../output.ts';

const FOLLOW_EVERY_MS = 2_000;
/** Lines per pod asked for while following: enough that 2 s of logging fits, whatever --tail says. */
const FOLLOW_TAIL = 200;

type Pod = Logs['pods'][number];
const keyOf = (pod: Pod) => `${pod.pod}/${pod.container}`;

/** Resolves after `ms`, or at once when the signal aborts (Ctrl-C ends a follow, it is no error). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Why a tail is empty, for stderr: an agent whose level hides its requests, no replica yet,
 * or no build, rather than a silent exit 0 that looks like a broken command.
 */
async function emptyNote(
  client: FleetplaneClient,
  name: string,
  logs: Logs,
  build: boolean,
): Promise<string> {
  if (build)
    return `no build log for ${name}: no image build of it ran lately (its image may be built already, pinned, or it runs locally)`;
  if (logs.pods.length === 0)
    return `no log lines from ${name}: nothing of it runs yet (see 'fleetplane status ${name}')`;
  const level = await client
    .config(name)
    .then((view) => view.spec.logging)
    .catch(() => undefined);
  if (level === 'warn' || level === 'error')
    return `no log lines from ${name}: it logs at "${level}", which hides its requests; set "logging": "info" in its config and deploy it again to see each request`;
  return `no log lines from ${name} yet`;
}

export async function run(context: VerbContext): Promise<number> {
  const [name] = context.args as [string];
  const { io } = context;
  const tail = intFlag(context.flags, 'tail');
  const build = Boolean(context.flags.build);
  const client = await context.client();
  const signal = io.signal;
  const fetchLogs = (lines: number | undefined) =>
    client.logs(name, { ...(lines ? { tail: lines } : {}), build, ...(signal ? { signal } : {}) });

  // Following asks for the same window every time (so that consecutive tails overlap as the
  // window slides), and shows only the last --tail lines of the first one.
  const follow = Boolean(context.flags.follow);
  const window = follow ? Math.max(tail ?? 0, FOLLOW_TAIL) : tail;
  const first = await fetchLogs(window);
  if (first.pods.every((pod) => pod.lines.length === 0))
    io.err(`fleetplane: ${await emptyNote(client, name, first, build)}\n`);
  const prefixed = first.pods.length > 1;
  const text = (pod: Pod, lines: readonly string[]) =>
    lines.map((line) => (prefixed ? `[${keyOf(pod)}] ${line}\n` : `${line}\n`)).join('');

  if (!follow) {
    await printData(context, first, () => first.pods.map((pod) => text(pod, pod.lines)).join(''));
    return EXIT.ok;
  }

  // Following: text, or one JSON object per line (-o yaml makes no sense for a stream; it prints JSON lines too).
  const emit = (pod: Pod, lines: readonly string[]) =>
    io.out(
      context.output === 'text'
        ? text(pod, lines)
        : lines
            .map((line) => `${JSON.stringify({ pod: pod.pod, container: pod.container, line })}\n`)
            .join(''),
    );
  const last = new Map<string, string[]>();
  for (const pod of first.pods) {
    emit(pod, pod.lines.slice(-(tail ?? 100)));
    last.set(keyOf(pod), pod.lines);
  }
  let logs = first;
  while (!signal?.aborted) {
    await sleep(FOLLOW_EVERY_MS, signal);
    if (signal?.aborted) break;
    try {
      logs = await fetchLogs(window);
    } catch (error) {
      if (signal?.aborted) break;
      throw error;
    }
    for (const pod of logs.pods) {
      emit(pod, newLines(last.get(keyOf(pod)) ?? [], pod.lines));
      last.set(keyOf(pod), pod.lines);
    }
  }
  return EXIT.ok;
}
