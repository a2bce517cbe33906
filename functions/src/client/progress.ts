/**
 * What an agent is doing, in words a person reads, and whether a wait for it is over:
 * "Building 0:42", "rolling out 1/2 ready", "Running", "Degraded: ImagePullBackOff (...)".
 * The CLI's progress lines, its `list` and the web console all say it the same way.
 *
 * Pure and browser-safe: reads a Deployment as the API returns it, never calls anything.
 */
import type { BuildInfo, Deployment, Phase } from './types.ts';

/** What the caller waits for: the agent serving its current generation, or the agent gone. */
export type WaitTarget = 'running' | 'deleted';

/** `waiting` until the agent settles; then `ready` (what was asked) or `failed` (it will not get there). */
export type Outcome = 'waiting' | 'ready' | 'failed';

export interface AgentView {
  name: string;
  /** The API's phase; `Missing` when the list does not show the agent. */
  phase: Phase | 'Missing';
  outcome: Outcome;
  /** When the current phase began (ms since epoch): the build's start, or when it was first seen. */
  since: number;
  /** Short machine-readable cause of trouble: `ImagePullBackOff`, `BuildFailed`, `Unschedulable`... */
  reason?: string;
  /** The longer human explanation that goes with `reason`. */
  message?: string;
  ready?: number;
  desired?: number;
  url?: string;
  deployment?: Deployment;
}

/** "0:42", "12:05", "1:02:03". */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

const trueCondition = (d: Deployment, type: string) =>
  d.conditions.find((c) => c.type === type && c.status === 'True');
const falseCondition = (d: Deployment, type: string) =>
  d.conditions.find((c) => c.type === type && c.status === 'False');

/** Why an agent is in trouble (or not moving), from its build, conditions and pods, most specific first. */
export function troubleOf(d: Deployment): { reason: string; message?: string } | undefined {
  const build: BuildInfo | undefined = d.build;
  if (d.phase === 'BuildFailed') {
    const built = falseCondition(d, 'Built');
    return { reason: 'BuildFailed', message: build?.reason ?? build?.message ?? built?.message };
  }
  if (d.phase === 'Failed') {
    const progressing = falseCondition(d, 'Progressing');
    return {
      reason: progressing?.reason ?? 'Failed',
      ...(progressing?.message ? { message: progressing.message } : {}),
    };
  }
  const degraded = trueCondition(d, 'Degraded');
  if (degraded) return { reason: degraded.reason, message: degraded.message };
  // Not failing, but something holds a pod back: Unschedulable, ContainerCreating, a probe.
  const stuck = d.pods?.find((pod) => !pod.ready && pod.reason);
  if (stuck?.reason)
    return { reason: stuck.reason, message: `pod ${stuck.name}: ${stuck.message ?? stuck.reason}` };
  return undefined;
}

function phaseStart(d: Deployment, firstSeen: number): number {
  const build: BuildInfo | undefined = d.build;
  if (d.phase === 'Building' && build?.startedAt) {
    const started = Date.parse(build.startedAt);
    if (!Number.isNaN(started)) return started;
  }
  return firstSeen;
}

export interface ViewOptions {
  target: WaitTarget;
  /** When this phase of this agent was first seen; the caller keeps it across polls. */
  firstSeen: number;
  /** How long a Degraded agent may stay so before the wait calls it failed. */
  degradedForMs?: number;
  degradedGraceMs?: number;
  /** The generation the caller deployed: an older one is not what it waits for. */
  minGeneration?: number;
}

/** Default grace for Degraded: long enough for a registry hiccup (ErrImagePull) to clear. */
export const DEGRADED_GRACE_MS = 15_000;

/**
 * The view of one agent. A wait for `running` is over when the agent is Running at (at least)
 * the deployed generation; it has failed on BuildFailed or Failed, or when Degraded outlasts
 * the grace period (ImagePullBackOff and CrashLoopBackOff do not clear by themselves).
 */
export function viewOf(name: string, d: Deployment | undefined, options: ViewOptions): AgentView {
  if (!d)
    return {
      name,
      phase: 'Missing',
      outcome: options.target === 'deleted' ? 'ready' : 'waiting',
      since: options.firstSeen,
    };
  const trouble = troubleOf(d);
  let outcome: Outcome = 'waiting';
  if (options.target === 'running') {
    const current = options.minGeneration === undefined || d.generation >= options.minGeneration;
    if (d.phase === 'Running' && current) outcome = 'ready';
    else if (d.phase === 'BuildFailed' || d.phase === 'Failed') outcome = 'failed';
    else if (
      d.phase === 'Degraded' &&
      (options.degradedForMs ?? 0) >= (options.degradedGraceMs ?? DEGRADED_GRACE_MS)
    )
      outcome = 'failed';
  }
  return {
    name,
    phase: d.phase,
    outcome,
    since: phaseStart(d, options.firstSeen),
    ...(trouble ? { reason: trouble.reason } : {}),
    ...(trouble?.message ? { message: trouble.message } : {}),
    ready: d.replicas.ready,
    desired: d.replicas.desired,
    url: d.url,
    deployment: d,
  };
}

/**
 * One line for an agent. With `now`, phases that take time show how long ("Building 0:42");
 * without it the line changes only when the state does (for logs that print on change).
 */
export function summaryOf(view: AgentView, now?: number): string {
  const elapsed = now === undefined ? '' : ` ${clock(now - view.since)}`;
  const replicas = `${view.ready ?? 0}/${view.desired ?? 0} ready`;
  const why = view.reason ? `${view.reason}${view.message ? ` (${view.message})` : ''}` : '';
  switch (view.phase) {
    case 'Missing':
      return view.outcome === 'ready' ? 'deleted' : 'not listed yet';
    case 'Pending':
      return `Pending${elapsed}`;
    case 'Building':
      return `Building${elapsed}`;
    case 'BuildFailed':
      return `BuildFailed: ${view.message ?? 'the image build failed'}`;
    case 'Deploying':
      return `rolling out ${replicas}${elapsed}${why ? `, ${why}` : ''}`;
    case 'Running':
      return `Running ${replicas}`;
    case 'Degraded':
      return `Degraded ${replicas}: ${why || 'pods are failing'}`;
    case 'Failed':
      return `Failed: ${why || 'the rollout did not progress'}`;
    case 'Deleting':
      return `Deleting${elapsed}`;
  }
}
