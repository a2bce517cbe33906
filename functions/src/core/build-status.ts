/**
 * The status of an image build, derived (never stored) from its Kaniko Job and the Job's pod
 * as one list call each returned them: phase, times, the pushed digest, and, when it failed,
 * the reason a person can act on (the deadline, Kaniko's last error line, a builder image that
 * cannot be pulled, a missing Secret).
 *
 * Pure. Type-only imports from the Kubernetes client library.
 */
import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';
import { BUILD_IMAGE_ANNOTATION, BUILD_TAG_ANNOTATION, KANIKO_CONTAINER } from './agent-objects/build-job.ts';

export const BUILD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;
export type BuildPhase = (typeof BUILD_PHASES)[number];

export interface BuildStatus {
  /** The build context's content address. */
  tag: string;
  /** The Kaniko Job's name, `build-<tag12>`. */
  job: string;
  /** Where the build pushes. */
  image: string;
  phase: BuildPhase;
  startedAt?: string;
  finishedAt?: string;
  /** The pushed image's digest, as Kaniko reported it (`sha256:…`). */
  digest?: string;
  /** Why it failed, or what it waits for. */
  reason?: string;
}

/** The build Jobs and their pods, as listed in the builds namespace. */
export interface BuildsObserved {
  jobs: V1Job[];
  pods: V1Pod[];
}

export const noBuilds = (): BuildsObserved => ({ jobs: [], pods: [] });

/** Container states that leave a build pod stuck until someone acts: a failure, not a wait. */
const STUCK_REASONS = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

const MAX_REASON = 500;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

const iso = (value: Date | string | undefined) => (value instanceof Date ? value.toISOString() : value);
const time = (value: Date | string | undefined) => Date.parse(iso(value) ?? '') || 0;

const clip = (text: string) => (text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text);

/**
 * The line of a termination message worth showing: with FallbackToLogsOnError it is the log's
 * tail, whose last error line ("error building image: …") says what went wrong.
 */
export function reasonLine(message: string | undefined): string | undefined {
  const lines = (message ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const line = lines.findLast((candidate) => /error/i.test(candidate)) ?? lines.at(-1);
  return line === undefined ? undefined : clip(line);
}

function failureReason(job: V1Job, container: V1ContainerStatus | undefined): string {
  const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  const terminated = container?.state?.terminated;
  const said = reasonLine(terminated?.message);
  if (failed?.reason === 'DeadlineExceeded')
    return clip(
      `the build did not finish within ${job.spec?.activeDeadlineSeconds ?? '?'} s (FLEETPLANE_BUILD_DEADLINE_SECONDS)${said ? `: ${said}` : ''}`,
    );
  if (said) return said;
  if (terminated)
    return `the builder exited with code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}`;
  return clip(failed?.message || failed?.reason || 'the build Job failed');
}

/** The build of the Job named `name`, or undefined when there is none (or it is being deleted). */
export function buildStatusOf(observed: BuildsObserved, name: string): BuildStatus | undefined {
  const job = observed.jobs.find((j) => j.metadata?.name === name && !j.metadata?.deletionTimestamp);
  if (!job) return undefined;
  const uid = job.metadata?.uid;
  // A replaced Job's pods may linger while they terminate: only this Job's own count.
  const pod = observed.pods
    .filter((p) => uid !== undefined && p.metadata?.ownerReferences?.some((owner) => owner.uid === uid))
    .sort((a, b) => time(a.metadata?.creationTimestamp) - time(b.metadata?.creationTimestamp))
    .at(-1);
  const statuses = pod?.status?.containerStatuses ?? [];
  const container = statuses.find((c) => c.name === KANIKO_CONTAINER) ?? statuses[0];
  const condition = (type: string) =>
    job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
  const failed = condition('Failed');
  const complete = condition('Complete');
  const waiting = container?.state?.waiting;
  const stuck = !failed && !complete && waiting?.reason && STUCK_REASONS.has(waiting.reason);
  const base = {
    tag: job.metadata?.annotations?.[BUILD_TAG_ANNOTATION] ?? '',
    job: name,
    image: job.metadata?.annotations?.[BUILD_IMAGE_ANNOTATION] ?? '',
  };
  const startedAt = iso(job.status?.startTime ?? job.metadata?.creationTimestamp);
  const started = startedAt ? { startedAt } : {};
  if (complete) {
    const digest = container?.state?.terminated?.message?.trim();
    const finishedAt = iso(job.status?.completionTime ?? complete.lastTransitionTime);
    return {
      ...base,
      phase: 'Succeeded',
      ...started,
      ...(finishedAt ? { finishedAt } : {}),
      ...(digest && DIGEST.test(digest) ? { digest } : {}),
    };
  }
  if (failed) {
    const finishedAt = iso(failed.lastTransitionTime);
    return {
      ...base,
      phase: 'Failed',
      ...started,
      ...(finishedAt ? { finishedAt } : {}),
      reason: failureReason(job, container),
    };
  }
  if (stuck) {
    const pulling =
      waiting.reason !== 'CreateContainerConfigError' && waiting.reason !== 'CreateContainerError';
    const what = pulling
      ? `the builder image ${pod?.spec?.containers[0]?.image ?? ''} cannot be pulled (${waiting.reason})`
      : `the build pod cannot start (${waiting.reason})`;
    return {
      ...base,
      phase: 'Failed',
      ...started,
      reason: clip(`${what}${waiting.message ? `: ${waiting.message}` : ''}`),
    };
  }
  const running = pod?.status?.phase === 'Running';
  return {
    ...base,
    phase: running ? 'Running' : 'Pending',
    ...started,
    ...(running
      ? {}
      : { reason: waiting?.reason ? `the build pod is ${waiting.reason}` : 'waiting for the build pod' }),
  };
}
